/** OpenAPI 3.1 generated from the route schemas, served at /openapi.json, with a reference UI at /docs. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { App } from './types.js';

export async function registerOpenApi(app: App, { version, publicUrl }: { version: string; publicUrl?: string | undefined }) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Probador API',
        version,
        description:
          'Try-on, style analysis and conversational commerce for fashion stores. ' +
          'Store servers authenticate with a secret key (`Authorization: Bearer sk_…`); the browser widget with a publishable key (`pk_…`) from an allowed origin. ' +
          'Operators and store users sign in at `/admin/v1/auth/login` and send the access token as a Bearer token. ' +
          "A store's end users sign in at `/v1/auth/login` (with the store's key) and send their access token as a Bearer token, alone or with the key in `x-api-key`; " +
          'a widget sends the publishable key as the Bearer token and the user\'s token in `probador-user-token`. Errors are `application/problem+json`.',
      },
      servers: publicUrl ? [{ url: publicUrl }] : [],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A secret (sk_…) or publishable (pk_…) API key' },
          session: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from /admin/v1/auth/login' },
          endUser: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "An end user's access token from /v1/auth/login or /v1/auth/register" },
          endUserToken: { type: 'apiKey', in: 'header', name: 'probador-user-token', description: "An end user's access token, beside the store's key in Authorization" },
          xApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'A secret or publishable API key' },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const auth = (route.config as { auth?: string } | undefined)?.auth ?? 'none';
      // `tenant`: a secret key, or a signed-in person's access token (either one).
      const security =
        auth === 'secret' || auth === 'key'
          ? [{ apiKey: [] }]
          : auth === 'user' || auth === 'operator'
            ? [{ session: [] }]
            : auth === 'tenant'
              ? [{ apiKey: [] }, { session: [] }]
              : auth === 'end_user'
                ? [{ endUser: [] }, { endUser: [], xApiKey: [] }, { apiKey: [], endUserToken: [] }]
                : auth === 'key_or_end_user'
                  ? [{ apiKey: [] }, { endUser: [] }, { apiKey: [], endUserToken: [] }]
                  : undefined;
      return { schema: security ? { ...schema, security } : schema, url } as never;
    },
  });
  app.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { deepLinking: true, docExpansion: 'list' } });
}
