/**
 * Standard Webhooks signing: secrets are `whsec_<base64 of 32 random bytes>`; a signature is
 * `v1,<base64 HMAC-SHA256(key = the decoded secret, "{id}.{timestamp}.{body}")>`, and the header
 * carries one per valid secret, space-separated (so a rotation needs no downtime).
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

export function generateSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

export function signatureOf(secret: string, msgId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64')}`;
}

/** The `webhook-signature` header value: one signature per secret. */
export function signatureHeader(secrets: readonly string[], msgId: string, timestamp: number, body: string): string {
  return secrets.map((s) => signatureOf(s, msgId, timestamp, body)).join(' ');
}
