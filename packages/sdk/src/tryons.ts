/**
 * Waiting for a try-on: its Server-Sent Events (status, stage, queue position, then the try-on),
 * and polling `GET /v1/tryons/{id}` when the stream is not available (a proxy that buffers, an
 * interrupted connection, or `transport: 'poll'`).
 */
import { type ApiClient, ProbadorError, type Schemas, unwrap } from './client.js';
import { readSse } from './sse.js';

export type Tryon = Schemas['Tryon'];
export type TryonProgress = { status: string; stage?: string | null; queue_position?: number | null; [k: string]: unknown };

export const FINAL_TRYON_STATUSES: readonly string[] = ['succeeded', 'failed', 'canceled'];

export interface WaitOptions {
  /** `auto` (default): SSE, then polling if the stream fails; `sse` or `poll` only. */
  transport?: 'auto' | 'sse' | 'poll';
  /** Give up after this long (ms, default 5 minutes): a ProbadorError with code `WAIT_TIMEOUT`. */
  timeoutMs?: number;
  /** Between polls (ms, default 1 000). */
  pollIntervalMs?: number;
  /** Each progress event (SSE `status` events, or a poll's answer). */
  onProgress?: (progress: TryonProgress) => void;
  signal?: AbortSignal;
}

const isFinal = (t: { status: string }) => FINAL_TRYON_STATUSES.includes(t.status);

export async function waitForTryon(client: ApiClient, id: string, opts: WaitOptions = {}): Promise<Tryon> {
  const transport = opts.transport ?? 'auto';
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 300_000);
  const signal = opts.signal ? anySignal(opts.signal, timeout) : timeout;
  try {
    if (transport !== 'poll') {
      try {
        const done = await viaSse(client, id, signal, opts.onProgress);
        if (done) return done;
      } catch (e) {
        if (transport === 'sse' || signal.aborted || (e instanceof ProbadorError && e.status < 500 && e.status !== 429)) throw e;
      }
      if (transport === 'sse') throw new ProbadorError(0, { code: 'STREAM_ENDED', detail: 'The event stream ended before the try-on did.' });
    }
    return await viaPolling(client, id, signal, opts);
  } catch (e) {
    if (timeout.aborted && !opts.signal?.aborted) throw new ProbadorError(0, { code: 'WAIT_TIMEOUT', detail: `Try-on ${id} did not finish in ${opts.timeoutMs ?? 300_000} ms.` });
    throw e;
  }
}

/** The try-on from its stream's `tryon` event, or undefined when the stream ended without it. */
async function viaSse(client: ApiClient, id: string, signal: AbortSignal, onProgress?: (p: TryonProgress) => void): Promise<Tryon | undefined> {
  const { response, error } = await client.GET('/v1/tryons/{tryon_id}/events', { params: { path: { tryon_id: id } }, parseAs: 'stream', signal, headers: { accept: 'text/event-stream' } });
  if (!response.ok) throw new ProbadorError(response.status, (error as never) ?? undefined, response.headers.get('request-id'));
  if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) return undefined;
  for await (const ev of readSse(response.body)) {
    if (ev.event === 'status') onProgress?.(JSON.parse(ev.data) as TryonProgress);
    else if (ev.event === 'tryon') {
      const t = JSON.parse(ev.data) as Tryon;
      if (isFinal(t)) return t;
    }
  }
  return undefined;
}

async function viaPolling(client: ApiClient, id: string, signal: AbortSignal, opts: WaitOptions): Promise<Tryon> {
  const every = opts.pollIntervalMs ?? 1_000;
  for (;;) {
    const t = unwrap(await client.GET('/v1/tryons/{tryon_id}', { params: { path: { tryon_id: id } }, signal }));
    opts.onProgress?.(t as unknown as TryonProgress);
    if (isFinal(t)) return t;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, every);
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
    });
  }
}

/** AbortSignal.any for runtimes without it (Safari before 17.4). */
function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([a, b]);
  const c = new AbortController();
  for (const s of [a, b]) {
    if (s.aborted) c.abort(s.reason);
    else s.addEventListener('abort', () => c.abort(s.reason), { once: true });
  }
  return c.signal;
}
