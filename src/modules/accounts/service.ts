/**
 * End users of a tenant: sign-up, sign-in, rotating sessions (platform/auth), password change and
 * reset by a one-time link, profile, export and erasure. Every function takes the tenant first; a
 * user of one tenant is unknown to every other.
 *
 * Access tokens are checked against their session on every request. Live sessions are cached per
 * node for a few seconds; every revocation drops the entry on every node through the pub-sub
 * channel `accounts.sessions`, so a revoked token is refused everywhere at once (the TTL only bounds
 * a lost message).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import type { PubSub } from '../../platform/cache/pubsub.js';
import { invalidatedCache } from '../../platform/cache/invalidated-cache.js';
import { TENANTS_CHANGED_CHANNEL } from '../tenants/index.js';
import type { RateLimiter } from '../../platform/ratelimit/limiter.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import type { EndUserPrincipal } from '../../platform/http/principal.js';
import { SYSTEM_ACTOR, type AuditContext, type AuditLog } from '../../platform/audit/index.js';
import { checkPasswordStrength, createSessionTokens, hashPassword, settingSecret, tokenHash, verifyNobody, verifyPassword, type TokenPair } from '../../platform/auth/index.js';
import * as repo from './repository.js';
import type { EndUserRefreshTokenRow, EndUserRow, Language } from './tables.js';
import type { UserDataRegistry } from './user-data.js';
import { resetMail } from './mail-texts.js';

/** Sign-in attempts: per account (tenant + email) and per address, in a 10-minute window. */
export const LOGIN_LIMITS = { perAccount: 10, perIp: 50, windowS: 600 };
/** Reset mails asked for: per account and per address, in an hour. */
export const RESET_LIMITS = { perAccount: 3, perIp: 10, windowS: 3600 };
/** Sign-ups per address in 10 minutes. */
export const REGISTER_LIMITS = { perIp: 20, windowS: 600 };
export const RESET_TTL_MIN = 30;
export const PREFERENCES_MAX_BYTES = 4096;
export const SESSIONS_CHANNEL = 'accounts.sessions';

export function presentEndUser(u: EndUserRow) {
  return {
    id: u.id,
    object: 'end_user' as const,
    tenant_id: u.tenantId,
    email: u.email,
    name: u.name,
    language: u.language,
    preferences: u.preferences,
    last_login_at: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

export type AccountsServiceOptions = {
  db: Db;
  clock: Clock;
  pubsub: PubSub;
  limiter: RateLimiter;
  mail: Mailer;
  log: Logger;
  accessTtlS: number;
  refreshTtlS: number;
  registry: UserDataRegistry;
  /** The audit trail's writer: exports and erasures are recorded. */
  audit: AuditLog;
  /** Is the tenant active (cached view; deactivation stops its end users at once). */
  tenantActive: (tenantId: string) => Promise<boolean>;
};

export function createAccountsService(o: AccountsServiceOptions) {
  const { db, clock, limiter, mail, registry } = o;
  const sessionCache = invalidatedCache(SESSIONS_CHANNEL, (sid) => repo.findLiveSession(db, sid, new Date(clock.now())), o.pubsub, { ttlMs: 5_000, max: 50_000 });
  // Tenant changes (deactivation) are published by the tenants module.
  const tenantCache = invalidatedCache(TENANTS_CHANGED_CHANNEL, (id) => o.tenantActive(id), o.pubsub, { ttlMs: 30_000 });
  const dropSessions = async (ids: string[]) => {
    for (const id of ids) await sessionCache.invalidate(id);
  };

  const sessions = createSessionTokens<EndUserRefreshTokenRow, { tenantId: string }>({
    clock,
    signingKey: settingSecret(db, 'end_user_jwt_secret'),
    issuer: 'probador',
    audience: 'probador-end-user',
    accessTtlS: o.accessTtlS,
    refreshTtlS: o.refreshTtlS,
    refreshPrefix: 'eurt_',
    newId: () => newId('refreshToken'),
    store: {
      insert: (row) => repo.insertRefreshToken(db, row),
      findByHash: (hash) => repo.findRefreshToken(db, hash),
      markUsed: (id, at) => repo.markRefreshTokenUsed(db, id, at),
      // Reuse detection and logout end the family: every node forgets it at once.
      revokeFamily: async (familyId, at) => {
        await repo.revokeFamily(db, familyId, at);
        await dropSessions([familyId]);
      },
    },
  });

  const issue = (u: EndUserRow, familyId: string): Promise<TokenPair> => sessions.issue(u.id, familyId, { tid: u.tenantId, typ: 'end_user' }, { tenantId: u.tenantId });

  const throttled = (msg: string, resetMs: number) => new AppError('RATE_LIMITED', msg, { headers: { 'retry-after': String(Math.max(1, Math.ceil(resetMs / 1000))) } });

  async function throttle(checks: { key: string; limit: number; windowS: number }[], msg: string) {
    const ds = await limiter.consumeAll(checks);
    const refused = ds.filter((d) => !d.allowed);
    if (refused.length > 0) {
      o.log.warn({ throttle: checks[ds.findIndex((d) => !d.allowed)]!.key.split(':').slice(0, 2).join(':') }, 'end user attempts throttled');
      throw throttled(msg, Math.max(...refused.map((d) => d.resetMs)));
    }
  }

  async function assertTenantActive(tenantId: string) {
    if (!(await tenantCache.get(tenantId).catch(() => false))) throw new AppError('TENANT_INACTIVE');
  }

  async function getUser(tenantId: string, userId: string) {
    const u = await repo.findEndUser(db, tenantId, userId);
    // Deleted while a token was out: the token is no longer anyone's.
    if (!u) throw new AppError('INVALID_TOKEN', 'The session has ended; sign in again.');
    return u;
  }

  async function liveSessions(tenantId: string, userId: string, currentSessionId?: string) {
    const rows = await repo.listLiveSessions(db, tenantId, userId, new Date(clock.now()));
    return rows
      .filter((r) => r.live)
      .map((r) => ({
        id: r.familyId,
        object: 'session' as const,
        current: r.familyId === currentSessionId,
        created_at: r.startedAt.toISOString(),
        last_refreshed_at: r.lastUsedAt.toISOString(),
        expires_at: r.expiresAt.toISOString(),
      }));
  }

  function checkPreferences(p: Record<string, unknown>) {
    const size = Buffer.byteLength(JSON.stringify(p));
    if (size > PREFERENCES_MAX_BYTES) {
      throw new AppError('VALIDATION_FAILED', `preferences is ${size} bytes as JSON; at most ${PREFERENCES_MAX_BYTES}.`, {
        extra: { errors: [{ in: 'body', path: '/preferences', message: `must be at most ${PREFERENCES_MAX_BYTES} bytes as JSON` }] },
      });
    }
  }

  /** The account's deletion and its `end_user.erased` record are one transaction (the last step). */
  async function erase(user: EndUserRow, by: AuditContext) {
    const { tenantId, id: userId } = user;
    const now = new Date(clock.now());
    await dropSessions(await repo.revokeUserSessions(db, tenantId, userId, now));
    const parts = registry.list().map((c) => c.name);
    for (const c of registry.list()) await c.erase(tenantId, userId);
    await mail.eraseRecipient(tenantId, user.email);
    await db.transaction(async (tx) => {
      await repo.deleteEndUser(tx, tenantId, userId);
      await o.audit.record(tx, by, { action: 'end_user.erased', tenantId, target: { type: 'end_user', id: userId }, details: { parts, by_self: by.actor.kind === 'end_user' && by.actor.id === userId } });
    });
    o.log.info({ tenant_id: tenantId, user_id: userId }, 'end user erased');
  }

  return {
    registry,
    async start() {
      await sessionCache.start();
      await tenantCache.start();
    },
    async close() {
      await sessionCache.close();
      await tenantCache.close();
    },

    async register(tenantId: string, input: { email: string; password: string; name?: string | undefined; language?: Language | undefined }, ip: string) {
      await throttle([{ key: `eu-register:ip:${ip}`, limit: REGISTER_LIMITS.perIp, windowS: REGISTER_LIMITS.windowS }], 'Too many sign-ups from this address; wait a few minutes.');
      checkPasswordStrength(input.password);
      const email = input.email.trim().toLowerCase();
      const now = new Date(clock.now());
      let user: EndUserRow;
      try {
        user = await repo.insertEndUser(db, {
          id: newId('user'),
          tenantId,
          email,
          name: input.name ?? null,
          passwordHash: await hashPassword(input.password),
          language: input.language ?? 'en',
          passwordChangedAt: now,
          lastLoginAt: now,
          createdAt: now,
          updatedAt: now,
        });
      } catch (e) {
        const code = String((e as { code?: string; cause?: { code?: string } }).code ?? (e as { cause?: { code?: string } }).cause?.code);
        if (code === '23505') throw new AppError('EMAIL_TAKEN', 'An account with this email already exists in this store; sign in instead.');
        throw e;
      }
      return { ...(await issue(user, newId('session'))), user: presentEndUser(user) };
    },

    async login(tenantId: string, emailIn: string, password: string, ip: string) {
      const email = emailIn.trim().toLowerCase();
      await throttle(
        [
          { key: `eu-login:acct:${tenantId}:${email}`, limit: LOGIN_LIMITS.perAccount, windowS: LOGIN_LIMITS.windowS },
          { key: `eu-login:ip:${ip}`, limit: LOGIN_LIMITS.perIp, windowS: LOGIN_LIMITS.windowS },
        ],
        'Too many sign-in attempts; wait a few minutes.',
      );
      const user = await repo.findEndUserByEmail(db, tenantId, email);
      // Unknown email or wrong password: the same answer, after the same work.
      // Security log: ids only (never the email or the password).
      if (!user) {
        await verifyNobody(password);
        o.log.info({ tenant_id: tenantId, reason: 'unknown_email' }, 'end user sign-in failed');
        throw new AppError('INVALID_CREDENTIALS');
      }
      if (!(await verifyPassword(user.passwordHash, password))) {
        o.log.info({ tenant_id: tenantId, user_id: user.id, reason: 'wrong_password' }, 'end user sign-in failed');
        throw new AppError('INVALID_CREDENTIALS');
      }
      const updated = (await repo.updateEndUser(db, tenantId, user.id, { lastLoginAt: new Date(clock.now()) })) ?? user;
      o.log.info({ tenant_id: tenantId, user_id: user.id }, 'end user signed in');
      return { ...(await issue(updated, newId('session'))), user: presentEndUser(updated) };
    },

    async refresh(tenantId: string, refreshToken: string): Promise<TokenPair> {
      const row = await sessions.consume(refreshToken, (r) => r.tenantId === tenantId);
      const user = await repo.findEndUser(db, tenantId, row.userId);
      if (!user) throw new AppError('INVALID_TOKEN');
      return issue(user, row.familyId);
    },

    /** End the session of a refresh token (unknown or another store's: nothing happens). */
    async logout(tenantId: string, refreshToken: string) {
      const row = await sessions.find(refreshToken);
      if (row && row.tenantId === tenantId) await sessions.revokeFamily(row.familyId);
    },

    /** The auth hook's check of an access token: signature, expiry, live session, active tenant. */
    async verifyAccessToken(token: string): Promise<Omit<EndUserPrincipal, 'key'>> {
      const payload = await sessions.verify(token);
      const tid = typeof payload.tid === 'string' ? payload.tid : undefined;
      if (!tid) throw new AppError('INVALID_TOKEN');
      const session = await sessionCache.get(payload.sid);
      if (!session || session.userId !== payload.sub || session.tenantId !== tid) throw new AppError('INVALID_TOKEN', 'The session has ended; sign in again.');
      await assertTenantActive(tid);
      return { kind: 'end_user', tenantId: tid, userId: payload.sub, sessionId: payload.sid };
    },

    getProfile: async (tenantId: string, userId: string) => presentEndUser(await getUser(tenantId, userId)),

    async updateProfile(tenantId: string, userId: string, patch: { name?: string | null | undefined; language?: Language | undefined; preferences?: Record<string, unknown> | undefined }) {
      if (patch.preferences) checkPreferences(patch.preferences);
      const u = await repo.updateEndUser(db, tenantId, userId, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.language !== undefined ? { language: patch.language } : {}),
        ...(patch.preferences !== undefined ? { preferences: patch.preferences } : {}),
        updatedAt: new Date(clock.now()),
      });
      if (!u) throw new AppError('INVALID_TOKEN', 'The session has ended; sign in again.');
      return presentEndUser(u);
    },

    /** Change the password: the current one is asked; every other session ends. */
    async changePassword(tenantId: string, userId: string, sessionId: string, current: string, next: string) {
      const user = await getUser(tenantId, userId);
      if (!(await verifyPassword(user.passwordHash, current))) throw new AppError('INVALID_CREDENTIALS', 'The current password is wrong.');
      checkPasswordStrength(next);
      const now = new Date(clock.now());
      await repo.updateEndUser(db, tenantId, userId, { passwordHash: await hashPassword(next), passwordChangedAt: now, updatedAt: now });
      await repo.voidPasswordResets(db, tenantId, userId, now);
      await dropSessions(await repo.revokeUserSessions(db, tenantId, userId, now, sessionId));
    },

    /**
     * Ask for a reset mail. The answer is the same whether the email is known or not; the mail goes
     * only to a known one. `resetUrl` (already checked by the route) gets `?token=…`.
     */
    async requestPasswordReset(tenantId: string, emailIn: string, resetUrl: string | undefined, ip: string) {
      const email = emailIn.trim().toLowerCase();
      await throttle(
        [
          { key: `eu-reset:acct:${tenantId}:${email}`, limit: RESET_LIMITS.perAccount, windowS: RESET_LIMITS.windowS },
          { key: `eu-reset:ip:${ip}`, limit: RESET_LIMITS.perIp, windowS: RESET_LIMITS.windowS },
        ],
        'Too many password reset requests; wait before asking again.',
      );
      const user = await repo.findEndUserByEmail(db, tenantId, email);
      if (!user) return;
      const token = `prt_${randomBytes(32).toString('base64url')}`;
      const now = clock.now();
      await repo.insertPasswordReset(db, { id: newId('passwordReset'), tenantId, userId: user.id, hash: tokenHash(token), expiresAt: new Date(now + RESET_TTL_MIN * 60_000), createdAt: new Date(now) });
      let link: string | undefined;
      if (resetUrl) {
        const u = new URL(resetUrl);
        u.searchParams.set('token', token);
        link = u.toString();
      }
      const m = resetMail(user.language, { link, token, minutes: RESET_TTL_MIN });
      await mail.send({ to: user.email, subject: m.subject, text: m.text, kind: 'password_reset', tenantId });
    },

    /** Set a new password with a reset token: once, before it expires; every session ends. */
    async confirmPasswordReset(tenantId: string, token: string, next: string) {
      checkPasswordStrength(next); // a weak choice does not use up the link
      const now = new Date(clock.now());
      const used = await repo.consumePasswordReset(db, tenantId, tokenHash(token), now);
      if (!used) throw new AppError('RESET_TOKEN_INVALID');
      await repo.updateEndUser(db, tenantId, used.userId, { passwordHash: await hashPassword(next), passwordChangedAt: now, updatedAt: now });
      await repo.voidPasswordResets(db, tenantId, used.userId, now);
      await dropSessions(await repo.revokeUserSessions(db, tenantId, used.userId, now));
    },

    /** The store's view (dashboard, its server): its end users, newest first. */
    async listUsers(tenantId: string, opts: { limit: number; startingAfter?: string | undefined; email?: string | undefined }) {
      const page = await repo.listEndUsers(db, tenantId, opts);
      return { data: page.data.map(presentEndUser), hasMore: page.hasMore };
    },

    async getUserForTenant(tenantId: string, userId: string) {
      const u = await repo.findEndUser(db, tenantId, userId);
      if (!u) throw new AppError('USER_NOT_FOUND', `End user ${userId} not found.`);
      return presentEndUser(u);
    },

    listSessions: (tenantId: string, userId: string, currentSessionId: string) => liveSessions(tenantId, userId, currentSessionId),

    async revokeSession(tenantId: string, userId: string, sessionId: string) {
      const mine = (await liveSessions(tenantId, userId)).some((s) => s.id === sessionId);
      if (!mine) throw new AppError('SESSION_NOT_FOUND', `Session ${sessionId} not found.`);
      await sessions.revokeFamily(sessionId);
    },

    /** Everything kept about the person: the account, their sessions, and each registered module's part. */
    async exportData(tenantId: string, userId: string, currentSessionId?: string, by: AuditContext = SYSTEM_ACTOR) {
      const user = await getUser(tenantId, userId);
      const data: Record<string, unknown> = {};
      for (const c of registry.list()) data[c.name] = await c.export(tenantId, userId);
      // Fails closed: no record, no export.
      await o.audit.record(db, by, { action: 'end_user.exported', tenantId, target: { type: 'end_user', id: userId }, details: { parts: Object.keys(data) } });
      return {
        object: 'account_export' as const,
        exported_at: new Date(clock.now()).toISOString(),
        account: presentEndUser(user),
        sessions: await liveSessions(tenantId, userId, currentSessionId),
        data,
      };
    },

    /**
     * Erase the person: sessions end first (on every node), then each module erases its part, then
     * the mail kept for them in the outbox, then the account (its tokens go with it). The password is
     * asked again. A failure part-way leaves the account to sign in and delete again.
     */
    async deleteAccount(tenantId: string, userId: string, password: string, by: AuditContext = SYSTEM_ACTOR) {
      const user = await getUser(tenantId, userId);
      if (!(await verifyPassword(user.passwordHash, password))) throw new AppError('INVALID_CREDENTIALS', 'The password is wrong.');
      await erase(user, by);
    },

    /** Erase without asking the password (the store's erasure request); another store's id: USER_NOT_FOUND. */
    async eraseUser(tenantId: string, userId: string, by: AuditContext = SYSTEM_ACTOR) {
      const user = await repo.findEndUser(db, tenantId, userId);
      if (!user) throw new AppError('USER_NOT_FOUND', `End user ${userId} not found.`);
      await erase(user, by);
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
