/**
 * Monthly usage and the generation quota. `consumeGeneration` is called by the try-on pipeline
 * before it spends a provider call; it increments atomically and refuses past the quota.
 */
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Clock } from '../../platform/clock.js';
import * as repo from './repository.js';
import { groupBatch, groupWriter } from '../../platform/db/group-writer.js';
import { lingers, type Db } from '../../platform/db/client.js';
import type { TenantRow } from './tables.js';
import { effectiveLimits, periodOf } from './limits.js';

export function createUsageService({ db, clock }: { db: Db; clock: Clock }) {
  // Usage events of concurrent try-ons go in together (group commit: none waits on a quiet server).
  const insertEvent = groupWriter<Parameters<typeof repo.insertUsageEvents>[1][number]>((rows) => repo.insertUsageEvents(db, rows), { linger: lingers(db) });
  // Quota increments of concurrent submits too: one statement per batch, each caller told its own
  // outcome (a batch that does not fit under a cap is retried one at a time: see addUsageMany).
  const addUsage = groupBatch<repo.UsageAdd, number | undefined | Error>((items) =>
    items.length === 1
      ? repo.addUsage(db, items[0]!.tenantId, items[0]!.period, items[0]!.metric, items[0]!.amount, items[0]!.max).then((v) => [v])
      : repo.addUsageMany(db, items),
    { linger: lingers(db) },
  );
  const nextPeriodStart = (now: number) => {
    const d = new Date(now);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  };
  return {
    async generationsThisMonth(tenantId: string) {
      return repo.readUsage(db, tenantId, periodOf(clock.now()), 'generations');
    },
    /** Count `amount` generations for the tenant, or throw QUOTA_EXCEEDED (429) when the month's quota is used up. */
    async consumeGeneration(tenantId: string, amount = 1, known?: Pick<TenantRow, 'tier' | 'limits'>) {
      // A negative amount would silently give quota back.
      if (!Number.isSafeInteger(amount) || amount < 1) throw new RangeError(`consumeGeneration: amount must be a positive integer, got ${amount}`);
      // The caller may pass the tenant it already holds (the try-on module's cached view, dropped on any change).
      const tenant = known ?? (await repo.findTenant(db, tenantId));
      if (!tenant) throw new AppError('TENANT_NOT_FOUND');
      const { monthlyGenerations } = effectiveLimits(tenant.tier, tenant.limits);
      const now = clock.now();
      const value = await addUsage({ tenantId, period: periodOf(now), metric: 'generations', amount, max: monthlyGenerations });
      if (value instanceof Error) throw value;
      if (value === undefined) {
        const retryAfter = Math.ceil((nextPeriodStart(now) - now) / 1000);
        // The quota may be the tier's or the tenant's own override: state the number, not where it came from.
        const renews = new Date(nextPeriodStart(now)).toISOString().slice(0, 10);
        throw new AppError('QUOTA_EXCEEDED', `This would exceed the monthly quota of ${monthlyGenerations} generations; it renews on ${renews} (UTC).`, {
          headers: { 'retry-after': String(retryAfter) },
          extra: { quota: monthlyGenerations, period: periodOf(now) },
        });
      }
      return { used: value, quota: monthlyGenerations };
    },
    /** Give one generation back (the try-on failed or was canceled), in the month it was counted. */
    async refundGeneration(tenantId: string, countedAt: number = clock.now()) {
      await repo.subtractUsage(db, tenantId, periodOf(countedAt), 'generations', 1);
    },
    /** An event for the dashboard: a generation, a cache hit, a failure, with its cost. */
    async record(tenantId: string, type: string, opts: { quantity?: number; costUsd?: number; refId?: string; meta?: Record<string, unknown> } = {}) {
      await insertEvent({
        tenantId,
        id: newId('event'),
        type,
        quantity: opts.quantity ?? 1,
        costUsd: opts.costUsd ?? 0,
        refId: opts.refId ?? null,
        meta: opts.meta ?? {},
        createdAt: new Date(clock.now()),
      });
    },
  };
}

export type UsageService = ReturnType<typeof createUsageService>;
