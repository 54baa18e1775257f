/**
 * API key material. A key is `sk_live_` / `sk_test_` / `pk_live_` / `pk_test_` followed by 32
 * base58 characters (~187 bits). Only its SHA-256 is stored; `prefix` (the first 4 random
 * characters after the kind) is kept in clear so people can tell keys apart.
 */
import { hash, randomBytes } from 'node:crypto';
import type { KeyEnvironment, KeyKind } from './tables.js';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function randomBase58(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 232 && out.length < length) out += B58[b % 58]; // 232 = 4*58: no modulo bias
    }
  }
  return out;
}

/** SHA-256, hex. `crypto.hash` is the one-shot form: ~5× cheaper than createHash().update().digest() for a key. */
export const hashKey = (key: string) => hash('sha256', key, 'hex');

const KIND_TAG: Record<KeyKind, string> = { secret: 'sk', publishable: 'pk' };

export function generateKey(kind: KeyKind, environment: KeyEnvironment) {
  const key = `${KIND_TAG[kind]}_${environment}_${randomBase58(32)}`;
  return { key, hash: hashKey(key), prefix: key.slice(0, KIND_TAG[kind].length + environment.length + 2 + 4) };
}

const KEY_SHAPE = /^(sk|pk)_(live|test)_[1-9A-HJ-NP-Za-km-z]{32}$/;

/** Cheap shape check before any lookup (refuses garbage without touching the cache or database). */
export function parseKey(key: string): { kind: KeyKind; environment: KeyEnvironment } | undefined {
  const m = KEY_SHAPE.exec(key);
  if (!m) return undefined;
  return { kind: m[1] === 'sk' ? 'secret' : 'publishable', environment: m[2] as KeyEnvironment };
}
