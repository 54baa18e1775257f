/**
 * People: operator admins and tenant users. Email + password (argon2id). Login gives a short-lived
 * JWT access token (HS256, secret kept in the database so every node shares it) and a rotating
 * refresh token. A refresh token is single-use: presenting a used one again revokes its whole
 * family (the session), the standard defence against a stolen token. Logout and password change
 * revoke sessions; access tokens are checked against their session on every request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hash as nodeRsArgonHash, verify as argonVerify, type Options as ArgonOptions } from '@node-rs/argon2';

import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import { getOrCreateSetting } from '../../platform/db/settings.js';
import type { UserPrincipal } from '../../platform/http/principal.js';
import * as repo from './users-repository.js';
import { findTenant } from './repository.js';
import type { UserRole, UserRow } from './tables.js';

/**
 * argon2id at 7 MiB × 5 passes, one lane: one of OWASP's equivalent settings (Password Storage
 * Cheat Sheet: 46 MiB × 1, 19 MiB × 2, 12 MiB × 3, 9 MiB × 4, 7 MiB × 5 "provide an equal level of
 * defense"). The smallest memory of those: each hash or verify holds its memory in the API process
 * while it runs, and the allocator keeps the peak (19 MiB with the library's default). Verifying
 * reads the settings from the stored hash, so older hashes keep working.
 */
export const ARGON2_OPTIONS: ArgonOptions = { memoryCost: 7168, timeCost: 5, parallelism: 1 };
const argonHash = (password: string) => nodeRsArgonHash(password, ARGON2_OPTIONS);

const ISSUER = 'probador';
const AUDIENCE = 'probador-admin';
const COMMON = new Set(['password', 'password1', 'password123', '1234567890', 'qwertyuiop', '0123456789', 'letmein123', 'administrator']);

export const tokenHash = (t: string) => createHash('sha256').update(t).digest('hex');

export function checkPasswordStrength(pw: string) {
  if (pw.length < 10) throw new AppError('WEAK_PASSWORD', 'Use at least 10 characters.');
  if (pw.length > 256) throw new AppError('WEAK_PASSWORD', 'Use at most 256 characters.');
  if (COMMON.has(pw.toLowerCase()) || new Set(pw).size < 4) throw new AppError('WEAK_PASSWORD', 'This password is too easy to guess.');
}

export function presentUser(u: UserRow) {
  return {
    id: u.id,
    object: 'user' as const,
    email: u.email,
    name: u.name,
    role: u.role,
    tenant_id: u.tenantId,
    active: u.active,
    last_login_at: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
    created_at: u.createdAt.toISOString(),
  };
}

export type TokenPair = { access_token: string; token_type: 'Bearer'; expires_in: number; refresh_token: string; refresh_expires_in: number };

export function createUsersService({ db, clock, accessTtlS, refreshTtlS }: { db: Db; clock: Clock; accessTtlS: number; refreshTtlS: number }) {
  let secret: Uint8Array | undefined;
  // A real argon2 hash to verify against when the email is unknown, so timing does not tell.
  let dummyHash: Promise<string> | undefined;

  async function signingKey() {
    if (!secret) {
      const value = await getOrCreateSetting(db, 'jwt_secret', () => randomBytes(48).toString('base64url'));
      secret = new TextEncoder().encode(value);
    }
    return secret;
  }

  async function issue(user: UserRow, familyId: string): Promise<TokenPair> {
    const now = clock.now();
    const refresh = `rt_${randomBytes(32).toString('base64url')}`;
    await repo.insertRefreshToken(db, {
      id: newId('refreshToken'),
      userId: user.id,
      familyId,
      hash: tokenHash(refresh),
      expiresAt: new Date(now + refreshTtlS * 1000),
      createdAt: new Date(now),
    });
    const access = await new SignJWT({ role: user.role, tid: user.tenantId, sid: familyId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + accessTtlS)
      .sign(await signingKey());
    return { access_token: access, token_type: 'Bearer', expires_in: accessTtlS, refresh_token: refresh, refresh_expires_in: refreshTtlS };
  }

  async function assertCanSignIn(user: UserRow) {
    if (!user.active) throw new AppError('INVALID_CREDENTIALS', 'This account is disabled.');
    if (user.tenantId) {
      const t = await findTenant(db, user.tenantId);
      if (!t?.active) throw new AppError('TENANT_INACTIVE');
    }
  }

  async function createUser(input: { email: string; password: string; role: UserRole; tenantId: string | null; name?: string | null | undefined }) {
    checkPasswordStrength(input.password);
    if ((input.role === 'operator') !== (input.tenantId === null)) {
      throw new AppError('VALIDATION_FAILED', 'Operators belong to no tenant; owners and members belong to one.');
    }
    const email = input.email.trim().toLowerCase();
    if (await repo.findUserByEmail(db, email)) throw new AppError('EMAIL_TAKEN', `A user with email ${email} already exists.`);
    const now = new Date(clock.now());
    try {
      return await repo.insertUser(db, {
        id: newId('user'),
        email,
        name: input.name ?? null,
        passwordHash: await argonHash(input.password),
        role: input.role,
        tenantId: input.tenantId,
        passwordChangedAt: now,
        createdAt: now,
        updatedAt: now,
      });
    } catch (e) {
      if (String((e as { code?: string }).code) === '23505') throw new AppError('EMAIL_TAKEN', `A user with email ${email} already exists.`);
      throw e;
    }
  }

  return {
    createUser,
    async login(email: string, password: string): Promise<TokenPair & { user: ReturnType<typeof presentUser> }> {
      const user = await repo.findUserByEmail(db, email.trim());
      if (!user) {
        dummyHash ??= argonHash('probador-timing-equaliser');
        await argonVerify(await dummyHash, password).catch(() => false);
        throw new AppError('INVALID_CREDENTIALS');
      }
      const ok = await argonVerify(user.passwordHash, password).catch(() => false);
      if (!ok) throw new AppError('INVALID_CREDENTIALS');
      await assertCanSignIn(user);
      const updated = (await repo.updateUser(db, user.id, { lastLoginAt: new Date(clock.now()) })) ?? user;
      return { ...(await issue(updated, newId('session'))), user: presentUser(updated) };
    },
    async refresh(refreshToken: string): Promise<TokenPair> {
      const now = new Date(clock.now());
      const row = await repo.findRefreshToken(db, tokenHash(refreshToken));
      if (!row || row.revokedAt || row.expiresAt <= now) throw new AppError('INVALID_TOKEN', 'The refresh token is not valid or has expired.');
      if (row.usedAt || !(await repo.markRefreshTokenUsed(db, row.id, now))) {
        await repo.revokeFamily(db, row.familyId, now);
        throw new AppError('REFRESH_TOKEN_REUSED', 'This refresh token was already used. For safety the session was ended; sign in again.');
      }
      const user = await repo.findUser(db, row.userId);
      if (!user) throw new AppError('INVALID_TOKEN');
      await assertCanSignIn(user);
      return issue(user, row.familyId);
    },
    /** End the session the refresh token (or the access token's session id) belongs to. */
    async logout(opts: { refreshToken?: string | undefined; sessionId?: string | undefined }) {
      const now = new Date(clock.now());
      if (opts.refreshToken) {
        const row = await repo.findRefreshToken(db, tokenHash(opts.refreshToken));
        if (row) await repo.revokeFamily(db, row.familyId, now);
      }
      if (opts.sessionId) await repo.revokeFamily(db, opts.sessionId, now);
    },
    async changePassword(userId: string, current: string, next: string): Promise<TokenPair> {
      const user = await repo.findUser(db, userId);
      if (!user) throw new AppError('USER_NOT_FOUND');
      if (!(await argonVerify(user.passwordHash, current).catch(() => false))) throw new AppError('INVALID_CREDENTIALS', 'The current password is wrong.');
      checkPasswordStrength(next);
      const now = new Date(clock.now());
      const updated = await repo.updateUser(db, userId, { passwordHash: await argonHash(next), passwordChangedAt: now });
      await repo.revokeUserTokens(db, userId, now); // every other session ends
      return issue(updated!, newId('session'));
    },
    async verifyAccessToken(token: string): Promise<UserPrincipal> {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, await signingKey(), {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          currentDate: new Date(clock.now()),
        }));
      } catch (e) {
        if (e instanceof joseErrors.JOSEError) throw new AppError('INVALID_TOKEN');
        throw e;
      }
      const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
      if (!payload.sub || !sid) throw new AppError('INVALID_TOKEN');
      const session = await repo.findLiveSession(db, sid, new Date(clock.now()));
      if (!session || !session.userActive) throw new AppError('INVALID_TOKEN', 'The session has ended; sign in again.');
      // A deactivated tenant's people stop at once, not when their access token expires.
      if (session.tenantActive === false) throw new AppError('TENANT_INACTIVE');
      return {
        kind: 'user',
        userId: payload.sub,
        role: payload.role as UserPrincipal['role'],
        tenantId: typeof payload.tid === 'string' ? payload.tid : null,
        sessionId: sid,
      };
    },
    getUser: async (userId: string) => {
      const u = await repo.findUser(db, userId);
      if (!u) throw new AppError('USER_NOT_FOUND');
      return u;
    },
    listTenantUsers: (tenantId: string) => repo.listTenantUsers(db, tenantId),
    async setUserActive(tenantId: string, userId: string, active: boolean) {
      const u = await repo.findUser(db, userId);
      if (!u || u.tenantId !== tenantId) throw new AppError('USER_NOT_FOUND');
      const updated = await repo.updateUser(db, userId, { active });
      if (!active) await repo.revokeUserTokens(db, userId, new Date(clock.now()));
      return updated!;
    },
    /** Operators, oldest first (the start banner names them on later starts). */
    listOperators: (limit = 5) => repo.listOperators(db, limit),
    /**
     * An operator's password set by someone at the server (`probador operator reset-password`: no
     * current password asked). Every session of theirs ends. Store users change theirs in the
     * dashboard, or an owner disables and re-adds them.
     */
    async resetOperatorPassword(email: string, password: string): Promise<UserRow> {
      checkPasswordStrength(password);
      const user = await repo.findUserByEmail(db, email.trim());
      if (!user || user.role !== 'operator') throw new AppError('USER_NOT_FOUND', `No operator with email ${email.trim().toLowerCase()}.`);
      const now = new Date(clock.now());
      const updated = await repo.updateUser(db, user.id, { passwordHash: await argonHash(password), passwordChangedAt: now });
      await repo.revokeUserTokens(db, user.id, now);
      return updated!;
    },
    /**
     * The first operator: from PROBADOR_ADMIN_EMAIL/PASSWORD when set, otherwise generated.
     * Returns the generated password (to print once) or undefined when nothing was created.
     */
    async ensureFirstOperator(admin: { email: string; password: string } | undefined): Promise<{ email: string; password: string; generated: boolean } | undefined> {
      if ((await repo.countOperators(db)) > 0) return undefined;
      const email = admin?.email ?? 'admin@probador.local';
      const password = admin?.password ?? randomBytes(15).toString('base64url');
      try {
        await createUser({ email, password, role: 'operator', tenantId: null, name: 'Operator' });
      } catch (e) {
        if (!(e instanceof AppError && e.code === 'EMAIL_TAKEN')) throw e;
        if ((await repo.countOperators(db)) > 0) return undefined; // another process won the race
        throw new AppError('EMAIL_TAKEN', `Cannot create the first operator: ${email} already belongs to a tenant user. Choose another PROBADOR_ADMIN_EMAIL.`);
      }
      return { email, password, generated: admin === undefined };
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
