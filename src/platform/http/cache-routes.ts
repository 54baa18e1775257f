/**
 * Operators' endpoints for the platform cache (operator JWT only):
 *   GET  /admin/v1/cache                          namespaces with their figures
 *   GET  /admin/v1/cache/health                   a write-read-delete round trip (200 ok, 503 fail)
 *   POST /admin/v1/cache/:namespace/invalidate    { key } | { prefix } | {} (the whole namespace)
 */
import Type from 'typebox';
import { problemResponses } from '../../../contracts/common.js';
import { CacheHealth, CacheInvalidateBody, CacheInvalidation, CacheList } from '../../../contracts/cache.js';
import { AppError } from '../errors.js';
import type { Caches } from '../cache/cache.js';
import type { App } from './types.js';

const tags = ['operations'];

export function cacheRoutes(app: App, { caches }: { caches: Caches }) {
  app.get(
    '/admin/v1/cache',
    { config: { auth: 'operator' }, schema: { tags, summary: 'Cache namespaces and their figures', response: { 200: CacheList, ...problemResponses(401, 403) } } },
    async () => ({ object: 'list' as const, driver: caches.driver, node: caches.node, data: await Promise.all(caches.list().map((c) => c.figures())) }),
  );

  app.get(
    '/admin/v1/cache/health',
    { config: { auth: 'operator' }, schema: { tags, summary: 'Cache health: a write, read and delete round trip', response: { 200: CacheHealth, 503: CacheHealth, ...problemResponses(401, 403) } } },
    async (_req, reply) => {
      const t0 = performance.now();
      try {
        await caches.ping();
        return { status: 'ok' as const, driver: caches.driver, latency_ms: Math.round((performance.now() - t0) * 100) / 100 };
      } catch (e) {
        return reply.code(503).send({ status: 'fail', driver: caches.driver, latency_ms: Math.round(performance.now() - t0), error: (e as Error).message.slice(0, 200) });
      }
    },
  );

  app.post(
    '/admin/v1/cache/:namespace/invalidate',
    {
      config: { auth: 'operator' },
      schema: {
        tags,
        summary: 'Drop one key, the keys under a prefix, or the whole namespace (on every node)',
        params: Type.Object({ namespace: Type.String({ maxLength: 64 }) }),
        body: Type.Optional(CacheInvalidateBody),
        response: { 200: CacheInvalidation, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const cache = caches.get(req.params.namespace);
      if (!cache) throw new AppError('CACHE_NAMESPACE_NOT_FOUND', `There is no cache namespace "${req.params.namespace}".`);
      const { key, prefix } = req.body ?? {};
      if (key !== undefined && prefix !== undefined) throw new AppError('VALIDATION_FAILED', 'Give a key or a prefix, not both.');
      const removed = await cache.invalidate({ key, prefix });
      return { object: 'cache_invalidation' as const, namespace: cache.namespace, scope: key !== undefined ? ('key' as const) : prefix !== undefined ? ('prefix' as const) : ('namespace' as const), removed };
    },
  );
}
