/** `/health`: the process is alive. `/ready`: database, Redis and blob storage answer. `/metrics`: Prometheus. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { App } from './types.js';
import type { Metrics } from '../observability/metrics.js';

export type ReadinessCheck = { name: string; check: () => Promise<void> };

const CheckResult = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('fail')]), latency_ms: Type.Number(), error: Type.Optional(Type.String()) });

declare module 'fastify' {
  interface FastifyContextConfig {
    /** @fastify/under-pressure's per-route handler; returning nothing lets the request through. */
    pressureHandler?: (request: FastifyRequest, reply: FastifyReply) => void;
  }
}

/**
 * Liveness and metrics answer even while load is shed: a liveness probe refused under load gets a
 * busy but healthy process restarted (making the overload worse), and metrics are how the overload
 * is seen. Readiness is shed like any route, which takes the node out of rotation.
 */
const notShed = () => undefined;

export function healthRoutes(app: App, { checks, metrics, version }: { checks: ReadinessCheck[]; metrics: Metrics; version: string }) {
  const config = { auth: 'none' as const, rateLimit: false as const };
  app.get(
    '/health',
    { config: { ...config, pressureHandler: notShed }, logLevel: 'warn', schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) } } },
    async () => ({ status: 'ok' as const, version }),
  );

  app.get(
    '/ready',
    {
      config,
      logLevel: 'warn',
      schema: {
        tags: ['operations'],
        summary: 'Readiness: every dependency reachable',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), checks: Type.Record(Type.String(), CheckResult) }),
          503: Type.Object({ status: Type.Literal('not_ready'), checks: Type.Record(Type.String(), CheckResult) }),
        },
      },
    },
    async (_req, reply) => {
      const results = await Promise.all(
        checks.map(async (c) => {
          const t0 = performance.now();
          try {
            await Promise.race([c.check(), new Promise((_, rej) => setTimeout(() => rej(new Error('timed out after 2 s')), 2_000).unref())]);
            const ms = performance.now() - t0;
            if (c.name === 'database') metrics.dbQueryDuration.observe(ms / 1000);
            return [c.name, { status: 'ok' as const, latency_ms: Math.round(ms * 100) / 100 }] as const;
          } catch (e) {
            return [c.name, { status: 'fail' as const, latency_ms: Math.round(performance.now() - t0), error: (e as Error).message.slice(0, 200) }] as const;
          }
        }),
      );
      const ok = results.every(([, r]) => r.status === 'ok');
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks: Object.fromEntries(results) } as never);
    },
  );

  app.get('/metrics', { config: { ...config, pressureHandler: notShed }, logLevel: 'warn', schema: { hide: true } }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
