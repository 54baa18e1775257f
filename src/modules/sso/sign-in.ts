/**
 * Single sign-on for the dashboard's staff (operators and store users), OpenID Connect's
 * authorization code flow with PKCE (S256), state and nonce:
 *
 *   start    → a sealed attempt cookie (attempt.ts) and a redirect to the provider;
 *   callback → state checked against the cookie, the code exchanged with the verifier, the ID token
 *              checked by openid-client (signature, issuer, audience, expiry, nonce); then the person
 *              is matched (`match`): a verified email of an existing, active account or invitation,
 *              within the provider's and the store's allowed domains. A one-time code (60 s) goes
 *              to the dashboard in the URL fragment — never tokens in a URL;
 *   exchange → the code, used up, becomes a session made by the tenants module exactly as a
 *              password sign-in makes one.
 *
 * Every callback ends in `settle`, the one place a sign-in's outcome is recorded.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../../platform/errors.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { TokenPair } from '../../platform/auth/index.js';
import { NO_REQUEST, type AuditLog, type AuditRequest } from '../../platform/audit/index.js';
import type { SsoCandidate } from '../tenants/index.js';
import { ATTEMPT_TTL_S, attemptCookie, clearedAttemptCookie, readAttempt } from './attempt.js';
import { client, signInError, type OidcClients } from './oidc.js';
import { callbackPath, type ProvidersService } from './providers.js';
import { insertLoginCode, takeLoginCode } from './repository.js';
import type { SsoProviderRow } from './tables.js';

const CODE_TTL_MS = 60_000;
const DASHBOARD_LOGIN = '/dashboard/login';

export type SsoSignInPorts = {
  /** The staff person with this email (tenants module), or undefined. */
  findStaff: (email: string) => Promise<SsoCandidate | undefined>;
  /** A session for a matched person, made exactly as a password sign-in makes one (and recorded as `auth.sign_in`, method sso). */
  signIn: (userId: string, req: AuditRequest) => Promise<SsoSession>;
};

/** The session a sign-in gives: the tokens and the person, as `POST /admin/v1/auth/login` answers. */
export type SsoSession = TokenPair & { user: Record<string, unknown> };

/** Where the browser goes next, and the cookie header to send with it. */
export type Redirect = { location: string; setCookie: string };

const hashCode = (c: string) => createHash('sha256').update(c).digest('hex');
const sameString = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function createSignIn(o: { db: Db; clock: Clock; log: Logger; audit: AuditLog; box: () => Promise<SecretBox>; oidc: OidcClients; providers: ProvidersService; ports: SsoSignInPorts }) {
  const { db, clock, log } = o;

  /**
   * The outcome of one callback, successful or not: the single place to record a single sign-on
   * (the audit trail hooks in here). No email or token is logged: the provider, the user id, the code.
   */
  async function settle(outcome: { ok: true; provider: SsoProviderRow; userId: string } | { ok: false; provider: SsoProviderRow | undefined; code: ErrorCode; reason: string }, req: AuditRequest) {
    if (outcome.ok) {
      // The sign-in itself is recorded when the one-time code becomes a session (exchange → auth.sign_in, method sso).
      log.info({ sso_provider: outcome.provider.slug, user_id: outcome.userId }, 'single sign-on: signed in');
      return;
    }
    log.warn({ sso_provider: outcome.provider?.slug, code: outcome.code, reason: outcome.reason }, 'single sign-on: refused');
    // Refused: an anonymous attempt (the email the provider named is never kept), in the provider's store if it has one.
    await o.audit.recordOrReport(
      { actor: { kind: 'anonymous', id: null }, ...req },
      { action: 'auth.sign_in_failed', tenantId: outcome.provider?.tenantId ?? null, target: null, details: { reason: outcome.code.toLowerCase(), method: 'sso', provider: outcome.provider?.slug ?? null } },
    );
  }

  /** The person the provider vouched for, or the reason they may not sign in. */
  async function match(provider: SsoProviderRow, claims: { email?: unknown; email_verified?: unknown }): Promise<SsoCandidate> {
    if (typeof claims.email !== 'string' || !claims.email.includes('@') || claims.email_verified !== true) {
      throw new AppError('SSO_EMAIL_NOT_VERIFIED', 'The identity provider did not vouch for an email address (email_verified is not true).');
    }
    const email = claims.email.trim().toLowerCase();
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (provider.allowedDomains.length > 0 && !provider.allowedDomains.includes(domain)) {
      throw new AppError('SSO_DOMAIN_NOT_ALLOWED', `This provider accepts only ${provider.allowedDomains.join(', ')} addresses.`);
    }
    const person = await o.ports.findStaff(email);
    // A store's own provider signs in only that store's people.
    if (!person || !person.active || (provider.tenantId !== null && person.tenantId !== provider.tenantId)) {
      throw new AppError('SSO_USER_UNKNOWN', 'No active account or invitation has this email: ask your store owner or the operator to invite it.');
    }
    if (person.allowedDomains.length > 0 && !person.allowedDomains.includes(domain)) {
      throw new AppError('SSO_DOMAIN_NOT_ALLOWED', `Your store accepts single sign-on only from ${person.allowedDomains.join(', ')} addresses.`);
    }
    return person;
  }

  const errorRedirect = (code: ErrorCode, secure: boolean): Redirect => ({ location: `${DASHBOARD_LOGIN}#sso_error=${code}`, setCookie: clearedAttemptCookie(secure) });

  return {
    /** GET …/:provider/start: to the provider with a new attempt (or back to the sign-in page with the reason). */
    async start(slug: string, linkBase: string): Promise<Redirect> {
      const secure = linkBase.startsWith('https:');
      try {
        const provider = await o.providers.bySlug(slug);
        const config = await o.oidc.configFor(await o.providers.clientSpec(provider));
        const attempt = { p: provider.id, s: client.randomState(), n: client.randomNonce(), v: client.randomPKCECodeVerifier(), e: clock.now() + ATTEMPT_TTL_S * 1000 };
        const url = client.buildAuthorizationUrl(config, {
          redirect_uri: `${linkBase}${callbackPath(provider.slug)}`,
          scope: provider.scopes,
          response_type: 'code',
          code_challenge: await client.calculatePKCECodeChallenge(attempt.v),
          code_challenge_method: 'S256',
          state: attempt.s,
          nonce: attempt.n,
        });
        return { location: url.href, setCookie: attemptCookie(await o.box(), attempt, secure) };
      } catch (e) {
        const err = signInError(e);
        log.warn({ sso_provider: slug, code: err.code, reason: err.message }, 'single sign-on: could not start');
        return errorRedirect(err.code, secure);
      }
    },

    /**
     * GET …/:provider/callback: `search` is the query string as received (`?code=…&state=…`).
     * Always clears the attempt cookie; redirects to the dashboard with a one-time code or an error code.
     */
    async callback(slug: string, search: string, cookieHeader: string | undefined, linkBase: string, req: AuditRequest = NO_REQUEST): Promise<Redirect> {
      const secure = linkBase.startsWith('https:');
      let provider: SsoProviderRow | undefined;
      try {
        provider = await o.providers.bySlug(slug);
        const attempt = readAttempt(await o.box(), cookieHeader, clock.now());
        const state = new URLSearchParams(search).get('state');
        if (!attempt || attempt.p !== provider.id || state === null || !sameString(state, attempt.s)) {
          throw new AppError('SSO_STATE_INVALID', 'This sign-in was not started in this browser, was started for another provider, or is older than 10 minutes.');
        }
        const config = await o.oidc.configFor(await o.providers.clientSpec(provider));
        const redirectUri = new URL(`${linkBase}${callbackPath(provider.slug)}`);
        redirectUri.search = search;
        const tokens = await client.authorizationCodeGrant(config, redirectUri, {
          pkceCodeVerifier: attempt.v,
          expectedState: attempt.s,
          expectedNonce: attempt.n,
          idTokenExpected: true,
        });
        const idClaims = tokens.claims();
        if (!idClaims) throw new AppError('SSO_FAILED', 'The identity provider sent no ID token.');
        let claims = idClaims as { email?: unknown; email_verified?: unknown };
        // Providers that keep the email claims out of the ID token give them at the userinfo endpoint (same subject checked).
        if ((idClaims.email === undefined || idClaims.email_verified === undefined) && config.serverMetadata().userinfo_endpoint) {
          claims = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        }
        const person = await match(provider, claims);
        const code = randomBytes(32).toString('base64url');
        const now = clock.now();
        await insertLoginCode(db, { hash: hashCode(code), userId: person.userId, providerId: provider.id, expiresAt: new Date(now + CODE_TTL_MS), createdAt: new Date(now) });
        await settle({ ok: true, provider, userId: person.userId }, req);
        return { location: `${DASHBOARD_LOGIN}#sso_code=${code}`, setCookie: clearedAttemptCookie(secure) };
      } catch (e) {
        let err: AppError;
        try {
          err = signInError(e);
        } catch {
          await settle({ ok: false, provider, code: 'INTERNAL', reason: 'unexpected error' }, req);
          throw e; // a fault of ours: 500, logged and reported like any other
        }
        await settle({ ok: false, provider, code: err.code, reason: err.message }, req);
        return errorRedirect(err.code, secure);
      }
    },

    /** POST …/exchange: the one-time code, used up, for a session (the password sign-in's answer). */
    async exchange(code: string, req: AuditRequest = NO_REQUEST): Promise<SsoSession> {
      const row = await takeLoginCode(db, hashCode(code), new Date(clock.now()));
      if (!row) throw new AppError('SSO_CODE_INVALID');
      return o.ports.signIn(row.userId, req);
    },
  };
}

export type SsoSignIn = ReturnType<typeof createSignIn>;
