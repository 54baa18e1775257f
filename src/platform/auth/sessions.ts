/**
 * Sessions for people who sign in: a short-lived JWT access token (HS256) and an opaque, single-use
 * refresh token. Each sign-in starts a family (the session, `ses_…`); each refresh uses one token and
 * issues the next of the same family; presenting a used token again revokes the whole family (the
 * standard defence against a stolen refresh token).
 *
 * Product-agnostic: the tables live in the modules that own the people (tenants: staff; accounts:
 * end users), which hand their repository functions in as a `RefreshTokenStore`. Only the SHA-256
 * of a refresh token is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { AppError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { getOrCreateSetting } from '../db/settings.js';

export const tokenHash = (t: string) => createHash('sha256').update(t).digest('hex');

export type TokenPair = { access_token: string; token_type: 'Bearer'; expires_in: number; refresh_token: string; refresh_expires_in: number };

/** What the session machinery needs of a stored refresh token. */
export type RefreshTokenRecord = { id: string; userId: string; familyId: string; expiresAt: Date; usedAt: Date | null; revokedAt: Date | null };

export type NewRefreshToken = { id: string; userId: string; familyId: string; hash: string; expiresAt: Date; createdAt: Date };

/** The owning module's repository functions (`E`: extra columns it stores, e.g. the tenant id). */
export type RefreshTokenStore<R extends RefreshTokenRecord, E = object> = {
  insert(row: NewRefreshToken & E): Promise<void>;
  findByHash(hash: string): Promise<R | undefined>;
  /** Mark used only if unused and not revoked: false when another request used it first. */
  markUsed(id: string, at: Date): Promise<boolean>;
  revokeFamily(familyId: string, at: Date): Promise<void>;
};

/** An HS256 signing secret generated once and kept in the platform settings, so every node shares it. */
export function settingSecret(db: Db, name: string): () => Promise<Uint8Array> {
  let secret: Uint8Array | undefined;
  return async () => {
    if (!secret) secret = new TextEncoder().encode(await getOrCreateSetting(db, name, () => randomBytes(48).toString('base64url')));
    return secret;
  };
}

export type SessionTokensOptions<R extends RefreshTokenRecord, E> = {
  clock: Clock;
  signingKey: () => Promise<Uint8Array>;
  issuer: string;
  /** Distinct per kind of person, so one kind's access token is refused where another's is expected. */
  audience: string;
  accessTtlS: number;
  refreshTtlS: number;
  /** The refresh token's visible prefix, e.g. `rt_`. */
  refreshPrefix: string;
  store: RefreshTokenStore<R, E>;
  newId: () => string;
};

export function createSessionTokens<R extends RefreshTokenRecord, E = object>(o: SessionTokensOptions<R, E>) {
  const { clock, store } = o;
  return {
    accessTtlS: o.accessTtlS,
    refreshTtlS: o.refreshTtlS,
    /** New tokens for `userId` in session `familyId`; `claims` go into the access token (its `sid` is the family). */
    async issue(userId: string, familyId: string, claims: Record<string, unknown>, extra: E): Promise<TokenPair> {
      const now = clock.now();
      const refresh = `${o.refreshPrefix}${randomBytes(32).toString('base64url')}`;
      await store.insert({ ...extra, id: o.newId(), userId, familyId, hash: tokenHash(refresh), expiresAt: new Date(now + o.refreshTtlS * 1000), createdAt: new Date(now) });
      const access = await new SignJWT({ ...claims, sid: familyId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(o.issuer)
        .setAudience(o.audience)
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(Math.floor(now / 1000) + o.accessTtlS)
        .sign(await o.signingKey());
      return { access_token: access, token_type: 'Bearer', expires_in: o.accessTtlS, refresh_token: refresh, refresh_expires_in: o.refreshTtlS };
    },
    /**
     * Use up a refresh token: returns its record (the caller then issues the next pair in the same
     * family). Unknown, expired, revoked or not `accept`ed: INVALID_TOKEN. Already used: the whole
     * family is revoked and REFRESH_TOKEN_REUSED thrown.
     */
    async consume(refreshToken: string, accept: (row: R) => boolean = () => true): Promise<R> {
      const now = new Date(clock.now());
      const row = await store.findByHash(tokenHash(refreshToken));
      if (!row || !accept(row) || row.revokedAt || row.expiresAt <= now) throw new AppError('INVALID_TOKEN', 'The refresh token is not valid or has expired.');
      if (row.usedAt || !(await store.markUsed(row.id, now))) {
        await store.revokeFamily(row.familyId, now);
        throw new AppError('REFRESH_TOKEN_REUSED', 'This refresh token was already used. For safety the session was ended; sign in again.');
      }
      return row;
    },
    /** The record of a refresh token, whatever its state (logout by refresh token). */
    find: (refreshToken: string) => store.findByHash(tokenHash(refreshToken)),
    revokeFamily: (familyId: string) => store.revokeFamily(familyId, new Date(clock.now())),
    /** The access token's payload (signature, issuer, audience, expiry checked; `sub` and `sid` present) or INVALID_TOKEN. */
    async verify(token: string): Promise<JWTPayload & { sub: string; sid: string }> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, await o.signingKey(), {
          issuer: o.issuer,
          audience: o.audience,
          algorithms: ['HS256'],
          currentDate: new Date(clock.now()),
        }));
      } catch (e) {
        if (e instanceof joseErrors.JOSEError) throw new AppError('INVALID_TOKEN');
        throw e;
      }
      if (typeof payload.sub !== 'string' || !payload.sub || typeof payload.sid !== 'string' || !payload.sid) throw new AppError('INVALID_TOKEN');
      return payload as JWTPayload & { sub: string; sid: string };
    },
  };
}

export type SessionTokens<R extends RefreshTokenRecord, E = object> = ReturnType<typeof createSessionTokens<R, E>>;
