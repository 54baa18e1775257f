/**
 * Rate limits, applied after authentication: per key and per tenant for API keys (limits from the
 * tier or the tenant's override), per person for signed-in users, per address otherwise.
 * Headers follow the IETF RateLimit draft; a refusal is 429 with Retry-After.
 */
import { AppError } from '../errors.js';
import type { RateDecision, RateLimiter } from '../ratelimit/limiter.js';
import type { Metrics } from '../observability/metrics.js';
import type { App } from './types.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: not rate limited (health probes). */
    rateLimit?: false;
  }
}

const WINDOW_S = 60;
export const ANONYMOUS_PER_MINUTE = 600;
export const USER_PER_MINUTE = 1200;

export function registerRateLimit(app: App, { limiter, metrics }: { limiter: RateLimiter; metrics: Metrics }) {
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.config?.rateLimit === false || req.method === 'OPTIONS') return;
    const p = req.principal;
    let checks: { scope: string; key: string; limit: number }[];
    if (p?.kind === 'api_key') {
      checks = [
        { scope: 'key', key: `k:${p.keyId}`, limit: p.limits.perKey },
        { scope: 'tenant', key: `t:${p.tenantId}`, limit: p.limits.perTenant },
      ];
    } else if (p?.kind === 'user') {
      checks = [{ scope: 'user', key: `u:${p.userId}`, limit: USER_PER_MINUTE }];
    } else {
      checks = [{ scope: 'ip', key: `ip:${req.ip}`, limit: ANONYMOUS_PER_MINUTE }];
    }
    const decisions = await Promise.all(checks.map((c) => limiter.consume(c.key, c.limit, WINDOW_S)));
    // Report the tightest limit.
    let worst: RateDecision = decisions[0]!;
    let worstIdx = 0;
    decisions.forEach((d, i) => {
      if (!d.allowed && worst.allowed) {
        worst = d;
        worstIdx = i;
      } else if (d.allowed === worst.allowed && d.remaining < worst.remaining) {
        worst = d;
        worstIdx = i;
      }
    });
    const resetS = Math.max(1, Math.ceil(worst.resetMs / 1000));
    reply.headers({
      'ratelimit-limit': String(worst.limit),
      'ratelimit-remaining': String(Math.max(0, worst.remaining)),
      'ratelimit-reset': String(resetS),
      'ratelimit-policy': `${worst.limit};w=${WINDOW_S}`,
    });
    if (!worst.allowed) {
      const scope = checks[worstIdx]!.scope;
      metrics.rateLimitHits.inc({ scope });
      throw new AppError('RATE_LIMITED', `Rate limit of ${worst.limit} requests per minute per ${scope} reached; retry in ${resetS} s.`, {
        headers: { 'retry-after': String(resetS) },
        extra: { scope },
      });
    }
  });
}
