/** Sign-in for operators and tenant users: login, refresh (rotating), logout, password change. */
import Type from 'typebox';
import { problemResponses } from '../../../../contracts/common.js';
import { LoginBody, LoginResponse, LogoutBody, PasswordBody, RefreshBody, TokenPair } from '../../../../contracts/auth.js';
import { AppError } from '../../../platform/errors.js';
import { userPrincipal } from '../../../platform/http/principal.js';
import { auditRequestOf } from '../../../platform/audit/index.js';
import type { RateLimiter } from '../../../platform/ratelimit/limiter.js';
import type { App } from '../../../platform/http/types.js';
import type { UsersService } from '../users-service.js';
import { presentUser } from '../users-service.js';
import { bearer } from '../auth-hook.js';

const tags = ['auth'];

export function authRoutes(app: App, { users, limiter }: { users: UsersService; limiter: RateLimiter }) {
  app.post(
    '/admin/v1/auth/login',
    { schema: { tags, summary: 'Sign in with email and password', body: LoginBody, response: { 200: LoginResponse, ...problemResponses(400, 401, 429) } } },
    async (req) => {
      // Slow down password guessing: 10 tries a minute per address and email.
      const d = await limiter.consume(`login:${req.ip}:${req.body.email.toLowerCase()}`, 10, 60);
      if (!d.allowed) throw new AppError('RATE_LIMITED', 'Too many sign-in attempts; wait a minute.', { headers: { 'retry-after': String(Math.ceil(d.resetMs / 1000)) } });
      return users.login(req.body.email, req.body.password, auditRequestOf(req));
    },
  );

  app.post(
    '/admin/v1/auth/refresh',
    { schema: { tags, summary: 'Exchange a refresh token for new tokens (the old one is used up)', body: RefreshBody, response: { 200: TokenPair, ...problemResponses(400, 401) } } },
    async (req) => users.refresh(req.body.refresh_token),
  );

  app.post(
    '/admin/v1/auth/logout',
    {
      schema: {
        tags,
        summary: 'End the session of a refresh token and/or of the bearer access token',
        body: Type.Optional(LogoutBody),
        response: { 204: Type.Null(), ...problemResponses(400, 401) },
      },
    },
    async (req, reply) => {
      const token = bearer(req);
      const sessionId = token ? (await users.verifyAccessToken(token).catch(() => undefined))?.sessionId : undefined;
      if (!sessionId && !req.body?.refresh_token) throw new AppError('UNAUTHENTICATED', 'Send the refresh token in the body or the access token as a Bearer token.');
      await users.logout({ refreshToken: req.body?.refresh_token, sessionId });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/admin/v1/auth/password',
    {
      config: { auth: 'user' },
      schema: { tags, summary: 'Change your password (ends your other sessions)', body: PasswordBody, response: { 200: TokenPair, ...problemResponses(400, 401, 422) } },
    },
    async (req) => users.changePassword(userPrincipal(req.principal).userId, req.body.current_password, req.body.new_password, auditRequestOf(req)),
  );

  app.get(
    '/admin/v1/auth/me',
    { config: { auth: 'user' }, schema: { tags, summary: 'The signed-in person', response: { 200: Type.Ref('User'), ...problemResponses(401) } } },
    async (req) => presentUser(await users.getUser(userPrincipal(req.principal).userId)),
  );
}
