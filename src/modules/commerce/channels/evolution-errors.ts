/**
 * Evolution API v2 failures → `ChannelError`s. Evolution answers errors as
 * `{status, error, response: {message: string | unknown[]}}` (src/main.ts's error handler; the
 * exceptions in src/exceptions): 401 `Unauthorized` for a wrong `apikey`, 404 `The "x" instance
 * does not exist`, 403 `This name "x" is already in use` on create, and 400 for everything a send
 * can go wrong with, because the Baileys service wraps every failure in a BadRequestException:
 *
 *   undeliverable  `[{exists: false, jid, number}]` — the number is not on WhatsApp.
 *   unavailable    `Connection Closed` / `Connection Failure` / `No sessions` (the instance lost its
 *                  WhatsApp link; seen as 400 and as 500, evolution-api issues #1286, #1772, #2229).
 *   rate_limited   `rate-overlimit` (WhatsApp's own throttle), HTTP 429 from a proxy in front.
 *   timeout        `Timed Out`.
 *   unsupported    `Method not available …` (e.g. sendTemplate on a Baileys instance).
 *   bad_request    the JSON-schema validation messages (`requires property`, `cannot be empty`…).
 *   unknown        any other 400: Evolution's 400s are too vague to blame the recipient.
 *
 * A Cloud API instance (integration WHATSAPP-BUSINESS) forwards Meta's error object *inside a 2xx*
 * (`{message, type, code, error_data, fbtrace_id}` instead of the message), so `cloudApiError`
 * maps Meta's codes the same way the Meta driver does.
 */
import type { HttpContext } from '../../../platform/providers/http.js';
import { isRecord, scrub, str } from '../../../platform/providers/http.js';
import { retryAfterMs } from '../../../platform/providers/types.js';
import { metaFailure } from './meta-errors.js';
import { ChannelError, type ChannelFailure } from './types.js';

const P = 'evolution' as const;

/** The message(s) of an Evolution error body as one string, plus the `exists: false` marker. */
function messagesOf(body: unknown): { text: string; notOnWhatsApp?: { jid?: string | undefined } } {
  const response = isRecord(body) && isRecord(body.response) ? body.response : undefined;
  const raw: unknown = response ? response.message : isRecord(body) ? (body.message ?? body.error) : body;
  const items = Array.isArray(raw) ? raw.slice(0, 10) : [raw];
  const parts: string[] = [];
  let notOnWhatsApp: { jid?: string | undefined } | undefined;
  for (const item of items) {
    if (isRecord(item) && item.exists === false) {
      notOnWhatsApp = { jid: str(item.jid) };
      parts.push('the number is not on WhatsApp');
    } else if (typeof item === 'string') parts.push(item);
    else if (item !== undefined && item !== null) parts.push(JSON.stringify(item).slice(0, 200));
  }
  return { text: parts.join('; '), notOnWhatsApp };
}

const PATTERNS: { test: RegExp; reason: ChannelFailure; retryable?: boolean; retryAfterMs?: number }[] = [
  { test: /connection closed|connection failure|connection lost|not connected|no sessions|session closed|stream errored/i, reason: 'unavailable', retryable: true },
  { test: /rate-?overlimit|too many requests/i, reason: 'rate_limited', retryAfterMs: 5_000 },
  { test: /timed out|timeout/i, reason: 'timeout' },
  { test: /method not available|not supported|not available in the baileys/i, reason: 'unsupported' },
  { test: /requires property|cannot be empty|is not of a type|is not one of enum|invalid format|is required|cannot be repeated|maximum of \d|cannot be mixed|does not match pattern|must be a/i, reason: 'bad_request' },
];

/** The ChannelError for a non-2xx Evolution response whose body has been read. */
export function evolutionHttpError(ctx: HttpContext, res: Response, body: unknown, what: string): ChannelError {
  const { text, notOnWhatsApp } = messagesOf(body);
  const detail = text ? `: ${scrub(text, ctx.secrets)}` : '';
  const base = { status: res.status, retryAfterMs: retryAfterMs(res) };
  const err = (reason: ChannelFailure, extra: { retryable?: boolean; retryAfterMs?: number | undefined } = {}) =>
    new ChannelError(P, reason, `evolution ${what} HTTP ${res.status}${detail}`, { ...base, ...extra, retryAfterMs: base.retryAfterMs ?? extra.retryAfterMs });

  if (res.status === 401 || res.status === 403) return err('auth');
  if (res.status === 404) return new ChannelError(P, 'auth', `evolution ${what} HTTP 404: the instance does not exist on this Evolution server${detail}`, { ...base, retryable: false });
  if (res.status === 429) return err('rate_limited', { retryAfterMs: 5_000 });
  if (notOnWhatsApp) return err('undeliverable');
  const hit = PATTERNS.find((p) => p.test.test(text));
  if (hit) return err(hit.reason, { retryable: hit.retryable, retryAfterMs: hit.retryAfterMs });
  if (res.status === 408 || res.status === 504) return err('timeout');
  if (res.status >= 500) return err('unavailable');
  if (res.status === 413) return err('bad_request');
  return err('unknown', { retryable: false });
}

/** A Meta error object that a Cloud API instance returned in place of the sent message (HTTP 201). */
export function cloudApiError(ctx: HttpContext, e: Record<string, unknown>): ChannelError {
  const code = typeof e.code === 'number' ? e.code : Number(e.code);
  // Meta's codes, mapped by the Meta driver's one table (meta-errors.ts).
  const m = metaFailure(Number.isFinite(code) ? code : undefined);
  const details = isRecord(e.error_data) ? str(e.error_data.details) : undefined;
  const message = scrub([str(e.message), details].filter(Boolean).join(' — ') || 'the Cloud API refused the message', ctx.secrets);
  return new ChannelError(P, m.reason, `evolution (Cloud API) ${Number.isFinite(code) ? code : ''}: ${message}`.replace(' : ', ': '), {
    providerCode: Number.isFinite(code) ? String(code) : undefined,
    retryAfterMs: m.retryAfterMs,
    retryable: m.retryable,
  });
}
