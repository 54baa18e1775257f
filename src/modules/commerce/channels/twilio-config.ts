/**
 * A Twilio connection's credentials: their shape check, and what the driver derives from them
 * (the REST base URL, the Basic auth header, the sender, the HttpContext whose secrets are kept
 * out of every error message).
 *
 * Credentials: `account_sid` (AC…), `auth_token` (always required: Twilio signs webhooks with it),
 * `from` (`whatsapp:+E164` or `+E164`) and/or `messaging_service_sid` (MG…), optionally
 * `api_key_sid` (SK…) + `api_key_secret` for REST calls instead of the auth token, and `base_url`
 * (tests point it at the fake; production uses https://api.twilio.com).
 */
import type { HttpContext } from '../../../platform/providers/http.js';
import { trimBase } from '../../../platform/providers/http.js';
import { ChannelError, type ConnectionContext } from './types.js';

export const TWILIO_BASE_URL = 'https://api.twilio.com';

const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);
const E164 = /^\+[1-9]\d{6,14}$/;

export type TwilioConfig = {
  accountSid: string;
  authToken: string;
  /** `whatsapp:+E164`, when a sender number is configured. */
  from?: string | undefined;
  messagingServiceSid?: string | undefined;
  base: string;
  authorization: string;
  http: HttpContext;
};

const bad = (message: string) => new ChannelError('twilio', 'bad_request', message);

/** Throws ChannelError('bad_request') naming the first missing or ill-shaped field. */
export function validateTwilioCredentials(c: Record<string, string>): void {
  const get = (k: string) => (typeof c[k] === 'string' && c[k].trim() !== '' ? c[k].trim() : undefined);
  const sid = get('account_sid');
  if (!sid) throw bad('missing account_sid');
  if (!SID('AC').test(sid)) throw bad('account_sid must be AC followed by 32 hex digits');
  const token = get('auth_token');
  if (!token) throw bad('missing auth_token');
  if (!/^[A-Za-z0-9]{16,128}$/.test(token)) throw bad('auth_token is not a Twilio auth token');
  const from = get('from');
  const mg = get('messaging_service_sid');
  if (!from && !mg) throw bad('missing from (or messaging_service_sid)');
  if (from && !E164.test(from.replace(/^whatsapp:/, ''))) throw bad('from must be whatsapp:+E164 or +E164');
  if (mg && !SID('MG').test(mg)) throw bad('messaging_service_sid must be MG followed by 32 hex digits');
  const keySid = get('api_key_sid');
  const keySecret = get('api_key_secret');
  if (keySid && !keySecret) throw bad('missing api_key_secret');
  if (keySecret && !keySid) throw bad('missing api_key_sid');
  if (keySid && !SID('SK').test(keySid)) throw bad('api_key_sid must be SK followed by 32 hex digits');
  const base = get('base_url');
  if (base !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(base);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw bad('base_url must be an http(s) URL');
  }
}

/** The driver's view of a connection (validated: an ill-shaped connection fails the same way as at save time). */
export function twilioConfig(conn: ConnectionContext): TwilioConfig {
  validateTwilioCredentials(conn.credentials);
  const c = conn.credentials;
  const v = (k: string) => (c[k] ? c[k].trim() : undefined);
  const accountSid = v('account_sid')!;
  const authToken = v('auth_token')!;
  const keySid = v('api_key_sid');
  const keySecret = v('api_key_secret');
  const user = keySid ?? accountSid;
  const pass = keySid ? keySecret! : authToken;
  const authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  const from = v('from');
  return {
    accountSid,
    authToken,
    from: from ? (from.startsWith('whatsapp:') ? from : `whatsapp:${from}`) : undefined,
    messagingServiceSid: v('messaging_service_sid'),
    base: trimBase(v('base_url') ?? TWILIO_BASE_URL),
    authorization,
    http: { provider: 'twilio', fetch: conn.fetch, secrets: [authToken, ...(keySecret ? [keySecret] : []), authorization.slice('Basic '.length)] },
  };
}

/** `whatsapp:+E164` for a contact, from its phone or its Twilio id. */
export function whatsappAddress(to: { phone?: string | undefined; providerId?: string | undefined }): string {
  const raw = to.providerId?.startsWith('whatsapp:') ? to.providerId.slice('whatsapp:'.length) : to.phone;
  const phone = raw?.trim();
  if (!phone || !E164.test(phone)) throw bad('the recipient has no E.164 phone number (or whatsapp:+E164 id)');
  return `whatsapp:${phone}`;
}

/** The contact behind a Twilio address (`whatsapp:+E164`), with WaId as a fallback for the phone. */
export function contactOf(address: string | undefined, waId?: string | undefined, name?: string | undefined) {
  const bare = address?.startsWith('whatsapp:') ? address.slice('whatsapp:'.length) : address;
  const phone = bare && E164.test(bare) ? bare : waId && /^[1-9]\d{6,14}$/.test(waId) ? `+${waId}` : undefined;
  return { phone, providerId: address || (phone ? `whatsapp:${phone}` : undefined), ...(name ? { name } : {}) };
}
