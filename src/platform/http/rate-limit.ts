/**
 * Rate limits, applied after authentication: per key and per tenant for API keys (limits from the
 * tier or the tenant's override), per person for signed-in users, per address otherwise.
 * Headers follow the IETF RateLimit draft; a refusal is 429 with Retry-After.
 */
import { AppError } from '../errors.js';
import type { FastifyReply } from 'fastify';
import type { RateCheck, RateDecision, RateLimiter } from '../ratelimit/limiter.js';
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

type ScopedCheck = RateCheck & { scope: string };

export function registerRateLimit(app: App, { limiter, metrics }: { limiter: RateLimiter; metrics: Metrics }) {
  const decide = (reply: FastifyReply, checks: readonly ScopedCheck[], decisions: RateDecision[]) => {
    // Report the tightest limit.
    let worst: RateDecision = decisions[0]!;
    let worstIdx = 0;
    for (let i = 1; i < decisions.length; i++) {
      const d = decisions[i]!;
      if ((!d.allowed && worst.allowed) || (d.allowed === worst.allowed && d.remaining < worst.remaining)) {
        worst = d;
        worstIdx = i;
      }
    }
    const resetS = Math.max(1, Math.ceil(worst.resetMs / 1000));
    reply.header('ratelimit-limit', String(worst.limit));
    // toFixed, not String(): V8 keeps number-to-string results in a cache sized by the young
    // generation (~4,000 entries here), so a count that differs on every request would leave each of
    // its strings there long enough to be promoted: half of what an API node promoted to the old
    // generation under load (bench/RESULTS.md, session 10). toFixed(0) builds a string outside that cache.
    reply.header('ratelimit-remaining', Math.max(0, worst.remaining).toFixed(0));
    reply.header('ratelimit-reset', String(resetS));
    reply.header('ratelimit-policy', `${worst.limit};w=${WINDOW_S}`);
    if (!worst.allowed) {
      const scope = checks[worstIdx]!.scope;
      metrics.rateLimitHits.inc({ scope });
      return new AppError('RATE_LIMITED', `Rate limit of ${worst.limit} requests per minute per ${scope} reached; retry in ${resetS} s.`, {
        headers: { 'retry-after': String(resetS) },
        extra: { scope },
      });
    }
    return undefined;
  };

  const keyChecks = new WeakMap<object, ScopedCheck[]>();

  // Callback-style: with the memory store the whole check is synchronous; with Redis it is one
  // round trip (the checks' commands leave in one write).
  app.addHook('onRequest', (req, reply, done) => {
    if (req.method === 'OPTIONS' || req.routeOptions.config?.rateLimit === false) return done();
    const p = req.principal;
    let checks: ScopedCheck[];
    if (p?.kind === 'api_key') {
      // A secret key's principal is one shared (frozen) object per cached key: so are its checks.
      const shared = Object.isFrozen(p);
      let c = shared ? keyChecks.get(p) : undefined;
      if (c === undefined) {
        c = [
          { scope: 'key', key: `k:${p.keyId}`, limit: p.limits.perKey, windowS: WINDOW_S, reused: true },
          { scope: 'tenant', key: `t:${p.tenantId}`, limit: p.limits.perTenant, windowS: WINDOW_S, reused: true },
        ];
        if (shared) keyChecks.set(p, c);
      }
      checks = c;
    } else if (p?.kind === 'end_user') {
      // Per end user; a key sent along also counts against its own and its tenant's budget.
      checks = [{ scope: 'user', key: `e:${p.userId}`, limit: USER_PER_MINUTE, windowS: WINDOW_S }];
      if (p.key) {
        checks.push(
          { scope: 'key', key: `k:${p.key.keyId}`, limit: p.key.limits.perKey, windowS: WINDOW_S },
          { scope: 'tenant', key: `t:${p.tenantId}`, limit: p.key.limits.perTenant, windowS: WINDOW_S },
        );
      }
    } else if (p?.kind === 'user') {
      checks = [{ scope: 'user', key: `u:${p.userId}`, limit: USER_PER_MINUTE, windowS: WINDOW_S }];
    } else {
      checks = [{ scope: 'ip', key: `ip:${req.ip}`, limit: ANONYMOUS_PER_MINUTE, windowS: WINDOW_S }];
    }
    let result: RateDecision[] | Promise<RateDecision[]>;
    try {
      result = limiter.consumeAll(checks);
    } catch (e) {
      return done(e as Error);
    }
    if (result instanceof Promise) {
      result.then(
        (decisions) => done(decide(reply, checks, decisions)),
        (e: unknown) => done(e as Error),
      );
      return;
    }
    done(decide(reply, checks, result));
  });
}
