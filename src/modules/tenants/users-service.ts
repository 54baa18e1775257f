/**
 * People: operator admins and tenant users. Email + password (argon2id). Login gives a short-lived
 * JWT access token (HS256, secret kept in the database so every node shares it) and a rotating
 * refresh token. A refresh token is single-use: presenting a used one again revokes its whole
 * family (the session), the standard defence against a stolen token. Logout and password change
 * revoke sessions; access tokens are checked against their session on every request.
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import type { UserPrincipal } from '../../platform/http/principal.js';
import { NO_REQUEST, SYSTEM_ACTOR, type AuditContext, type AuditLog, type AuditRequest } from '../../platform/audit/index.js';
import { checkPasswordStrength, createSessionTokens, hashPassword, settingSecret, verifyNobody, verifyPassword, type TokenPair } from '../../platform/auth/index.js';
import * as repo from './users-repository.js';
import { findTenant } from './repository.js';
import type { UserRole, UserRow } from './tables.js';

// Shared with the accounts module since end users arrived: platform/auth.
export { ARGON2_OPTIONS, checkPasswordStrength, tokenHash, type TokenPair } from '../../platform/auth/index.js';

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

/** A staff person as the audit trail names them. */
const actorOf = (u: UserRow, req: AuditRequest): AuditContext => ({ actor: { kind: u.role === 'operator' ? 'operator' : 'store_user', id: u.id }, ...req });

export function createUsersService({ db, clock, accessTtlS, refreshTtlS, audit }: { db: Db; clock: Clock; accessTtlS: number; refreshTtlS: number; audit: AuditLog }) {
  const sessions = createSessionTokens({
    clock,
    signingKey: settingSecret(db, 'jwt_secret'),
    issuer: 'probador',
    audience: 'probador-admin',
    accessTtlS,
    refreshTtlS,
    refreshPrefix: 'rt_',
    newId: () => newId('refreshToken'),
    store: {
      insert: (row) => repo.insertRefreshToken(db, row),
      findByHash: (hash) => repo.findRefreshToken(db, hash),
      markUsed: (id, at) => repo.markRefreshTokenUsed(db, id, at),
      revokeFamily: (familyId, at) => repo.revokeFamily(db, familyId, at),
    },
  });

  const issue = (user: UserRow, familyId: string): Promise<TokenPair> => sessions.issue(user.id, familyId, { role: user.role, tid: user.tenantId }, {});

  /** Why this person may not sign in now (undefined: they may). */
  async function refusal(user: UserRow): Promise<{ reason: string; error: AppError } | undefined> {
    if (!user.active) return { reason: 'disabled', error: new AppError('INVALID_CREDENTIALS', 'This account is disabled.') };
    if (user.tenantId) {
      const t = await findTenant(db, user.tenantId);
      if (!t?.active) return { reason: 'tenant_inactive', error: new AppError('TENANT_INACTIVE') };
    }
    return undefined;
  }

  async function assertCanSignIn(user: UserRow) {
    const r = await refusal(user);
    if (r) throw r.error;
  }

  /** A refused sign-in, recorded (the refusal stands even when the record cannot be written: logged and reported). */
  const signInFailed = (by: AuditContext, tenantId: string | null, reason: string, userId?: string) =>
    audit.recordOrReport(by, { action: 'auth.sign_in_failed', tenantId, target: userId ? { type: 'user', id: userId } : null, details: { reason } });

  async function createUser(input: { email: string; password: string; role: UserRole; tenantId: string | null; name?: string | null | undefined }, by: AuditContext = SYSTEM_ACTOR) {
    checkPasswordStrength(input.password);
    if ((input.role === 'operator') !== (input.tenantId === null)) {
      throw new AppError('VALIDATION_FAILED', 'Operators belong to no tenant; owners and members belong to one.');
    }
    const email = input.email.trim().toLowerCase();
    if (await repo.findUserByEmail(db, email)) throw new AppError('EMAIL_TAKEN', `A user with email ${email} already exists.`);
    const now = new Date(clock.now());
    const passwordHash = await hashPassword(input.password);
    try {
      return await db.transaction(async (tx) => {
        const u = await repo.insertUser(tx, {
          id: newId('user'),
          email,
          name: input.name ?? null,
          passwordHash,
          role: input.role,
          tenantId: input.tenantId,
          passwordChangedAt: now,
          createdAt: now,
          updatedAt: now,
        });
        await audit.record(tx, by, { action: u.role === 'operator' ? 'operator.created' : 'user.added', tenantId: u.tenantId, target: { type: 'user', id: u.id }, details: { role: u.role } });
        return u;
      });
    } catch (e) {
      if (String((e as { code?: string }).code) === '23505') throw new AppError('EMAIL_TAKEN', `A user with email ${email} already exists.`);
      throw e;
    }
  }

  return {
    createUser,
    /**
     * Sign in. Every outcome is in the audit trail: `auth.sign_in` (with the last-login time, one
     * transaction: no session without its record) or `auth.sign_in_failed` with the reason — an
     * unknown email as an anonymous attempt (the email itself is never kept).
     */
    async login(email: string, password: string, req: AuditRequest = NO_REQUEST): Promise<TokenPair & { user: ReturnType<typeof presentUser> }> {
      const user = await repo.findUserByEmail(db, email.trim());
      if (!user) {
        await verifyNobody(password);
        await signInFailed({ actor: { kind: 'anonymous', id: null }, ...req }, null, 'unknown_email');
        throw new AppError('INVALID_CREDENTIALS');
      }
      const by = actorOf(user, req);
      const ok = await verifyPassword(user.passwordHash, password);
      if (!ok) {
        await signInFailed(by, user.tenantId, 'wrong_password', user.id);
        throw new AppError('INVALID_CREDENTIALS');
      }
      const refused = await refusal(user);
      if (refused) {
        await signInFailed(by, user.tenantId, refused.reason, user.id);
        throw refused.error;
      }
      const updated = await db.transaction(async (tx) => {
        const u = (await repo.updateUser(tx, user.id, { lastLoginAt: new Date(clock.now()) })) ?? user;
        await audit.record(tx, by, { action: 'auth.sign_in', tenantId: user.tenantId, target: { type: 'user', id: user.id }, details: { method: 'password' } });
        return u;
      });
      return { ...(await issue(updated, newId('session'))), user: presentUser(updated) };
    },
    async refresh(refreshToken: string): Promise<TokenPair> {
      const row = await sessions.consume(refreshToken);
      const user = await repo.findUser(db, row.userId);
      if (!user) throw new AppError('INVALID_TOKEN');
      await assertCanSignIn(user);
      return issue(user, row.familyId);
    },
    /** End the session the refresh token (or the access token's session id) belongs to. */
    async logout(opts: { refreshToken?: string | undefined; sessionId?: string | undefined }) {
      if (opts.refreshToken) {
        const row = await sessions.find(opts.refreshToken);
        if (row) await sessions.revokeFamily(row.familyId);
      }
      if (opts.sessionId) await sessions.revokeFamily(opts.sessionId);
    },
    async changePassword(userId: string, current: string, next: string, req: AuditRequest = NO_REQUEST): Promise<TokenPair> {
      const user = await repo.findUser(db, userId);
      if (!user) throw new AppError('USER_NOT_FOUND');
      if (!(await verifyPassword(user.passwordHash, current))) throw new AppError('INVALID_CREDENTIALS', 'The current password is wrong.');
      checkPasswordStrength(next);
      const now = new Date(clock.now());
      const passwordHash = await hashPassword(next);
      const updated = await db.transaction(async (tx) => {
        const u = await repo.updateUser(tx, userId, { passwordHash, passwordChangedAt: now });
        await repo.revokeUserTokens(tx, userId, now); // every other session ends
        await audit.record(tx, actorOf(user, req), { action: 'auth.password_changed', tenantId: user.tenantId, target: { type: 'user', id: userId } });
        return u;
      });
      return issue(updated!, newId('session'));
    },
    async verifyAccessToken(token: string): Promise<UserPrincipal> {
      const payload = await sessions.verify(token);
      const sid = payload.sid;
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
    /** Disable (every session ends) or enable a store's user: `user.disabled` / `user.enabled` when it changes. */
    async setUserActive(tenantId: string, userId: string, active: boolean, by: AuditContext = SYSTEM_ACTOR) {
      const u = await repo.findUser(db, userId);
      if (!u || u.tenantId !== tenantId) throw new AppError('USER_NOT_FOUND');
      return db.transaction(async (tx) => {
        const updated = await repo.updateUser(tx, userId, { active });
        if (!active) await repo.revokeUserTokens(tx, userId, new Date(clock.now()));
        if (u.active !== active) await audit.record(tx, by, { action: active ? 'user.enabled' : 'user.disabled', tenantId, target: { type: 'user', id: userId }, details: { role: u.role } });
        return updated!;
      });
    },
    /** Operators, oldest first (the start banner names them on later starts). */
    listOperators: (limit = 5) => repo.listOperators(db, limit),
    /**
     * An operator's password set by someone at the server (`probador operator reset-password`: no
     * current password asked). Every session of theirs ends. Store users change theirs in the
     * dashboard, or an owner disables and re-adds them.
     */
    async resetOperatorPassword(email: string, password: string, by: AuditContext = SYSTEM_ACTOR): Promise<UserRow> {
      checkPasswordStrength(password);
      const user = await repo.findUserByEmail(db, email.trim());
      if (!user || user.role !== 'operator') throw new AppError('USER_NOT_FOUND', `No operator with email ${email.trim().toLowerCase()}.`);
      const now = new Date(clock.now());
      const passwordHash = await hashPassword(password);
      return db.transaction(async (tx) => {
        const updated = await repo.updateUser(tx, user.id, { passwordHash, passwordChangedAt: now });
        await repo.revokeUserTokens(tx, user.id, now);
        await audit.record(tx, by, { action: 'operator.password_reset', tenantId: null, target: { type: 'user', id: user.id } });
        return updated!;
      });
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
