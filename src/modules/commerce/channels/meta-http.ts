/**
 * The HTTP side every Meta call shares: the Graph base URL of a connection
 * (`{base_url | https://graph.facebook.com}/{api_version}`), the bearer header, an HttpContext
 * whose secrets (access token, app secret) are scrubbed from every message, and `graph`, one
 * request → JSON-or-ChannelError step. Network failures and deadlines become ChannelErrors too
 * (`unavailable`, `timeout`), so the driver only ever throws ChannelError.
 */
import { body, call, trimBase, withDeadline, type HttpContext } from '../../../platform/providers/http.js';
import { ProviderError } from '../../../platform/providers/types.js';
import { metaHttpError } from './meta-errors.js';
import { ChannelError, type ConnectionContext } from './types.js';

export const META_GRAPH_URL = 'https://graph.facebook.com';
/** The newest Graph API version in Meta's changelog when this was written (v26.0, 29 July 2026); `api_version` overrides it. */
export const META_API_VERSION = 'v26.0';
export const DEFAULT_TIMEOUT_MS = 30_000;

export type MetaHttp = { ctx: HttpContext; base: string; origin: string; auth: Record<string, string>; phoneNumberId: string; timeoutMs: number };

export function metaHttp(conn: ConnectionContext, timeoutMs = DEFAULT_TIMEOUT_MS): MetaHttp {
  const c = conn.credentials;
  const origin = trimBase(c.base_url || META_GRAPH_URL);
  return {
    ctx: { provider: 'meta', fetch: conn.fetch, secrets: [c.access_token ?? '', c.app_secret ?? '', c.verify_token ?? ''].filter((s) => s.length >= 4) },
    origin,
    base: `${origin}/${c.api_version || META_API_VERSION}`,
    auth: { authorization: `Bearer ${c.access_token ?? ''}` },
    phoneNumberId: c.phone_number_id ?? '',
    timeoutMs,
  };
}

/** Any failure of a Meta call as a ChannelError (the platform's ProviderErrors from `call` included). */
export function asChannelError(e: unknown): ChannelError {
  if (e instanceof ChannelError) return e;
  if (e instanceof ProviderError) {
    const reason = e.errorClass === 'timeout' ? 'timeout' : e.errorClass === 'unavailable' ? 'unavailable' : 'unknown';
    return new ChannelError('meta', reason, e.message, { retryable: e.errorClass === 'canceled' ? false : undefined, cause: e });
  }
  return new ChannelError('meta', 'unknown', 'meta: unexpected failure', { cause: e });
}

/** One Graph request, whatever its status: the response and its JSON body. */
export async function graphRaw(h: MetaHttp, url: string, init: RequestInit, signal: AbortSignal): Promise<{ res: Response; payload: unknown }> {
  const s = withDeadline(signal, h.timeoutMs);
  try {
    const res = await call(h.ctx, url, { ...init, headers: { ...h.auth, ...(init.headers as Record<string, string> | undefined) }, signal: s });
    return { res, payload: await body(h.ctx, res, s) };
  } catch (e) {
    throw asChannelError(e);
  }
}

/** One Graph request: its JSON on 2xx, a mapped ChannelError otherwise. */
export async function graph(h: MetaHttp, url: string, init: RequestInit, signal: AbortSignal, what: string): Promise<unknown> {
  const { res, payload } = await graphRaw(h, url, init, signal);
  if (!res.ok) throw metaHttpError(h.ctx, res, payload, what);
  return payload;
}
