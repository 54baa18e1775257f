import type { FastifyRequest } from 'fastify';
import { keyPrincipal } from '../../../platform/http/principal.js';
import type { Config } from '../../../config.js';
import { widgetSessionOf, type Caller } from '../service.js';

export function callerOf(req: FastifyRequest, _config: Config): Caller {
  const principal = keyPrincipal(req.principal);
  const header = req.headers['probador-session'];
  return {
    principal,
    widgetSession: widgetSessionOf(principal, Array.isArray(header) ? header[0] : header),
    // PUBLIC_URL or the listen address, never the request's Host (platform/http/link-base.ts).
    baseUrl: req.server.linkBase(),
  };
}

/** JSON bodies may carry a data URL: base64 of the largest upload, plus room for the rest. */
export const uploadBodyLimit = (config: Config) => Math.ceil(config.images.maxBytes * 1.37 * 4) + 256 * 1024;
