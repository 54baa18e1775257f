/**
 * End users sign up, sign in and reset their password with the tenant's key (`auth: 'key'`: a
 * secret key, or a publishable key from one of the tenant's origins): the key names the tenant.
 */
import Type from 'typebox';
import { problemResponses } from '../../../../contracts/common.js';
import { TokenPair } from '../../../../contracts/auth.js';
import { EndUserLoginBody, EndUserRefreshBody, EndUserSession, RegisterBody, ResetAccepted, ResetConfirmBody, ResetRequestBody } from '../../../../contracts/accounts.js';
import { AppError } from '../../../platform/errors.js';
import { keyPrincipal, type KeyPrincipal } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import type { AccountsService } from '../service.js';

const tags = ['end users'];
/** Tokens are never kept in the idempotency table: a replay shows "[shown once]" in their place. */
const withTokens = { auth: 'key' as const, secretFields: ['access_token', 'refresh_token'] };

/** A reset page must be a plain http(s) URL; a browser's (publishable key) must be on its own origin. */
function checkResetUrl(p: KeyPrincipal, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const bad = (why: string) => new AppError('VALIDATION_FAILED', `reset_url ${why}.`, { extra: { errors: [{ in: 'body', path: '/reset_url', message: why }] } });
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw bad('is not a URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad('must be http(s)');
  if (u.username || u.password) throw bad('must not carry credentials');
  if (p.keyKind === 'publishable' && u.origin.toLowerCase() !== p.origin?.toLowerCase()) throw bad("must be on the calling page's origin");
  return u.toString();
}

export function accountAuthRoutes(app: App, { accounts }: { accounts: AccountsService }) {
  app.post(
    '/v1/auth/register',
    {
      config: withTokens,
      schema: { tags, summary: "Create an end user of the key's store and sign them in", body: RegisterBody, response: { 201: EndUserSession, ...problemResponses(400, 401, 403, 409, 422, 429) } },
    },
    async (req, reply) => reply.code(201).send(await accounts.register(keyPrincipal(req.principal).tenantId, req.body, req.ip)),
  );

  app.post(
    '/v1/auth/login',
    {
      config: withTokens,
      schema: { tags, summary: 'Sign an end user in with email and password', body: EndUserLoginBody, response: { 200: EndUserSession, ...problemResponses(400, 401, 403, 429) } },
    },
    async (req) => accounts.login(keyPrincipal(req.principal).tenantId, req.body.email, req.body.password, req.ip),
  );

  app.post(
    '/v1/auth/refresh',
    {
      config: withTokens,
      schema: {
        tags,
        summary: 'Exchange a refresh token for new tokens (single use: presenting it twice ends the session)',
        body: EndUserRefreshBody,
        response: { 200: TokenPair, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => accounts.refresh(keyPrincipal(req.principal).tenantId, req.body.refresh_token),
  );

  app.post(
    '/v1/auth/logout',
    {
      config: { auth: 'key' },
      schema: { tags, summary: 'End the session of a refresh token', body: EndUserRefreshBody, response: { 204: Type.Null(), ...problemResponses(400, 401, 403) } },
    },
    async (req, reply) => {
      await accounts.logout(keyPrincipal(req.principal).tenantId, req.body.refresh_token);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/auth/password-reset',
    {
      config: { auth: 'key' },
      schema: {
        tags,
        summary: 'Mail a one-time reset link (the same answer whether or not the email has an account)',
        body: ResetRequestBody,
        response: { 202: ResetAccepted, ...problemResponses(400, 401, 403, 429, 503) },
      },
    },
    async (req, reply) => {
      const p = keyPrincipal(req.principal);
      await accounts.requestPasswordReset(p.tenantId, req.body.email, checkResetUrl(p, req.body.reset_url), req.ip);
      return reply.code(202).send({ object: 'password_reset', status: 'sent_if_known' });
    },
  );

  app.post(
    '/v1/auth/password-reset/confirm',
    {
      config: { auth: 'key' },
      schema: { tags, summary: 'Set a new password with the token from the reset mail (once; every session ends)', body: ResetConfirmBody, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 422) } },
    },
    async (req, reply) => {
      await accounts.confirmPasswordReset(keyPrincipal(req.principal).tenantId, req.body.token, req.body.new_password);
      return reply.code(204).send(null);
    },
  );
}
