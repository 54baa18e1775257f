/**
 * Housekeeping run by worker processes (role `all` or `worker`): purge idempotency records
 * older than 24 h and spent refresh tokens. Safe to run on several workers at once (plain deletes).
 * The try-on issue's job system takes this over as scheduled jobs.
 */
import type { Deps } from './deps.js';
import { purgeIdempotencyKeys } from './platform/http/idempotency.js';
import { purgeRefreshTokens } from './modules/tenants/index.js';

export async function runMaintenance(deps: Deps) {
  const now = deps.clock.now();
  const idempotency = await purgeIdempotencyKeys(deps.db, now);
  const refreshTokens = await purgeRefreshTokens(deps.db, now);
  return { idempotency, refreshTokens };
}

export function startMaintenance(deps: Deps, everyMs = 15 * 60 * 1000) {
  const tick = async () => {
    try {
      const purged = await runMaintenance(deps);
      if (purged.idempotency + purged.refreshTokens > 0) deps.log.info({ purged }, 'maintenance');
    } catch (err) {
      deps.log.warn({ err }, 'maintenance failed');
    }
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
