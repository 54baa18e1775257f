/**
 * Run the real CLI (`src/cli.ts` through tsx, so no build is needed) as a child process.
 * The child always gets the embedded drivers: DATABASE_URL, REDIS_URL and any PROBADOR_* of the
 * test run are removed, so these tests are about the CLI, not about the database under it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

const DROPPED = new Set(['DATABASE_URL', 'DATABASE_POOL_MAX', 'REDIS_URL', 'REDIS_PREFIX', 'PORT', 'HOST', 'PUBLIC_URL', 'LOG_LEVEL', 'LOG_PRETTY', 'NODE_OPTIONS']);

/** The parent's environment without database/Redis/Probador settings, plus `extra`. */
export function cliEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || DROPPED.has(k) || k.startsWith('PROBADOR_')) continue;
    env[k] = v;
  }
  // Perception models stay unloaded unless a test asks for them (they cost seconds of CPU to load).
  return { LOG_LEVEL: 'warn', PROBADOR_PERCEPTION_THREADS: '0', PROBADOR_LOCAL_ENGINE_THREADS: '0', PROBADOR_PRECHECK_DEFAULT: 'off', ...env, ...extra };
}

export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/**
 * Run `probador <args>`; killed (and reported with its output so far) after `timeoutMs`. `entry`: a
 * built CLI to run instead of the source (the server bundle's test).
 */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 120_000, entry?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(entry ? [entry] : ['--import', 'tsx', 'src/cli.ts']), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`probador ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A short-lived process's pid, once it has exited: a pid that belongs to nobody (for stale locks). */
export function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

/** A command that succeeded (exit 0); its output. */
export function ok(r: CliResult) {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r;
}
export const json = <T = Record<string, unknown>>(r: CliResult) => JSON.parse(ok(r).stdout) as T;
/** A refusal: this exit code, a one-line `probador:` message, no stack trace. */
export function refused(r: CliResult, code: number, message: RegExp) {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}
