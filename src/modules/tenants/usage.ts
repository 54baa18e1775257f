/**
 * Monthly usage and the generation quota. `consumeGeneration` is called by the try-on pipeline
 * before it spends a provider call; it increments atomically and refuses past the quota.
 */
import { AppError } from '../../platform/errors.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import * as repo from './repository.js';
import { effectiveLimits, periodOf } from './limits.js';

export function createUsageService({ db, clock }: { db: Db; clock: Clock }) {
  const nextPeriodStart = (now: number) => {
    const d = new Date(now);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  };
  return {
    async generationsThisMonth(tenantId: string) {
      return repo.readUsage(db, tenantId, periodOf(clock.now()), 'generations');
    },
    /** Count `amount` generations for the tenant, or throw QUOTA_EXCEEDED (429) when the month's quota is used up. */
    async consumeGeneration(tenantId: string, amount = 1) {
      const tenant = await repo.findTenant(db, tenantId);
      if (!tenant) throw new AppError('TENANT_NOT_FOUND');
      const { monthlyGenerations } = effectiveLimits(tenant.tier, tenant.limits);
      const now = clock.now();
      const value = await repo.addUsage(db, tenantId, periodOf(now), 'generations', amount, monthlyGenerations);
      if (value === undefined) {
        const retryAfter = Math.ceil((nextPeriodStart(now) - now) / 1000);
        throw new AppError('QUOTA_EXCEEDED', `The ${tenant.tier} tier allows ${monthlyGenerations} generations a month; the quota renews on ${new Date(nextPeriodStart(now)).toISOString().slice(0, 10)}.`, {
          headers: { 'retry-after': String(retryAfter) },
          extra: { quota: monthlyGenerations, period: periodOf(now) },
        });
      }
      return { used: value, quota: monthlyGenerations };
    },
  };
}

export type UsageService = ReturnType<typeof createUsageService>;
