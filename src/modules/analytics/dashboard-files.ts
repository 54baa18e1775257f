/**
 * The dashboard (web/dashboard, built by Vite to web/dashboard/dist) at `/dashboard`: hashed
 * assets cached for a year, index.html never cached, any other path answers index.html (the app
 * routes in the browser). No inline scripts, so helmet's CSP (`script-src 'self'`) holds.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { projectRoot } from '../../platform/paths.js';
import { AppError } from '../../platform/errors.js';
import type { App } from '../../platform/http/types.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export const dashboardDist = () => join(projectRoot(), 'web', 'dashboard', 'dist');

export function dashboardRoutes(app: App, dist = dashboardDist()) {
  const file = (rel: string): { body: Buffer; type: string } | undefined => {
    const path = normalize(join(dist, rel));
    if (!path.startsWith(dist + sep)) return undefined;
    if (!existsSync(path) || !statSync(path).isFile()) return undefined;
    return { body: readFileSync(path), type: TYPES[extname(path)] ?? 'application/octet-stream' };
  };
  const index = () => {
    const f = file('index.html');
    if (!f) throw new AppError('NOT_FOUND', 'The dashboard is not built: run `npm run build:dashboard`.');
    return f;
  };

  app.get('/dashboard', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/dashboard/', 302));
  app.get('/dashboard/*', { schema: { hide: true } }, async (req, reply) => {
    const rel = decodeURIComponent((req.params as { '*': string })['*'] ?? '');
    const asset = rel.startsWith('assets/') ? file(rel) : undefined;
    if (rel.startsWith('assets/') && !asset) throw new AppError('NOT_FOUND', 'No such dashboard file.');
    if (asset) return reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body);
    const other = rel && rel !== 'index.html' ? file(rel) : undefined;
    if (other) return reply.type(other.type).header('cache-control', 'public, max-age=300').send(other.body);
    const f = index();
    return reply.type(f.type).header('cache-control', 'no-cache').send(f.body);
  });
}
