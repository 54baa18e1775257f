/**
 * Short-lived signed URLs for blobs in the local folder, served by our own route
 * `GET /v1/files/<token>` (S3 gives presigned URLs instead, see BlobStore.signedUrl).
 *
 *   token   = base64url(key + "\n" + expiresAtMs) + "." + base64url(HMAC-SHA256(secret, CONTEXT + payload))
 *
 * The MAC covers the encoded payload, so key and expiry cannot be changed; it is compared in
 * constant time; the expiry is checked; only keys matching the safe pattern of ./keys.ts are signed
 * or accepted (no `..`, no absolute paths, no dot-files), so a token can never name a path outside
 * the store. The context string keeps these MACs apart from anything else the secret signs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isSafeKey } from './keys.js';

const CONTEXT = 'probador.files.v1\n';
const ROUTE = '/v1/files/';
const MAX_TOKEN_LENGTH = 1024;
const B64URL = /^[A-Za-z0-9_-]+$/;
const MIN_SECRET_BYTES = 16;

type Secret = string | Buffer;

function mac(payload: string, secret: Secret): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length < MIN_SECRET_BYTES) throw new RangeError(`the signing secret must have at least ${MIN_SECRET_BYTES} bytes`);
  return createHmac('sha256', bytes).update(CONTEXT).update(payload).digest();
}

/** The token alone (what follows `/v1/files/`). */
export function signToken(key: string, expiresAtMs: number, secret: Secret): string {
  if (!isSafeKey(key)) throw new TypeError('only safe blob keys can be signed');
  if (!Number.isSafeInteger(expiresAtMs) || expiresAtMs <= 0) throw new RangeError('expiresAtMs must be a positive whole number of milliseconds');
  const payload = Buffer.from(`${key}\n${expiresAtMs}`, 'utf8').toString('base64url');
  return `${payload}.${mac(payload, secret).toString('base64url')}`;
}

/** `/v1/files/<token>`: relative to the public URL of the API. */
export function signPath(key: string, expiresAtMs: number, secret: Secret): string {
  return ROUTE + signToken(key, expiresAtMs, secret);
}

/** The key the token grants, or undefined when it is malformed, tampered with or expired. */
export function verifyToken(token: string, secret: Secret, nowMs: number): string | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const [payload, signature] = parts as [string, string];
  if (!B64URL.test(payload) || !B64URL.test(signature)) return undefined;

  const expected = mac(payload, secret);
  const given = Buffer.from(signature, 'base64url');
  // Re-encoding must give the same text: refuses non-canonical base64 (extra trailing bits).
  if (given.length !== expected.length || given.toString('base64url') !== signature) return undefined;
  if (!timingSafeEqual(given, expected)) return undefined;

  const text = Buffer.from(payload, 'base64url').toString('utf8');
  const nl = text.lastIndexOf('\n');
  if (nl < 0) return undefined;
  const key = text.slice(0, nl);
  const exp = text.slice(nl + 1);
  if (!/^[1-9]\d{0,15}$/.test(exp)) return undefined;
  if (nowMs >= Number(exp)) return undefined;
  return isSafeKey(key) ? key : undefined;
}
