/**
 * The Probador node bench/commerce.mjs measures: what `probador start` runs (config → deps → app
 * → listen; housekeeping unless `--role api`), bundled at the start of each run by
 * bench/commerce/launcher.mjs with the server bundle's esbuild settings — the stock app (src/app.ts
 * registers the real channel drivers; the webhook routes opt out of the per-IP limit themselves) —
 * plus what the built `dist/bundle/cli.js` cannot be told from outside:
 *
 * - `BENCH_SEED=1`: a tenant (tier enterprise, request limits 1e8 a minute) and a secret key,
 *   printed as `BENCH_SEED {json}` (before listening: PGlite admits one process, so no CLI);
 * - `BENCH_TAP=1` (with an IPC channel): every `realtime.events` message this process sees, sent
 *   to the parent as `{ e: [type, direction, source, message id, conversation id, text] }` — the
 *   embedded mode's event bus is in memory, so this is how the bench sees "reply enqueued".
 *
 * Environment: the process environment is the configuration (the bench passes a clean one);
 * BENCH_ROLE all | api | worker. Prints `READY <port>` (or `READY worker`) once serving.
 */
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { buildApp } from '../../src/app.js';
import { startMaintenance } from '../../src/maintenance.js';

const role = process.env.BENCH_ROLE ?? 'all';
const config = loadConfig(process.env);
const deps = await createDeps(config);
const { app, modules } = await buildApp(deps, { role });

if (process.env.BENCH_SEED === '1') {
  const t = await modules.tenants.tenants.createTenant({ name: 'Bench commerce', tier: 'enterprise', limits: { requests_per_minute_per_key: 1e8, requests_per_minute_per_tenant: 1e8 } });
  const k = await modules.tenants.tenants.createKey(t.id, { kind: 'secret', environment: 'live' });
  process.stdout.write(`BENCH_SEED ${JSON.stringify({ tenant: t.id, key: k.key })}\n`);
}

if (process.env.BENCH_TAP === '1' && process.send) {
  await deps.pubsub.subscribe('realtime.events', (message) => {
    try {
      const { type, data } = JSON.parse(message);
      if (type !== 'message.created' && type !== 'message.status') return;
      process.send({ e: [type, data.direction, data.source, data.id, data.conversation_id, data.status, data.content?.text ?? null] });
    } catch {
      /* not ours */
    }
  });
}

let stopMaintenance;
if (role !== 'worker') {
  await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
  process.stdout.write(`READY ${app.server.address().port}\n`);
} else {
  await app.ready();
  process.stdout.write('READY worker\n');
}
// Housekeeping as `probador start` runs it (none on an API-only node).
if (role !== 'api') {
  stopMaintenance = startMaintenance(deps, {
    purgeTryons: () => modules.tryon.purgeExpired(),
    purgeGenerations: () => modules.generation.purgeExpired(),
    purgeStyle: () => modules.style.purgeExpired(),
    webhooks: async () => {
      await modules.webhooks.recoverOverdue();
      await modules.webhooks.purgeDeliveries();
    },
  });
}

let closing;
const stop = () => {
  closing ??= (async () => {
    setTimeout(() => process.exit(1), 15_000).unref();
    stopMaintenance?.();
    await app.close();
    await deps.close();
    process.exit(0);
  })();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop); // the bench is gone
