/**
 * safeFetch: an HTTP client for URLs we do not control (shopper image URLs, webhook endpoints).
 * - SSRF: every hop passes the URL policy (url-policy.ts); host names are resolved and checked
 *   inside the connection's `lookup`, and the connected socket's peer address is checked again.
 *   No connection pooling (agent: false), so an allow-listed connection is never reused.
 * - Redirects are followed by hand (default at most 3), each target re-checked; cross-origin hops
 *   drop Authorization/Cookie; 303 (and 301/302 after POST) become GET without a body.
 * - The body is capped while streaming (Content-Length is checked first) and is never
 *   decompressed (`accept-encoding: identity`), so a gzip bomb cannot inflate it.
 * - One deadline covers DNS, connect, redirects and body → FETCH_TIMEOUT (422: the remote given by
 *   the client is slow; 408 would invite clients to blindly retry the same request).
 * - Non-2xx → FETCH_FAILED (422) with the remote status in the detail (unless throwOnStatus: false).
 * Errors never carry response bytes or request headers.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { AppError, isAppError } from '../errors.js';
import { isPublicAddress } from './address.js';
import { checkUrl, createSafeLookup, systemResolver, type CheckedUrl, type Resolver, type UrlPolicy } from './url-policy.js';

export type SafeFetchOptions = UrlPolicy & {
  maxBytes: number;
  timeoutMs: number;
  /** Redirects to follow, default 3; 0 refuses any redirect. */
  maxRedirects?: number;
  accept?: string;
  signal?: AbortSignal;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Throw FETCH_FAILED on a non-2xx final status (default true); false returns it (webhook delivery logs). */
  throwOnStatus?: boolean;
  /** DNS resolver, the system's by default (tests inject one). */
  resolver?: Resolver;
};

export type SafeFetchResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  finalUrl: string;
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CROSS_ORIGIN_DROPPED = ['authorization', 'cookie', 'proxy-authorization'];
const USER_AGENT = 'Probador (+https://probador.dev)';

type Hop = { kind: 'redirect'; status: number; location: string } | { kind: 'response'; response: SafeFetchResponse };

const tooLarge = (maxBytes: number) =>
  new AppError('REMOTE_TOO_LARGE', `The remote resource is larger than ${maxBytes} bytes`, { extra: { limit: maxBytes } });

/** Network failures become FETCH_FAILED with the errno code only (no addresses, no bytes). */
function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const hint = typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? ` (${code})` : '';
  return new AppError('FETCH_FAILED', `Could not connect to the remote server${hint}`, { cause: e });
}

function requestOnce(
  target: CheckedUrl,
  init: { method: string; headers: Record<string, string>; body: string | Buffer | undefined },
  opts: SafeFetchOptions,
  signal: AbortSignal,
): Promise<Hop> {
  return new Promise<Hop>((resolve, reject) => {
    const { url } = target;
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request({
      protocol: url.protocol,
      hostname: target.hostname,
      port: target.port,
      path: `${url.pathname}${url.search}`,
      method: init.method,
      headers: init.headers,
      agent: false,
      lookup: createSafeLookup(opts.resolver ?? systemResolver, target.privateAllowed),
    });
    const settle = (e: unknown) => {
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      reject(e);
    };
    const fail = (e: unknown) => settle(toAppError(e));
    // Our deadline's reason is FETCH_TIMEOUT; a caller's abort reason is passed through untouched.
    const onAbort = () => settle(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => (signal.aborted ? onAbort() : fail(e)));

    // Second line of defence: whatever resolved, the peer we connected to must be allowed.
    req.on('socket', (socket: Socket) => {
      const check = () => {
        if (!target.privateAllowed && socket.remoteAddress !== undefined && !isPublicAddress(socket.remoteAddress)) {
          fail(new AppError('URL_NOT_ALLOWED', 'The URL points to a private or reserved address'));
        }
      };
      if (socket.connecting) socket.prependOnceListener('connect', check);
      else check();
    });

    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECTS.has(status) && typeof location === 'string' && location !== '') {
        res.resume();
        signal.removeEventListener('abort', onAbort);
        req.destroy();
        resolve({ kind: 'redirect', status, location });
        return;
      }
      if ((opts.throwOnStatus ?? true) && (status < 200 || status > 299)) {
        fail(new AppError('FETCH_FAILED', `The remote server answered ${status}`, { extra: { remote_status: status } }));
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        fail(tooLarge(opts.maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) fail(tooLarge(opts.maxBytes));
        else chunks.push(chunk);
      });
      res.on('error', (e) => (signal.aborted ? onAbort() : fail(e)));
      res.on('close', () => {
        if (!res.complete) fail(new AppError('FETCH_FAILED', 'The remote server closed the connection early'));
      });
      res.on('end', () => {
        signal.removeEventListener('abort', onAbort);
        resolve({ kind: 'response', response: { status, headers: res.headers, body: Buffer.concat(chunks, size), finalUrl: url.href } });
      });
    });
    req.end(init.body);
  });
}

function initialHeaders(opts: SafeFetchOptions): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: opts.accept ?? '*/*' };
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  headers['accept-encoding'] = 'identity'; // we never decompress, so never ask for compression
  return headers;
}

/** GET (or POST) `url` under the SSRF policy; see the header comment for the rules. */
export async function safeFetch(url: string, opts: SafeFetchOptions): Promise<SafeFetchResponse> {
  if (!(opts.maxBytes > 0) || !(opts.timeoutMs > 0)) throw new TypeError('safeFetch: maxBytes and timeoutMs must be positive');
  let target = checkUrl(url, opts);

  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new AppError('FETCH_TIMEOUT', `The remote server did not answer within ${opts.timeoutMs} ms`)),
    opts.timeoutMs,
  );
  const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
  const maxRedirects = opts.maxRedirects ?? 3;
  let init = { method: opts.method ?? 'GET', headers: initialHeaders(opts), body: opts.body };

  try {
    for (let redirects = 0; ; redirects++) {
      if (signal.aborted) throw signal.reason;
      const hop = await requestOnce(target, init, opts, signal);
      if (hop.kind === 'response') return hop.response;
      if (redirects >= maxRedirects) {
        throw new AppError('FETCH_FAILED', `Too many redirects (more than ${maxRedirects})`, { extra: { remote_status: hop.status } });
      }
      let next: URL;
      try {
        next = new URL(hop.location, target.url);
      } catch {
        throw new AppError('FETCH_FAILED', 'The remote server sent an invalid redirect');
      }
      const nextTarget = checkUrl(next, opts);
      const headers = { ...init.headers };
      if (nextTarget.url.origin !== target.url.origin) for (const h of CROSS_ORIGIN_DROPPED) delete headers[h];
      if (hop.status === 303 || ((hop.status === 301 || hop.status === 302) && init.method === 'POST')) {
        delete headers['content-type'];
        delete headers['content-length'];
        init = { method: 'GET', headers, body: undefined };
      } else {
        init = { ...init, headers };
      }
      target = nextTarget;
    }
  } finally {
    clearTimeout(timer);
  }
}
