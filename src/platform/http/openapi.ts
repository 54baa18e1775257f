/**
 * OpenAPI 3.1 generated from the route schemas, served at /openapi.json, with two reference UIs:
 * Swagger UI at /docs and ReDoc at /redoc. Both are served from this server (no CDN), so they work
 * offline: ReDoc's standalone bundle comes from the installed `redoc` package, read once.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { App } from './types.js';
import { completeDocument, tagForPath, type RouteFacts } from './openapi-document.js';

/** The security requirement of a route's `config.auth` (alternatives: any one of them). */
function securityFor(auth: string): Record<string, string[]>[] {
  switch (auth) {
    case 'secret':
    case 'key':
      return [{ apiKey: [] }];
    case 'user':
    case 'operator':
      return [{ session: [] }];
    // `tenant`: a secret key, or a signed-in person's access token (either one).
    case 'tenant':
      return [{ apiKey: [] }, { session: [] }];
    // An end user's access token as the Bearer (alone, or with the key in x-api-key), or the key as the Bearer with the token beside it.
    case 'end_user':
      return [{ endUser: [] }, { endUser: [], xApiKey: [] }, { apiKey: [], endUserToken: [] }];
    // The store's key, or a signed-in end user (their token alone, or beside the key).
    case 'key_or_end_user':
      return [{ apiKey: [] }, { endUser: [] }, { apiKey: [], endUserToken: [] }];
    default:
      return [];
  }
}

const COMPONENT_NAME = /^[A-Za-z0-9._-]+$/;

export async function registerOpenApi(app: App, { version, publicUrl }: { version: string; publicUrl?: string | undefined }) {
  // Per operation (`get /v1/tryons/{tryon_id}`), what the document cannot say by itself.
  const facts = new Map<string, RouteFacts>();
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Probador API',
        version,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
        description:
          'Try-on, style analysis and conversational commerce for fashion stores. ' +
          'Store servers authenticate with a secret key (`Authorization: Bearer sk_…`); the browser widget with a publishable key (`pk_…`) from an allowed origin. ' +
          'Operators and store users sign in at `/admin/v1/auth/login` and send the access token as a Bearer token. ' +
          "A store's end users sign in at `/v1/auth/login` (with the store's key) and send their access token as a Bearer token, alone or with the key in `x-api-key`; " +
          'a widget sends the publishable key as the Bearer token and the user\'s token in `probador-user-token`. Errors are `application/problem+json`. ' +
          'A typed client: `@probador/sdk` (packages/sdk).',
      },
      // The configured public address, else this server itself (a relative URL: where the document was read).
      servers: [publicUrl ? { url: publicUrl } : { url: '/', description: 'This server (PUBLIC_URL is not set)' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A secret (sk_…) or publishable (pk_…) API key; `x-api-key` is also accepted' },
          session: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from /admin/v1/auth/login' },
          // The end users' schemes (the accounts module); a scheme no route uses is left out of the document.
          endUser: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "An end user's access token from /v1/auth/login or /v1/auth/register" },
          endUserToken: { type: 'apiKey', in: 'header', name: 'probador-user-token', description: "An end user's access token, beside the store's key in Authorization" },
          xApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'A secret or publishable API key' },
        },
      },
    },
    // Components named by their schema's $id (`Tryon`, `Problem`), not `def-N`: the SDK's types read them.
    refResolver: {
      buildLocalReference(json, _baseUri, _fragment, i) {
        const id = typeof json.$id === 'string' ? json.$id : undefined;
        if (!json.title && id) json.title = id;
        return id && COMPONENT_NAME.test(id) ? id : `def-${i}`;
      },
    },
    transform: ({ schema, url, route }) => {
      const config = (route.config ?? {}) as { auth?: string; rateLimit?: false };
      const s = (schema ?? {}) as { tags?: string[]; produces?: string[] };
      const path = url.replace(/:(\w+)/g, '{$1}');
      for (const m of [route.method].flat()) facts.set(`${String(m).toLowerCase()} ${path}`, { rateLimited: config.rateLimit !== false, ...(s.produces ? { produces: s.produces } : {}) });
      return { schema: { ...schema, security: securityFor(config.auth ?? 'none'), tags: s.tags?.length ? s.tags : [tagForPath(url)] }, url } as never;
    },
    transformObject: (documents) => completeDocument((documents as { openapiObject: Record<string, unknown> }).openapiObject, (method, path) => facts.get(`${method} ${path}`)) as never,
  });
  app.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { deepLinking: true, docExpansion: 'list' } });
  registerRedoc(app);
}

/** ReDoc's page: its own CSP (scripts from here only; ReDoc's inline styles and its search worker made from a blob). */
const REDOC_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

export const REDOC_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Probador API — ReDoc</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<noscript>ReDoc needs JavaScript. The OpenAPI document itself is at <a href="/openapi.json">/openapi.json</a>; Swagger UI at <a href="/docs">/docs</a>.</noscript>
<script src="/redoc/redoc.standalone.js"></script>
</body>
</html>
`;

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

type Bundle = { raw: Buffer; gzip: Buffer; br: Buffer };

/** The 1.1 MB bundle, compressed once (brotli 9, gzip 9, off the event loop), instead of on every request. */
async function loadBundle(path: string): Promise<Bundle> {
  const raw = await readFile(path);
  const [gzip, br] = await Promise.all([
    gzipAsync(raw, { level: 9 }),
    brotliAsync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
  ]);
  return { raw, gzip, br };
}

function registerRedoc(app: App) {
  const require = createRequire(import.meta.url);
  let bundle: Promise<Bundle> | undefined;
  // Read on first use, then kept; a failed read is tried again next time.
  const readBundle = () =>
    (bundle ??= loadBundle(require.resolve('redoc/bundles/redoc.standalone.js')).catch((e: unknown) => {
      bundle = undefined;
      throw e;
    }));
  app.get('/redoc', { config: { auth: 'none' }, schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', REDOC_CSP).header('cache-control', 'no-cache').send(REDOC_PAGE),
  );
  app.get('/redoc/redoc.standalone.js', { config: { auth: 'none' }, schema: { hide: true } }, async (req, reply) => {
    const b = await readBundle();
    const accept = String(req.headers['accept-encoding'] ?? '');
    reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').header('vary', 'Accept-Encoding');
    // Sent with its Content-Encoding: the compression hook leaves an encoded answer alone.
    if (/\bbr\b/.test(accept)) return reply.header('content-encoding', 'br').send(b.br);
    if (/\bgzip\b/.test(accept)) return reply.header('content-encoding', 'gzip').send(b.gzip);
    return reply.send(b.raw);
  });
}
