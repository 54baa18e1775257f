/**
 * Prefixed, time-sortable ids (`ten_01JD…`): 10 Crockford base32 chars of milliseconds and
 * 16 of randomness (a ULID), so an id in a log says what it is and sorts by creation time.
 */
import { randomBytes } from 'node:crypto';

export const ID_PREFIXES = {
  tenant: 'ten',
  apiKey: 'key',
  user: 'usr',
  refreshToken: 'rtk',
  session: 'ses',
  request: 'req',
  tryon: 'try',
  upload: 'upl',
  webhookEndpoint: 'whe',
  webhookDelivery: 'whd',
  event: 'evt',
  order: 'ord',
  job: 'job',
  attempt: 'att',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[IdKind];

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function encodeRandom(): string {
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) out += ALPHABET[bytes[i]! & 31];
  return out;
}

export function newId(kind: IdKind, now: number = Date.now()): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(now)}${encodeRandom()}`;
}

const ID_BODY = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `id` has the given kind's prefix and a well-formed body. */
export function isId(kind: IdKind, id: string): boolean {
  const prefix = `${ID_PREFIXES[kind]}_`;
  return id.startsWith(prefix) && ID_BODY.test(id.slice(prefix.length));
}
