/**
 * The crash tests' child processes: `probador` started from source (`src/cli.ts` through tsx) with
 * its output kept, polling until a condition holds, and SIGKILL. Perception and the local engine's
 * threads are off in the child: these tests are about a killed worker, and loading the face/body
 * models (seconds of CPU on a busy machine) would only let BullMQ's short test lock lapse.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Config } from '../src/config.js';

const ROOT = join(import.meta.dirname, '..');

export type CliChild = ChildProcess & { output: string[] };

export function startCli(args: string[], env: Record<string, string>): CliChild {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', PROBADOR_PERCEPTION_THREADS: '0', PROBADOR_LOCAL_ENGINE_THREADS: '0', PROBADOR_PRECHECK_DEFAULT: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as CliChild;
  child.output = [];
  child.stdout!.on('data', (d) => child.output.push(String(d)));
  child.stderr!.on('data', (d) => child.output.push(String(d)));
  return child;
}

/** Poll `fn` until it gives something other than undefined or false. */
export async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms: number, what: string, everyMs = 150): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const kill = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });

/**
 * The environment of a `--role worker` process joining a test app's PostgreSQL database and Redis
 * (its own data directory, a 3 s BullMQ lock so a killed worker's job is taken again quickly).
 */
export function workerEnvOf(cfg: Config, extra: Record<string, string> = {}): Record<string, string> {
  if (cfg.database.driver !== 'postgres' || !cfg.redis) throw new Error('needs PostgreSQL + Redis');
  return {
    ...extra,
    DATABASE_URL: cfg.database.url,
    REDIS_URL: cfg.redis.url,
    REDIS_PREFIX: cfg.redis.prefix,
    PROBADOR_DATA_DIR: cfg.dataDir,
    PROBADOR_JOB_LOCK_MS: '3000',
    PROBADOR_SEED_DEMO: 'false',
    PROBADOR_ADMIN_EMAIL: 'ops@test.local',
    PROBADOR_ADMIN_PASSWORD: 'worker-test-password',
  };
}

/** Start a worker process and wait until it says it started. */
export async function startWorker(env: Record<string, string>): Promise<CliChild> {
  const w = startCli(['start', '--role', 'worker'], env);
  await until(() => w.output.join('').includes('worker started'), 30_000, 'the worker to start');
  return w;
}
