/**
 * Prefixed, time-sortable ids (`ten_01JD…`): 10 Crockford base32 chars of milliseconds and
 * 16 of randomness (a ULID), so an id in a log says what it is and sorts by creation time.
 */
import { randomFillSync } from 'node:crypto';

export const ID_PREFIXES = {
  tenant: 'ten',
  apiKey: 'key',
  user: 'usr',
  refreshToken: 'rtk',
  session: 'ses',
  passwordReset: 'prt',
  mail: 'eml',
  request: 'req',
  tryon: 'try',
  generation: 'gen',
  upload: 'upl',
  webhookEndpoint: 'whe',
  webhookDelivery: 'whd',
  event: 'evt',
  order: 'ord',
  seller: 'sel',
  job: 'job',
  attempt: 'att',
  styleAnalysis: 'sta',
  styleFeedback: 'fbk',
  quizResult: 'qzr',
  savedProduct: 'svp',
  userFile: 'ufl',
  bot: 'bot',
  channelConnection: 'con',
  contact: 'ctc',
  conversation: 'cnv',
  message: 'msg',
  inboundEvent: 'ibe',
  flow: 'flw',
  flowSession: 'fls',
  flowInput: 'fli',
  auditEvent: 'aud',
  identityProvider: 'idp',
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

// Random bytes come from a pool refilled 4 KiB at a time: one randomBytes call (a synchronous
// OpenSSL job) per 256 ids instead of one per id. Same CSPRNG, same 80 bits per id.
const POOL_SIZE = 4096;
const pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE));
let poolOffset = 0;

function encodeRandom(): string {
  if (poolOffset + 16 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const o = poolOffset;
  poolOffset += 16;
  let out = '';
  for (let i = 0; i < 16; i++) out += ALPHABET[pool[o + i]! & 31];
  return out;
}

// Ids made in the same millisecond share their time part: encode it once.
let lastMs = -1;
let lastTime = '';

export function newId(kind: IdKind, now: number = Date.now()): string {
  if (now !== lastMs) {
    lastMs = now;
    lastTime = encodeTime(now);
  }
  return `${ID_PREFIXES[kind]}_${lastTime}${encodeRandom()}`;
}

const ID_BODY = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `id` has the given kind's prefix and a well-formed body. */
export function isId(kind: IdKind, id: string): boolean {
  const prefix = `${ID_PREFIXES[kind]}_`;
  return id.startsWith(prefix) && ID_BODY.test(id.slice(prefix.length));
}
