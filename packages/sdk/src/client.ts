/**
 * The typed client: openapi-fetch over the generated `paths`, with the key sent as a Bearer token,
 * an `Idempotency-Key` on every POST (kept across retries, so a retried POST is replayed, not
 * repeated) and retries of 429/503 answers (and a 409 saying the same key is still running) after
 * their `Retry-After`.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type ApiClient = Client<paths>;

export interface ProbadorOptions {
  /** The server, e.g. `https://tryon.example.com` (its `/v1/...` paths are appended). */
  baseUrl: string;
  /** A secret key (`sk_…`, servers) or a publishable key (`pk_…`, the browser, from an allowed origin). */
  apiKey?: string;
  /** Instead of a key: a staff access token from `/admin/v1/auth/login`. */
  accessToken?: string;
  /** Another fetch (a proxy, a test recorder); defaults to the global one. */
  fetch?: (input: Request) => Promise<Response>;
  /** Retries of a 429 or 503 answer (default 2); 0 turns retries off. */
  maxRetries?: number;
  /** A `Retry-After` longer than this (ms) is not waited for: the answer is returned (default 60 000). */
  maxRetryDelayMs?: number;
  /** Send an `Idempotency-Key` (a random UUID) on every POST that has none (default true). */
  idempotencyKeys?: boolean;
  /**
   * With a publishable key (`pk_…`, the browser): the visit's id, sent as `probador-session` (the
   * server counts a widget's funnel and feedback per session). Default: a random id per client.
   */
  session?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** How to wait before a retry (default: a timer); tests and schedulers may replace it. */
  sleep?: (ms: number, signal?: AbortSignal | null) => Promise<void>;
}

/** An error answer as an exception: the problem document's fields, with the HTTP status. */
export class ProbadorError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly problem: Partial<Problem> | undefined;
  constructor(status: number, problem: Partial<Problem> | undefined, requestId?: string | null) {
    super(problem?.detail ? `${status} ${problem.code ?? ''}: ${problem.detail}`.replace('  ', ' ') : `HTTP ${status}`);
    this.name = 'ProbadorError';
    this.status = status;
    this.problem = problem;
    this.code = problem?.code;
    this.requestId = problem?.request_id ?? requestId ?? undefined;
  }
}

/** openapi-fetch's `{ data, error, response }` → the data, or a thrown ProbadorError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const e = result.error;
    throw new ProbadorError(result.response.status, typeof e === 'object' && e !== null ? (e as Partial<Problem>) : undefined, result.response.headers.get('request-id'));
  }
  return result.data as T;
}

const RETRY_STATUSES = new Set([429, 503]);

/** `Retry-After` in ms (seconds or an HTTP date); without one, a growing backoff. */
export function retryDelayMs(headers: Headers, attempt: number, now = Date.now()): number {
  const value = headers.get('retry-after');
  if (value !== null && value.trim() !== '') {
    const seconds = Number(value);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return Math.min(30_000, 500 * 2 ** attempt);
}

const defaultSleep = (ms: number, signal?: AbortSignal | null) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });

export function randomId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** A fetch that retries 429/503 answers after their Retry-After (the same request, so the same Idempotency-Key). */
export function retryingFetch(opts: Pick<ProbadorOptions, 'fetch' | 'maxRetries' | 'maxRetryDelayMs' | 'sleep'>): (request: Request) => Promise<Response> {
  const base = opts.fetch ?? ((r: Request) => globalThis.fetch(r));
  const maxRetries = opts.maxRetries ?? 2;
  const maxDelay = opts.maxRetryDelayMs ?? 60_000;
  const sleep = opts.sleep ?? defaultSleep;
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      const res = await base(attempt < maxRetries ? request.clone() : request);
      // 429 and 503 (rate limited, overloaded); a 409 with Retry-After is the first request with this Idempotency-Key still running.
      const retryable = RETRY_STATUSES.has(res.status) || (res.status === 409 && res.headers.has('retry-after'));
      if (!retryable || attempt >= maxRetries) return res;
      const delay = retryDelayMs(res.headers, attempt);
      if (delay > maxDelay) return res;
      await res.body?.cancel().catch(() => undefined);
      await sleep(delay, request.signal);
    }
  };
}

/** The Bearer credential, the SDK's own headers, and an Idempotency-Key on POST. */
function headersMiddleware(opts: ProbadorOptions): Middleware {
  const credential = opts.apiKey ?? opts.accessToken;
  const session = opts.session ?? (opts.apiKey?.startsWith('pk_') ? randomId() : undefined);
  return {
    onRequest({ request }) {
      if (credential && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${credential}`);
      if (session && !request.headers.has('probador-session')) request.headers.set('probador-session', session);
      if (opts.idempotencyKeys !== false && request.method === 'POST' && !request.headers.has('idempotency-key')) request.headers.set('idempotency-key', randomId());
      return request;
    },
  };
}

/** The openapi-fetch client with the SDK's middleware. */
export function createApiClient(opts: ProbadorOptions): ApiClient {
  const client = createClient<paths>({
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    fetch: retryingFetch(opts),
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
  client.use(headersMiddleware(opts));
  return client;
}
