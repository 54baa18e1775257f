/**
 * Meta Cloud API errors → `ChannelError`s. Graph answers failures as
 * `{error: {message, type, code, error_subcode?, error_data: {messaging_product, details}, fbtrace_id}}`
 * and the same codes come back asynchronously in webhook `statuses[].errors[]` / `value.errors[]`
 * as `{code, title, message, error_data: {details}, href}`. Meta asks integrators to branch on
 * `code` (titles are being deprecated), so the mapping below is by code, from the Cloud API
 * error-code reference (developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes):
 *
 *   auth          0 AuthException, 3 capability, 10 permission denied, 190 token expired, 200–299
 *                 API permission, 131005 access denied, 131031 account locked, 131037 display name
 *                 not approved, 131042 payment/eligibility, 131045 certificate, 133010 number not
 *                 registered — all about this connection's account: another provider may still send.
 *   rate_limited  4 app call limit, 80007 WABA rate limit, 130429 throughput (80→1000 mps);
 *   pair_rate     131056 too many messages to the same user (about one per 6 s).
 *   policy        368 temporarily blocked for policy violations, 130497 country restricted,
 *                 131048 spam rate limit (the number's quality: Meta will keep refusing for a while).
 *   undeliverable 131026 (not on WhatsApp, old app, terms not accepted…), 131049 (Meta chose not to
 *                 deliver, to keep engagement healthy — per-user marketing limit; do not retry soon),
 *                 130472 (user in an experiment), 131030 (not in the test number's allowed list).
 *   outside_window 131047 (more than 24 h since the user last wrote).
 *   opted_out     131050 (the user stopped marketing messages).
 *   unsupported   131051 (message type not supported).
 *   template      132000 param count, 132001 missing template/translation, 132005 text too long,
 *                 132007 format policy, 132012 param format, 132015 paused, 132016 disabled,
 *                 132068/132069 flow blocked/throttled.
 *   bad_request   33, 100 invalid parameter (but 100 with subcode 33 — the phone number id does not
 *                 exist or the token cannot see it — is the connection's fault: auth), 131008 missing parameter, 131009 invalid value,
 *                 131021 recipient is the sender, 131052/131053 media download/upload, 131055
 *                 method not allowed, 135000 generic user error.
 *   unavailable   1 API unknown, 2 API service, 131000 something went wrong, 131016 service
 *                 unavailable, 131057 account in maintenance, 133004 server unavailable — retryable.
 * Unknown codes fall back on the HTTP status (401/403 auth, 429 rate_limited, 5xx unavailable).
 */
import type { HttpContext } from '../../../platform/providers/http.js';
import { isRecord, scrub, str } from '../../../platform/providers/http.js';
import { retryAfterMs } from '../../../platform/providers/types.js';
import { ChannelError, type ChannelFailure } from './types.js';

type Mapping = { reason: ChannelFailure; retryable?: boolean; retryAfterMs?: number };

/** Meta's pair rate: about one message per user every 6 s. */
export const PAIR_RATE_BACKOFF_MS = 6_000;

const CODES: Record<number, Mapping> = {
  0: { reason: 'auth' },
  3: { reason: 'auth' },
  10: { reason: 'auth' },
  190: { reason: 'auth' },
  131005: { reason: 'auth' },
  131031: { reason: 'auth' },
  131037: { reason: 'auth' },
  131042: { reason: 'auth' },
  131045: { reason: 'auth' },
  133010: { reason: 'auth' },
  4: { reason: 'rate_limited', retryAfterMs: 60_000 },
  80007: { reason: 'rate_limited', retryAfterMs: 60_000 },
  130429: { reason: 'rate_limited', retryAfterMs: 1_000 },
  131056: { reason: 'pair_rate', retryAfterMs: PAIR_RATE_BACKOFF_MS },
  368: { reason: 'policy' },
  130497: { reason: 'policy' },
  131048: { reason: 'policy' },
  131026: { reason: 'undeliverable' },
  131049: { reason: 'undeliverable', retryable: false },
  130472: { reason: 'undeliverable' },
  131030: { reason: 'undeliverable' },
  131047: { reason: 'outside_window' },
  131050: { reason: 'opted_out' },
  131051: { reason: 'unsupported' },
  132000: { reason: 'template' },
  132001: { reason: 'template' },
  132005: { reason: 'template' },
  132007: { reason: 'template' },
  132012: { reason: 'template' },
  132015: { reason: 'template' },
  132016: { reason: 'template' },
  132068: { reason: 'template' },
  132069: { reason: 'template' },
  33: { reason: 'bad_request' },
  100: { reason: 'bad_request' },
  131008: { reason: 'bad_request' },
  131009: { reason: 'bad_request' },
  131021: { reason: 'bad_request' },
  131052: { reason: 'bad_request' },
  131053: { reason: 'bad_request' },
  131055: { reason: 'bad_request' },
  135000: { reason: 'bad_request' },
  1: { reason: 'unavailable', retryable: true },
  2: { reason: 'unavailable', retryable: true },
  131000: { reason: 'unavailable', retryable: true },
  131016: { reason: 'unavailable', retryable: true },
  131057: { reason: 'unavailable', retryable: true },
  133004: { reason: 'unavailable', retryable: true },
};

function byStatus(status: number | undefined): Mapping {
  if (status === undefined) return { reason: 'unknown' };
  if (status === 401 || status === 403) return { reason: 'auth' };
  if (status === 429) return { reason: 'rate_limited' };
  if (status === 408 || status === 504) return { reason: 'timeout' };
  if (status >= 500) return { reason: 'unavailable', retryable: true };
  if (status === 400 || status === 404 || status === 413 || status === 422) return { reason: 'bad_request' };
  return { reason: 'unknown' };
}

/** The failure a Meta error code means (the HTTP status decides for codes not in the table; 200–299 are permission errors). */
export function metaFailure(code: number | undefined, httpStatus?: number): Mapping {
  if (code !== undefined) {
    const known = CODES[code];
    if (known) return known;
    if (code >= 200 && code <= 299) return { reason: 'auth' };
    if (code >= 132000 && code < 133000) return { reason: 'template' };
  }
  return byStatus(httpStatus);
}

const toCode = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) ? n : undefined;
};

/** One error object as Graph or a webhook gives it (both shapes), read defensively. */
export function readMetaError(e: unknown): { code?: number; subcode?: number; text: string; fbtrace?: string } {
  if (!isRecord(e)) return { text: '' };
  const details = isRecord(e.error_data) ? str(e.error_data.details) : undefined;
  const head = str(e.message) ?? str(e.title) ?? '';
  const text = details && details !== head ? `${head}${head ? ' — ' : ''}${details}` : head;
  return { code: toCode(e.code), subcode: toCode(e.error_subcode), text, fbtrace: str(e.fbtrace_id) };
}

/** The ChannelError for a non-2xx Graph response (its body already read). */
export function metaHttpError(ctx: HttpContext, res: Response, payload: unknown, what = 'request'): ChannelError {
  const err = readMetaError(isRecord(payload) ? payload.error : undefined);
  // 100/33: the object (our phone number id) does not exist or the token cannot see it — the connection's fault, not the recipient's.
  const m = err.code === 100 && err.subcode === 33 ? { reason: 'auth' as const } : metaFailure(err.code, res.status);
  const detail = err.text ? `: ${scrub(err.text, ctx.secrets)}` : '';
  const trace = err.fbtrace ? ` (fbtrace_id ${scrub(err.fbtrace, ctx.secrets)})` : '';
  const code = err.code === undefined ? '' : ` ${err.code}`;
  return new ChannelError('meta', m.reason, `meta ${what} failed: HTTP ${res.status}${code}${detail}${trace}`, {
    status: res.status,
    providerCode: err.code === undefined ? undefined : String(err.code),
    retryAfterMs: retryAfterMs(res) ?? m.retryAfterMs,
    ...(m.retryable === undefined ? {} : { retryable: m.retryable }),
  });
}

/** A webhook error (statuses[].errors[0], value.errors[]) as the status event's `error`. */
export function metaWebhookError(e: unknown): { reason: ChannelFailure; providerCode?: string | undefined; message: string } {
  const err = readMetaError(e);
  return {
    reason: metaFailure(err.code).reason,
    providerCode: err.code === undefined ? undefined : String(err.code),
    message: scrub(err.text || 'failed', []) || 'failed',
  };
}
