/**
 * Starting a linked device's worker thread with a heap cap: from src/ (tests, tsx) the entry is
 * TypeScript, so tsx is registered in the thread first (the same way as the embedded database's
 * thread, platform/db/pglite-remote.ts); built, it is tsc's output in dist/src/.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { workerThread } from '../../../../platform/paths.js';
import type { WorkerInit } from './protocol.js';

let tsxUrl: string | undefined;
function tsxApiUrl(): string {
  if (tsxUrl) return tsxUrl;
  const req = createRequire(import.meta.url);
  const pkgFile = req.resolve('tsx/package.json');
  const pkg = req(pkgFile) as { exports: Record<string, { import: { default: string } }> };
  tsxUrl = pathToFileURL(join(dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href;
  return tsxUrl;
}

export function spawnDeviceWorker(init: WorkerInit, resourceLimits: ResourceLimits): Worker {
  const entry = workerThread('modules/commerce/channels/baileys/worker');
  // stdout/stderr are not piped into the main process's: nothing the thread prints reaches the logs.
  const opts = { workerData: init, resourceLimits, stdout: true, stderr: true, name: `baileys ${init.connectionId}` };
  const worker =
    entry.execArgv.length > 0
      ? new Worker(`import(${JSON.stringify(tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(entry.filename).href)}); });`, { ...opts, eval: true })
      : new Worker(entry.filename, opts);
  // Drain them (unread, a piped stream would fill and block the thread).
  worker.stdout.resume();
  worker.stderr.resume();
  return worker;
}
