/**
 * The Evolution driver's HTTP plumbing: the connection's credentials, JSON calls with the `apikey`
 * header (network failures and timeouts become ChannelErrors; nothing secret reaches a message),
 * and a size-capped body read for media downloads.
 */
import type { HttpContext } from '../../../platform/providers/http.js';
import { call, trimBase } from '../../../platform/providers/http.js';
import { ProviderError } from '../../../platform/providers/types.js';
import { evolutionHttpError } from './evolution-errors.js';
import { readCapped as readCappedBody } from './read-capped.js';
import { ChannelError, type ConnectionContext } from './types.js';

export type EvolutionConn = {
  base: string;
  apiKey: string;
  instance: string;
  secret: string;
  official: boolean;
  ctx: HttpContext;
};

export const INTEGRATIONS = ['WHATSAPP-BAILEYS', 'WHATSAPP-BUSINESS'] as const;

export function evolutionConn(conn: ConnectionContext): EvolutionConn {
  const c = conn.credentials;
  const integration = c.integration ?? (typeof conn.settings.integration === 'string' ? conn.settings.integration : undefined);
  return {
    base: trimBase(c.base_url ?? ''),
    apiKey: c.api_key ?? '',
    instance: c.instance ?? '',
    secret: c.webhook_secret ?? '',
    official: integration === 'WHATSAPP-BUSINESS',
    ctx: { provider: 'evolution', fetch: conn.fetch, secrets: [c.api_key, c.webhook_secret].filter((s): s is string => !!s) },
  };
}

/** Network failures and timeouts as ChannelErrors; the caller's own abort stays what it is. */
function asChannelError(e: unknown): unknown {
  if (e instanceof ChannelError || !(e instanceof ProviderError)) return e;
  if (e.errorClass === 'timeout') return new ChannelError('evolution', 'timeout', e.message, { cause: e, retryable: true });
  if (e.errorClass === 'unavailable') return new ChannelError('evolution', 'unavailable', e.message, { cause: e });
  return e;
}

/** A call to the Evolution server; the response is returned whatever its status. */
export async function rawCall(ev: EvolutionConn, method: 'GET' | 'POST' | 'DELETE', path: string, payload: unknown, signal: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { apikey: ev.apiKey, accept: 'application/json' };
  const init: RequestInit & { signal: AbortSignal } = { method, headers, signal };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(payload);
  }
  try {
    return await call(ev.ctx, `${ev.base}${path}`, init);
  } catch (e) {
    throw asChannelError(e);
  }
}

/** Read the body (size-capped) as JSON; an unreadable or non-JSON body is `{raw}`. */
export async function readBody(ev: EvolutionConn, res: Response, signal: AbortSignal, maxBytes = 1024 * 1024): Promise<unknown> {
  const buf = await readCapped(ev, res, signal, maxBytes);
  const text = buf.toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text.slice(0, 300) };
  }
}

/** A JSON call that throws the mapped ChannelError on a non-2xx answer. */
export async function jsonCall(ev: EvolutionConn, method: 'GET' | 'POST' | 'DELETE', path: string, payload: unknown, signal: AbortSignal, what: string): Promise<unknown> {
  const res = await rawCall(ev, method, path, payload, signal);
  const json = await readBody(ev, res, signal);
  if (!res.ok) throw evolutionHttpError(ev.ctx, res, json, what);
  return json;
}

/** The body's bytes, refusing (`unsupported`) anything past `maxBytes` while streaming. */
export async function readCapped(ev: EvolutionConn, res: Response, signal: AbortSignal, maxBytes: number): Promise<Buffer> {
  const tooBig = () => {
    void res.body?.cancel().catch(() => undefined);
    return new ChannelError('evolution', 'unsupported', `evolution: the response is larger than ${maxBytes} bytes`, { retryable: false });
  };
  try {
    return await readCappedBody(res, maxBytes, tooBig);
  } catch (e) {
    if (e instanceof ChannelError) throw e;
    if (signal.aborted) throw new ChannelError('evolution', 'timeout', 'evolution: the response was interrupted by the deadline', { cause: e });
    throw new ChannelError('evolution', 'unavailable', 'evolution: the response was interrupted', { cause: e });
  }
}

export const enc = encodeURIComponent;
