#!/usr/bin/env node
/**
 * A try-on worker process for bench/tryon.mjs (PostgreSQL + Redis mode): builds deps and the app
 * from the BUILT code with `role: 'worker'` (BullMQ consumer, no HTTP) and the `instant` provider.
 * Config comes from BENCH_TRYON_ENV (JSON), the same environment the API in the bench process uses.
 * Prints `worker ready <pid>` once consuming; answers `{ type: 'counts' }` IPC messages with its SQL
 * statement and Redis command counts, and `profile-start` / `profile-stop` (CPU profile of a phase); exits on SIGTERM/SIGINT or when the bench process
 * (its IPC parent) goes away.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { installCounters, instant, loadKnownConfig } from './common.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = (p) => import(pathToFileURL(join(resolve(process.env.BENCH_DIST ?? join(ROOT, 'dist')), 'src', p)).href);
const { loadConfig } = await dist('config.js');
const { createDeps } = await dist('deps.js');
const { buildApp } = await dist('app.js');

const counters = await installCounters(); // SQL statements and Redis commands, reported on request
const env = JSON.parse(process.env.BENCH_TRYON_ENV ?? '{}');
const config = loadKnownConfig(loadConfig, env);
const deps = await createDeps(config, { migrate: false, defaultMetrics: false });
const { app } = await buildApp(deps, { role: 'worker', tryon: { providers: [instant] } });
await app.ready();

let closing;
const stop = (code = 0) => {
  closing ??= (async () => {
    const force = setTimeout(() => process.exit(code || 1), 10_000);
    force.unref();
    try {
      await app.close();
      await deps.close();
    } finally {
      process.exit(code);
    }
  })();
  return closing;
};
for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => void stop(0));
process.on('disconnect', () => void stop(0)); // the bench process died
let session;
process.on('message', async (m) => {
  if (m?.type === 'counts') process.send?.({ type: 'counts', id: m.id, counts: counters.snapshot() });
  // CPU profile of one phase (BENCH_PROFILE=1): start, then stop and write to m.file.
  if (m?.type === 'profile-start') {
    const { Session } = await import('node:inspector/promises');
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    process.send?.({ type: 'profile-started', id: m.id });
  }
  if (m?.type === 'profile-stop' && session) {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    session = undefined;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(m.file, JSON.stringify(profile));
    process.send?.({ type: 'profile-stopped', id: m.id });
  }
});
process.stdout.write(`worker ready ${process.pid}\n`);
