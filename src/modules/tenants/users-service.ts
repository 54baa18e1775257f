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
import { checkedSettings } from './settings.js';
import type { TenantRow, UserRole, UserRow } from './tables.js';

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

/** A staff person as single sign-on sees them: who, which store, and the store's allowed email domains. */
export type SsoCandidate = {
  userId: string;
  role: UserRole;
  tenantId: string | null;
  active: boolean;
  /** Invited without a password and never signed in. */
  invited: boolean;
  /** The store's settings.sso.allowed_domains (empty: any). */
  allowedDomains: string[];
};

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

  /** Why this person may not sign in now (undefined: they may), and their store's row, if any. */
  async function refusal(user: UserRow): Promise<{ reason: string; error: AppError } | { tenant: TenantRow | undefined }> {
    if (!user.active) return { reason: 'disabled', error: new AppError('INVALID_CREDENTIALS', 'This account is disabled.') };
    if (user.tenantId) {
      const t = await findTenant(db, user.tenantId);
      if (!t?.active) return { reason: 'tenant_inactive', error: new AppError('TENANT_INACTIVE') };
      return { tenant: t };
    }
    return { tenant: undefined };
  }

  /** The person may sign in (active, and a store user's store active): returns their store's row, if any. */
  async function assertCanSignIn(user: UserRow): Promise<TenantRow | undefined> {
    const r = await refusal(user);
    if ('error' in r) throw r.error;
    return r.tenant;
  }

  /** A refused sign-in, recorded (the refusal stands even when the record cannot be written: logged and reported). */
  const signInFailed = (by: AuditContext, tenantId: string | null, reason: string, userId?: string) =>
    audit.recordOrReport(by, { action: 'auth.sign_in_failed', tenantId, target: userId ? { type: 'user', id: userId } : null, details: { reason } });

  /**
   * A new session (a refresh-token family) for a person who proved who they are — password or
   * single sign-on — with the last-login time and its `auth.sign_in` record in one transaction (no
   * session without its record).
   */
  async function startSession(user: UserRow, by: AuditContext, method: 'password' | 'sso'): Promise<TokenPair & { user: ReturnType<typeof presentUser> }> {
    const updated = await db.transaction(async (tx) => {
      const u = (await repo.updateUser(tx, user.id, { lastLoginAt: new Date(clock.now()) })) ?? user;
      await audit.record(tx, by, { action: 'auth.sign_in', tenantId: user.tenantId, target: { type: 'user', id: user.id }, details: { method } });
      return u;
    });
    return { ...(await issue(updated, newId('session'))), user: presentUser(updated) };
  }

  /**
   * `password` absent: the person is invited — no password; they sign in through single sign-on
   * with this email (verified by the identity provider).
   */
  async function createUser(input: { email: string; password?: string | undefined; role: UserRole; tenantId: string | null; name?: string | null | undefined }, by: AuditContext = SYSTEM_ACTOR) {
    if (input.password !== undefined) checkPasswordStrength(input.password);
    else if (input.role === 'operator') throw new AppError('VALIDATION_FAILED', 'An operator needs a password.');
    if ((input.role === 'operator') !== (input.tenantId === null)) {
      throw new AppError('VALIDATION_FAILED', 'Operators belong to no tenant; owners and members belong to one.');
    }
    const email = input.email.trim().toLowerCase();
    if (await repo.findUserByEmail(db, email)) throw new AppError('EMAIL_TAKEN', `A user with email ${email} already exists.`);
    const now = new Date(clock.now());
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
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
        await audit.record(tx, by, { action: u.role === 'operator' ? 'operator.created' : 'user.added', tenantId: u.tenantId, target: { type: 'user', id: u.id }, details: { role: u.role, invited: passwordHash === null } });
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
      // An unknown email, or an invited person without a password: the same work and answer as a wrong password.
      if (!user?.passwordHash) {
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
      if ('error' in refused) {
        await signInFailed(by, user.tenantId, refused.reason, user.id);
        throw refused.error;
      }
      // The store signs in through single sign-on only (settings.sso.password_login: false). Checked
      // after the password, so the answer says nothing about which emails exist. Operators belong to
      // no store and are never refused: their password (and `probador operator reset-password`) is the break-glass path.
      if (refused.tenant && checkedSettings(refused.tenant.settings).sso?.password_login === false) {
        await signInFailed(by, user.tenantId, 'password_login_disabled', user.id);
        throw new AppError('PASSWORD_LOGIN_DISABLED', 'This store signs in with single sign-on only: use the "Sign in with …" button.');
      }
      return startSession(user, by, 'password');
    },
    /**
     * Single sign-on: a person the identity provider vouched for (matched by verified email by the
     * sso module) gets a session exactly like a password sign-in. Same checks: active, store active.
     */
    async signInVerified(userId: string, req: AuditRequest = NO_REQUEST): Promise<TokenPair & { user: ReturnType<typeof presentUser> }> {
      const user = await repo.findUser(db, userId);
      if (!user) throw new AppError('SSO_USER_UNKNOWN');
      const by = actorOf(user, req);
      const refused = await refusal(user);
      if ('error' in refused) {
        await signInFailed(by, user.tenantId, refused.reason, user.id);
        throw refused.error;
      }
      return startSession(user, by, 'sso');
    },
    /** The staff person with this email, as single sign-on matches them (modules/sso). */
    async findForSso(email: string): Promise<SsoCandidate | undefined> {
      const user = await repo.findUserByEmail(db, email.trim());
      if (!user) return undefined;
      const tenant = user.tenantId ? await findTenant(db, user.tenantId) : undefined;
      return {
        userId: user.id,
        role: user.role,
        tenantId: user.tenantId,
        active: user.active,
        invited: user.passwordHash === null && user.lastLoginAt === null,
        allowedDomains: tenant ? (checkedSettings(tenant.settings).sso?.allowed_domains ?? []) : [],
      };
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
      if (!user.passwordHash) throw new AppError('INVALID_CREDENTIALS', 'You have no password: you sign in through single sign-on.');
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
