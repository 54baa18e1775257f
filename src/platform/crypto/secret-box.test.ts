/** The secret box: round trips, key ids and rotation, tampering and a wrong owner refused, key parsing. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, keyIdOf, parseSecretsKeys, SecretBoxError } from './secret-box.js';

describe('secret box', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('seals with a random nonce and the key id, and opens', () => {
    const box = createSecretBox([k1]);
    const a = box.seal('token-123', 'con_1');
    const b = box.seal('token-123', 'con_1');
    expect(a).not.toBe(b);
    expect(a.startsWith(`v1.${keyIdOf(k1)}.`)).toBe(true);
    expect(a).not.toContain('token-123');
    expect(box.open(a, 'con_1')).toBe('token-123');
    expect(box.openJson(box.sealJson({ x: 'y' }, 'o'), 'o')).toEqual({ x: 'y' });
  });

  it('refuses a tampered value, another owner, an unknown key', () => {
    const box = createSecretBox([k1]);
    const s = box.seal('v', 'con_1');
    expect(() => box.open(s, 'con_2')).toThrow(SecretBoxError);
    const parts = s.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    expect(() => box.open([...parts.slice(0, 3), ct.toString('base64url')].join('.'), 'con_1')).toThrow(SecretBoxError);
    expect(() => createSecretBox([k2]).open(s, 'con_1')).toThrow(/unknown key/);
    expect(() => box.open('garbage', 'con_1')).toThrow(SecretBoxError);
  });

  it('opens values sealed before a rotation', () => {
    const old = createSecretBox([k1]).seal('v', 'o');
    const rotated = createSecretBox([k2, k1]);
    expect(rotated.open(old, 'o')).toBe('v');
    expect(rotated.seal('v', 'o').split('.')[1]).toBe(keyIdOf(k2));
  });

  it('parses PROBADOR_SECRETS_KEY', () => {
    expect(parseSecretsKeys(`${k1.toString('base64')}, ${k2.toString('base64url')}`)).toEqual([k1, k2]);
    expect(() => parseSecretsKeys(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
