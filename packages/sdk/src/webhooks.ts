/**
 * Verifying a webhook from Probador (Standard Webhooks): headers `webhook-id`, `webhook-timestamp`
 * (Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one or
 * more space-separated while a secret rotates); the secret is `whsec_<base64>`. Web Crypto, so it
 * runs in Node 20, browsers, Deno and edge runtimes. Pass the body exactly as received (the raw
 * text, not re-serialized JSON).
 */

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** How far the timestamp may be from now (seconds, default 300): an old message replayed fails. */
  toleranceSeconds?: number;
  /** The current time (ms), for tests. */
  now?: number;
}

export type WebhookEvent<T = Record<string, unknown>> = { id?: string; type: string; created_at?: string; data: T; [k: string]: unknown };

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const rec = headers as Record<string, string | string[] | undefined>;
  const v = rec[name] ?? Object.entries(rec).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(v) ? v[0] : v;
}

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Compares without stopping at the first difference. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** `v1,<base64>` for a message, as the server signs it. */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  let keyBytes: Uint8Array<ArrayBuffer>;
  try {
    keyBytes = base64ToBytes(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
  } catch {
    throw new WebhookVerificationError('The webhook secret is not whsec_<base64>.');
  }
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${bytesToBase64(new Uint8Array(mac))}`;
}

/** The event when the signature is one of the secret's and the timestamp is recent; otherwise throws WebhookVerificationError. */
export async function verifyWebhook<T = Record<string, unknown>>(secret: string, body: string, headers: WebhookHeaders, opts: VerifyOptions = {}): Promise<WebhookEvent<T>> {
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !ts || !signatures) throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature header.');
  const timestamp = Number(ts);
  if (!/^\d+$/.test(ts) || !Number.isSafeInteger(timestamp)) throw new WebhookVerificationError('The webhook-timestamp header is not a Unix time in seconds.');
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  const tolerance = opts.toleranceSeconds ?? 300;
  if (Math.abs(now - timestamp) > tolerance) throw new WebhookVerificationError('The webhook timestamp is too far from now (an old or replayed message).');
  const expected = await signWebhook(secret, id, timestamp, body);
  const ok = signatures.split(' ').filter((s) => s.startsWith('v1,')).some((s) => sameText(s, expected));
  if (!ok) throw new WebhookVerificationError('No webhook signature matches the secret.');
  try {
    return JSON.parse(body) as WebhookEvent<T>;
  } catch {
    throw new WebhookVerificationError('The webhook body is not JSON.');
  }
}
