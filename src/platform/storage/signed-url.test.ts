import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPath, signToken, verifyToken } from './signed-url.js';

const SECRET = 'a-test-secret-of-enough-length-0123456789';
const NOW = 1_750_000_000_000;
const KEY = 'tenants/ten_1/results/try_01.webp';

const tokenOf = (path: string) => path.replace(/^\/v1\/files\//, '');
const b64 = (s: string) => Buffer.from(s).toString('base64url');
/** What our signer would produce for any payload text (to forge "validly signed" odd payloads). */
const macOf = (payload: string) => createHmac('sha256', SECRET).update('probador.files.v1\n').update(payload).digest('base64url');

describe('signed file URLs', () => {
  it('signs a path whose token verifies to the key until it expires', () => {
    const path = signPath(KEY, NOW + 60_000, SECRET);
    expect(path).toMatch(/^\/v1\/files\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(path);
    expect(token).toBe(signToken(KEY, NOW + 60_000, SECRET));
    expect(verifyToken(token, SECRET, NOW)).toBe(KEY);
    expect(verifyToken(token, SECRET, NOW + 59_999)).toBe(KEY);
    expect(verifyToken(token, SECRET, NOW + 60_000)).toBeUndefined();
    expect(verifyToken(token, SECRET, NOW + 3_600_000)).toBeUndefined();
    // URL-safe as is: nothing to encode.
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('accepts Buffer secrets and refuses short ones', () => {
    const secret = Buffer.alloc(32, 7);
    expect(verifyToken(signToken(KEY, NOW + 1000, secret), secret, NOW)).toBe(KEY);
    expect(() => signToken(KEY, NOW + 1000, 'short')).toThrow(RangeError);
  });

  it('refuses a token signed with another secret', () => {
    const token = signToken(KEY, NOW + 60_000, SECRET);
    expect(verifyToken(token, `${SECRET}-other`, NOW)).toBeUndefined();
  });

  it('refuses a tampered signature', () => {
    const token = signToken(KEY, NOW + 60_000, SECRET);
    const [payload, sig] = token.split('.') as [string, string];
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(verifyToken(`${payload}.${flipped}`, SECRET, NOW)).toBeUndefined();
    expect(verifyToken(`${payload}.${sig.slice(0, -1)}`, SECRET, NOW)).toBeUndefined();
    expect(verifyToken(`${payload}.${sig}A`, SECRET, NOW)).toBeUndefined();
    expect(verifyToken(`${payload}.`, SECRET, NOW)).toBeUndefined();
    expect(verifyToken(payload, SECRET, NOW)).toBeUndefined();
    // Same bytes, non-canonical base64 (different trailing bits in the last character).
    const last = sig.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[(alphabet.indexOf(last) & ~3) | ((alphabet.indexOf(last) + 1) & 3)]!;
    expect(Buffer.from(sig.slice(0, -1) + twin, 'base64url').equals(Buffer.from(sig, 'base64url'))).toBe(true);
    expect(verifyToken(`${payload}.${sig.slice(0, -1)}${twin}`, SECRET, NOW)).toBeUndefined();
  });

  it('refuses a tampered key or expiry (the MAC covers both)', () => {
    const token = signToken(KEY, NOW + 60_000, SECRET);
    const sig = token.split('.')[1]!;
    expect(verifyToken(`${b64(`tenants/ten_2/results/try_01.webp\n${NOW + 60_000}`)}.${sig}`, SECRET, NOW)).toBeUndefined();
    expect(verifyToken(`${b64(`${KEY}\n${NOW + 86_400_000}`)}.${sig}`, SECRET, NOW)).toBeUndefined();
    // Re-signing with the right secret is the only way to change them.
    expect(verifyToken(signToken(KEY, NOW + 86_400_000, SECRET), SECRET, NOW + 3_600_000)).toBe(KEY);
  });

  it('refuses malformed tokens', () => {
    for (const token of ['', '.', '..', 'a.b.c', 'not base64!.x', `${'A'.repeat(2000)}.x`, '%2e%2e.x', '../etc/passwd']) {
      expect(verifyToken(token, SECRET, NOW)).toBeUndefined();
    }
  });

  it('cannot sign unsafe keys, and would not accept them even if signed', () => {
    for (const key of ['../secret', '/etc/passwd', 'a/../../b', '.meta/x', 'a//b', '', 'a\nb', 'a\\b']) {
      expect(() => signPath(key, NOW + 60_000, SECRET), key).toThrow(TypeError);
    }
    // A validly MACed payload holding a traversal key (as if our signer had a bug) is still refused.
    const payload = b64(`../../etc/passwd\n${NOW + 60_000}`);
    expect(verifyToken(`${payload}.${macOf(payload)}`, SECRET, NOW)).toBeUndefined();
  });

  it('refuses bad expiry values when signing and in tokens', () => {
    for (const exp of [0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) {
      expect(() => signToken(KEY, exp, SECRET)).toThrow(RangeError);
    }
    for (const exp of ['', '0', '-5', '1e20', '0x10', ' 1']) {
      const payload = b64(`${KEY}\n${exp}`);
      expect(verifyToken(`${payload}.${macOf(payload)}`, SECRET, 0), exp).toBeUndefined();
    }
  });
});
