/**
 * Housekeeping run by worker processes (role `all` or `worker`), every minute: the retention purge
 * of shopper photos and results, idempotency records older than 24 h, spent refresh tokens, audit
 * events past PROBADOR_AUDIT_RETENTION_DAYS, and on PGlite the vacuum of tables autovacuum would
 * vacuum; then, when due, the scheduled backup. Safe to run on several workers at once (plain deletes).
 * The try-on issue's job system takes this over as scheduled jobs.
 */
import type { Deps } from './deps.js';
import { purgeIdempotencyKeys } from './platform/http/idempotency.js';
import { purgeRefreshTokens } from './modules/tenants/index.js';
import { purgeEndUserTokens } from './modules/accounts/index.js';
import { vacuumWhereDue } from './platform/db/maintenance.js';
import { purgeAuditEvents } from './platform/audit/index.js';

export type MaintenanceHooks = {
  purgeTryons?: () => Promise<{ uploads: number; results: number }>;
  /** Generations whose result is past the tenant's retention. */
  purgeGenerations?: () => Promise<{ generations: number }>;
  /** Style analyses whose selfie is past the tenant's retention (the derived answers stay), quiz results and end users' files past it. */
  purgeStyle?: () => Promise<{ selfies: number; quizResults?: number; userFiles?: number }>;
  /** Webhooks: re-enqueue deliveries whose job was lost; drop delivery logs past 30 days. */
  webhooks?: () => Promise<unknown>;
  /** Commerce: re-queue inbound events whose job was lost; delete inbound media past the tenant's retention. */
  commerce?: () => Promise<{ requeued: number; purged: number }>;
  /**
   * Scheduled backups (platform/backup/schedule.ts): started after the round's purges and not
   * waited for (a backup may take minutes); single-flight, and it reports its own failures.
   */
  backup?: () => Promise<unknown>;
};

export async function runMaintenance(deps: Deps, hooks: MaintenanceHooks = {}) {
  const now = deps.clock.now();
  const idempotency = await purgeIdempotencyKeys(deps.db, now);
  const refreshTokens = await purgeRefreshTokens(deps.db, now);
  const endUserTokens = await purgeEndUserTokens(deps.db, now);
  const auditEvents = await purgeAuditEvents(deps.db, now, deps.config.audit.retentionDays);
  const tryons = hooks.purgeTryons ? await hooks.purgeTryons() : { uploads: 0, results: 0 };
  const generations = hooks.purgeGenerations ? (await hooks.purgeGenerations()).generations : 0;
  const style = hooks.purgeStyle ? await hooks.purgeStyle() : { selfies: 0 };
  const styleSelfies = style.selfies;
  const quizResults = style.quizResults ?? 0;
  const userFiles = style.userFiles ?? 0;
  await hooks.webhooks?.();
  const commerce = hooks.commerce ? await hooks.commerce() : { requeued: 0, purged: 0 };
  // Last, after the purges' deletes: the embedded database's autovacuum (platform/db/maintenance.ts).
  const vacuumed = (await vacuumWhereDue(deps.database)).length;
  return { idempotency, refreshTokens, endUserTokens, auditEvents, uploads: tryons.uploads, results: tryons.results, generations, styleSelfies, quizResults, userFiles, commerceInboundRequeued: commerce.requeued, commerceMedia: commerce.purged, vacuumed };
}

export function startMaintenance(deps: Deps, hooks: MaintenanceHooks = {}, everyMs = 60 * 1000) {
  const tick = async () => {
    try {
      const purged = await runMaintenance(deps, hooks);
      if (Object.values(purged).some((n) => n > 0)) deps.log.info({ purged }, 'maintenance');
    } catch (err) {
      deps.log.warn({ err }, 'maintenance failed');
    }
    void hooks.backup?.();
  };
  const first = setTimeout(tick, 5_000);
  const timer = setInterval(tick, everyMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
