/**
 * What both baselines share: the key table (SHA-256 of the key -> the tenant, key and limits
 * rows, as Probador caches them) and the GET /v1/me body built from one entry per request,
 * field for field the shape of contracts/tenants.ts `Me`.
 */
import { createHash } from 'node:crypto';

export const sha256 = (s) => createHash('sha256').update(s).digest('hex');

/** key: the valid secret key; meJson: the /v1/me body Probador answered for it. */
export function buildKeyMap(key, meJson) {
  if (!key || !meJson) throw new Error('BENCH_KEY and BENCH_ME are required');
  const me = JSON.parse(meJson);
  const entry = {
    tenant: { ...me.tenant },
    key: { ...me.key, expiresAt: me.key.expires_at ? new Date(me.key.expires_at) : null },
    limits: {
      perKey: me.limits.requests_per_minute_per_key,
      perTenant: me.limits.requests_per_minute_per_tenant,
      monthlyGenerations: me.limits.monthly_generations,
    },
    generations: me.usage.generations,
  };
  return new Map([[sha256(key), entry]]);
}

const BEARER = /^Bearer\s+(\S+)/i;

/** The entry of the presented `Authorization: Bearer` key, or undefined. */
export function lookup(keys, authorization) {
  const m = authorization ? BEARER.exec(authorization) : null;
  if (!m) return undefined;
  return keys.get(sha256(m[1]));
}

export function meBody({ tenant, key, limits, generations }) {
  return {
    object: 'me',
    tenant: { id: tenant.id, name: tenant.name, tier: tenant.tier, active: tenant.active },
    key: { id: key.id, kind: key.kind, environment: key.environment, prefix: key.prefix, expires_at: key.expiresAt ? key.expiresAt.toISOString() : null },
    limits: {
      requests_per_minute_per_key: limits.perKey,
      requests_per_minute_per_tenant: limits.perTenant,
      monthly_generations: limits.monthlyGenerations,
    },
    usage: {
      period: new Date().toISOString().slice(0, 7),
      generations,
      generations_remaining: limits.monthlyGenerations === null ? null : Math.max(0, limits.monthlyGenerations - generations),
    },
  };
}
