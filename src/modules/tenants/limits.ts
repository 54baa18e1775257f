/** Tier defaults for rate limits and monthly generation quota; tenants may override each. */
import type { TenantLimits, Tier } from './tables.js';

export type EffectiveLimits = { perKey: number; perTenant: number; monthlyGenerations: number | null };

export const TIER_LIMITS: Record<Tier, EffectiveLimits> = {
  free: { perKey: 60, perTenant: 120, monthlyGenerations: 100 },
  basic: { perKey: 300, perTenant: 600, monthlyGenerations: 2_000 },
  pro: { perKey: 1_200, perTenant: 3_000, monthlyGenerations: 20_000 },
  enterprise: { perKey: 6_000, perTenant: 20_000, monthlyGenerations: null },
};

export function effectiveLimits(tier: Tier, overrides: TenantLimits): EffectiveLimits {
  const d = TIER_LIMITS[tier];
  return {
    perKey: overrides.requests_per_minute_per_key ?? d.perKey,
    perTenant: overrides.requests_per_minute_per_tenant ?? d.perTenant,
    monthlyGenerations: overrides.monthly_generations === undefined ? d.monthlyGenerations : overrides.monthly_generations,
  };
}

// The last period computed and the month it spans: /v1/me asks on every request.
let cached = { period: '', from: 0, to: -1 };

/** The usage period of a moment: `YYYY-MM` in UTC. */
export const periodOf = (ms: number): string => {
  if (ms >= cached.from && ms < cached.to) return cached.period;
  const d = new Date(ms);
  const period = d.toISOString().slice(0, 7);
  cached = { period, from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), to: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
  return period;
};
