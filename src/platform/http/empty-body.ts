/**
 * A POST/PATCH/PUT sent with no body at all (no content-type, no bytes) is treated as `{}`, so
 * endpoints whose body members are all optional (logout, create key, rotate) accept a bare
 * request, and endpoints with required members say which member is missing.
 */
import type { App } from './types.js';

export function registerEmptyBody(app: App) {
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.body === undefined && (req.method === 'POST' || req.method === 'PATCH' || req.method === 'PUT')) {
      req.body = {};
    }
    done();
  });
}
