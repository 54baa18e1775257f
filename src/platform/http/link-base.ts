/**
 * The base URL of links the server hands out (signed `/v1/files/<token>` links to photos and
 * results). Never the request's `Host` (or `X-Forwarded-Host`): a client could make the server
 * sign links to a host of its choosing and hand them to someone else. `PUBLIC_URL` when set;
 * otherwise the address the server listens on (`HOST`, with `0.0.0.0` / `::` written as
 * `localhost`, and the port actually bound). A deployment behind a proxy or on a public name sets
 * `PUBLIC_URL` — the server warns at start when it is missing there (config.ts `publicUrlWarning`).
 */
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** Base URL for links in responses (no trailing slash). */
    linkBase(): string;
  }
}

export type LinkBaseConfig = { publicUrl: string | undefined; host: string; port: number };

export function listenBase(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

export function registerLinkBase(app: FastifyInstance, cfg: LinkBaseConfig) {
  let bound: string | undefined;
  app.decorate('linkBase', function linkBase(): string {
    if (cfg.publicUrl) return cfg.publicUrl;
    if (bound) return bound;
    const addr = app.server.address();
    // Not listening (tests use inject): the configured port.
    if (!addr || typeof addr !== 'object') return listenBase(cfg.host, cfg.port);
    bound = listenBase(cfg.host, addr.port);
    return bound;
  });
}
