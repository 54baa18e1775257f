/**
 * Twilio's error codes in WhatsApp's terms. The same table serves the REST API's error body
 * (`{code, message, more_info, status}`) and the `ErrorCode` of a status callback. Each code was
 * checked against twilio.com/docs/api/errors/<code>:
 * - 63016 free-form message outside the 24 h window (or a template sent as Body) → outside_window
 * - 63018 rate limit of the channel / sender / portfolio, 20429 REST concurrency (HTTP 429) → rate_limited
 * - 21610 recipient replied STOP, 63014 recipient blocked the sender or withdrew consent → opted_out
 * - 63024 invalid WhatsApp recipient, 21211 invalid 'To', 21614 not a mobile number,
 *   63003 channel could not find the To address → undeliverable
 * - 63027 template missing for the language, 63028 ContentVariables do not match the template,
 *   50526 ill-formed ContentSid → template
 * - 20003 authenticate (HTTP 401) → auth
 * - 63013 channel policy violation → policy; 63021 content rejected or unsupported by WhatsApp
 *   (media type, components, length over 1024) → bad_request (the content's fault, not policy's)
 * Anything else falls back to the HTTP status (429 → rate_limited, 401/403 → auth, 5xx → unavailable,
 * 400/404/422 → bad_request).
 */
import { ChannelError, type ChannelFailure } from './types.js';
import { isRecord, scrub } from '../../../platform/providers/http.js';
import { retryAfterMs } from '../../../platform/providers/types.js';

const REASON_OF_CODE: Record<string, ChannelFailure> = {
  '63016': 'outside_window',
  '63018': 'rate_limited',
  '20429': 'rate_limited',
  '21610': 'opted_out',
  '63014': 'opted_out',
  '63024': 'undeliverable',
  '21211': 'undeliverable',
  '21614': 'undeliverable',
  '63003': 'undeliverable',
  '63027': 'template',
  '63028': 'template',
  '50526': 'template',
  '20003': 'auth',
  '63013': 'policy',
  '63021': 'bad_request',
};

/** The WhatsApp-level reason of a Twilio error code, when the table knows it. */
export function reasonOfCode(code: string | undefined): ChannelFailure | undefined {
  return code === undefined ? undefined : REASON_OF_CODE[code];
}

/** The reason implied by an HTTP status alone. */
export function reasonOfStatus(status: number): ChannelFailure {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'unavailable';
  if (status === 400 || status === 404 || status === 413 || status === 422) return 'bad_request';
  return 'unknown';
}

/** A Twilio error code as a string ("63016"), from a number or a numeric string. */
export function codeOf(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return String(v);
  if (typeof v === 'string' && /^\d{1,7}$/.test(v.trim())) return v.trim();
  return undefined;
}

/** The ChannelError for a non-2xx answer of the REST API, its body already read (JSON or not). */
export function restError(res: Response, payload: unknown, secrets: readonly string[]): ChannelError {
  const code = isRecord(payload) ? codeOf(payload.code) : undefined;
  const message = isRecord(payload) && typeof payload.message === 'string' ? payload.message : '';
  const reason = reasonOfCode(code) ?? reasonOfStatus(res.status);
  const detail = message ? `: ${scrub(message, secrets)}` : '';
  return new ChannelError('twilio', reason, `twilio HTTP ${res.status}${code ? ` ${code}` : ''}${detail}`, {
    status: res.status,
    providerCode: code,
    retryAfterMs: retryAfterMs(res),
    ...(reason === 'rate_limited' || reason === 'unavailable' || reason === 'timeout' ? { retryable: true } : { retryable: false }),
  });
}

/** The error of a failed status callback (`ErrorCode`, maybe `ErrorMessage`). */
export function callbackError(errorCode: string | undefined, errorMessage: string | undefined, secrets: readonly string[]) {
  const reason = reasonOfCode(errorCode) ?? 'unknown';
  const text = errorMessage ? scrub(errorMessage, secrets) : errorCode ? `Twilio error ${errorCode}` : 'the message failed';
  return { reason, providerCode: errorCode, message: text };
}
