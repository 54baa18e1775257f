/**
 * Web assets: the embeddable widget, versioned, and the demo store.
 *   /widget/widget.<hash>.js   immutable (a year), for pages that pin a build with SRI
 *   /widget/v1/widget.js       the current v1 build, cached 5 minutes, revalidated by ETag
 *   /widget/manifest.json      { file, alias, integrity, bytes, … } for tooling and store admins
 *   /demo …                    the demo store (demo.ts)
 * Bundles are served pre-compressed (brotli or gzip by Accept-Encoding).
 */
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/types.js';
import type { Logger } from 'pino';
import { AppError } from '../../platform/errors.js';
import { demoRoutes } from './demo.js';
import { projectRoot } from '../../platform/paths.js';
import { loadWidget, type WidgetAsset } from './widget-asset.js';

export type { WidgetAsset } from './widget-asset.js';

export const WIDGET_ALIAS = '/widget/v1/widget.js';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=300, stale-while-revalidate=60';

export type WebModuleOptions = {
  /** The demo tenant's publishable key, if it is seeded. */
  demoKey: () => Promise<string | undefined>;
  /** Bundle path (tests may point at another build). */
  widgetFile?: string;
};

export function createWebModule(deps: { log: Logger }, opts: WebModuleOptions) {
  const root = projectRoot();
  const widget: WidgetAsset | undefined = loadWidget(opts.widgetFile);
  if (widget) deps.log.info({ widget: { file: `/widget/widget.${widget.hash}.js`, alias: WIDGET_ALIAS, integrity: widget.integrity, bytes: widget.raw.length, gzip_bytes: widget.gzip.length } }, 'widget bundle loaded');
  else deps.log.warn('widget bundle missing (packages/widget/dist/widget.js): run `npm run build:widget`');

  let demoKey: { value: string | undefined; at: number } | undefined;
  const cachedDemoKey = async () => {
    if (!demoKey || Date.now() - demoKey.at > 10_000) demoKey = { value: await opts.demoKey(), at: Date.now() };
    return demoKey.value;
  };

  function sendWidget(req: FastifyRequest, reply: FastifyReply, w: WidgetAsset, cacheControl: string) {
    reply.headers({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': cacheControl,
      etag: w.etag,
      vary: 'Accept-Encoding',
      // A public file: any page may load it with integrity + crossorigin="anonymous".
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
    });
    const inm = req.headers['if-none-match'];
    if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === w.etag)) return reply.code(304).send();
    const accept = String(req.headers['accept-encoding'] ?? '');
    if (/\bbr\b/.test(accept)) return reply.header('content-encoding', 'br').send(w.br);
    if (/\bgzip\b/.test(accept)) return reply.header('content-encoding', 'gzip').send(w.gzip);
    return reply.send(w.raw);
  }

  const need = () => {
    if (!widget) throw new AppError('NOT_FOUND', 'The widget is not built on this server (npm run build:widget).');
    return widget;
  };

  return {
    widget,
    /** Where the current bundle is served and its SRI value (printed at start). */
    describe: () => (widget ? { file: `/widget/widget.${widget.hash}.js`, alias: WIDGET_ALIAS, integrity: widget.integrity } : undefined),
    registerRoutes(app: App) {
      const hidden = { config: { auth: 'none' as const }, schema: { hide: true } };
      app.get(WIDGET_ALIAS, hidden, async (req, reply) => sendWidget(req, reply, need(), SHORT));
      app.get('/widget/:file', hidden, async (req, reply) => {
        const file = (req.params as { file: string }).file;
        const w = need();
        if (file === 'manifest.json') {
          return reply.header('cache-control', 'no-cache').header('access-control-allow-origin', '*').send({
            object: 'widget_manifest',
            version: '1',
            file: `/widget/widget.${w.hash}.js`,
            alias: WIDGET_ALIAS,
            integrity: w.integrity,
            bytes: w.raw.length,
            gzip_bytes: w.gzip.length,
            brotli_bytes: w.br.length,
          });
        }
        const m = /^widget\.([0-9a-f]{10})\.js$/.exec(file);
        // Only the current build is served under a hashed name: an immutable URL never changes content.
        if (!m || m[1] !== w.hash) throw new AppError('NOT_FOUND', `No widget file ${file}; the current one is /widget/widget.${w.hash}.js.`);
        return sendWidget(req, reply, w, IMMUTABLE);
      });
      demoRoutes(app, { dir: join(root, 'web', 'demo'), widget: () => widget, demoKey: cachedDemoKey });
    },
  };
}
export type WebModule = ReturnType<typeof createWebModule>;
