/**
 * Secrets at rest: AES-256-GCM with a random 96-bit nonce per value and a key id, so a value says
 * which key sealed it and keys can be rotated (old keys stay able to open). The key comes from
 * `PROBADOR_SECRETS_KEY` (base64 of 32 bytes); on the embedded default, without it, a key is
 * generated once into the platform settings (the database then holds the key beside the values it
 * protects: fine for a laptop, not for production — `loadSecretBox` says so at start-up).
 *
 * Sealed form (text): `v1.<kid>.<nonce b64url>.<ciphertext+tag b64url>`; the associated data binds
 * a value to its owner (e.g. a connection id), so a sealed value copied onto another row does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { getOrCreateSetting } from '../db/settings.js';

const VERSION = 'v1';
const SETTING_KEY = 'secrets_key';

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export type SecretBox = {
  /** The id of the key new values are sealed with. */
  readonly keyId: string;
  seal: (plaintext: string, aad?: string) => string;
  /** Throws SecretBoxError when the value is not ours, was tampered with, or its key is unknown. */
  open: (sealed: string, aad?: string) => string;
  sealJson: (value: unknown, aad?: string) => string;
  openJson: <T>(sealed: string, aad?: string) => T;
};

/** The key id: the first 8 hex digits of the key's SHA-256 (never the key itself). */
export const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

/** A box sealing with the first key and opening with any of them. */
export function createSecretBox(keys: Buffer[]): SecretBox {
  if (keys.length === 0) throw new SecretBoxError('no key');
  for (const k of keys) if (k.length !== 32) throw new SecretBoxError('a secrets key must be 32 bytes');
  const byId = new Map(keys.map((k) => [keyIdOf(k), k]));
  const current = keys[0]!;
  const keyId = keyIdOf(current);
  const seal = (plaintext: string, aad = '') => {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', current, nonce);
    c.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]);
    return `${VERSION}.${keyId}.${nonce.toString('base64url')}.${ct.toString('base64url')}`;
  };
  const open = (sealed: string, aad = '') => {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError('not a sealed value');
    const key = byId.get(parts[1]!);
    if (!key) throw new SecretBoxError(`sealed with an unknown key (${parts[1]})`);
    const nonce = Buffer.from(parts[2]!, 'base64url');
    const data = Buffer.from(parts[3]!, 'base64url');
    if (nonce.length !== 12 || data.length < 16) throw new SecretBoxError('not a sealed value');
    try {
      const d = createDecipheriv('aes-256-gcm', key, nonce);
      d.setAAD(Buffer.from(aad));
      d.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('the sealed value does not open (tampered, or another owner)');
    }
  };
  return {
    keyId,
    seal,
    open,
    sealJson: (value, aad) => seal(JSON.stringify(value), aad),
    openJson: <T>(sealed: string, aad?: string) => JSON.parse(open(sealed, aad)) as T,
  };
}

/** Parse `PROBADOR_SECRETS_KEY`: base64 (or base64url) of exactly 32 bytes; comma-separated older keys may follow. */
export function parseSecretsKeys(value: string): Buffer[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const b = Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64');
      if (b.length !== 32) throw new SecretBoxError('PROBADOR_SECRETS_KEY must be base64 of 32 bytes (e.g. `openssl rand -base64 32`)');
      return b;
    });
}

/**
 * The box for this installation: the configured keys, or else a key generated once into the
 * platform settings (with a warning in production, where the key should live outside the database).
 */
export async function loadSecretBox(db: Db, opts: { keys: Buffer[] | undefined; production: boolean; log: Logger }): Promise<SecretBox> {
  if (opts.keys && opts.keys.length > 0) return createSecretBox(opts.keys);
  const stored = await getOrCreateSetting(db, SETTING_KEY, () => randomBytes(32).toString('base64'));
  if (opts.production) {
    opts.log.warn('PROBADOR_SECRETS_KEY is not set: channel credentials are encrypted with a key kept in the database itself; set PROBADOR_SECRETS_KEY (openssl rand -base64 32) so a database dump alone does not reveal them');
  }
  return createSecretBox([Buffer.from(stored, 'base64')]);
}
