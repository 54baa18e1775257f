/**
 * `npm start` as a person runs it, for the tests of the first hour (test/start.test.ts,
 * test/readme-try-it.test.ts): spawned in the repository with the user's environment (none of the
 * test run's database or Probador settings unless given), its output collected, and helpers to
 * wait for the banner, find the server process npm started and check that it is gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { ROOT } from './cli-run.js';

const DROPPED = new Set(['DATABASE_URL', 'DATABASE_POOL_MAX', 'REDIS_URL', 'REDIS_PREFIX', 'PORT', 'HOST', 'PUBLIC_URL', 'LOG_LEVEL', 'LOG_PRETTY', 'NODE_OPTIONS', 'VITEST', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'NODE_ENV']);

/** The environment of a person's shell: the test run's own settings removed, `extra` added. */
export function userEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || DROPPED.has(k) || k.startsWith('PROBADOR_') || k.startsWith('npm_')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** Whether something accepts connections on 127.0.0.1:port. */
export const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pids whose parent is `pid` (Linux /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces and parentheses.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** The command line of a process (Linux /proc), '' when it is gone. */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

export type Spawned = {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first match of `re` in the output so far or to come. */
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** Spawn a command in the repository and collect its stdout and stderr (interleaved as they come). */
export function spawnCollecting(command: string, args: string[], env: Record<string, string>): Spawned {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  void exited.then(() => {
    for (const w of waiters) w();
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor: (re, timeoutMs = 240_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`${command} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before printing ${re}:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${re} from ${command} ${args.join(' ')} within ${timeoutMs} ms:\n${out}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

/** `npm start` in the repository. The banner ends with the line "Stop: Ctrl-C.". */
export function npmStart(env: Record<string, string>): Spawned & { banner: () => Promise<string>; serverPid: () => number } {
  const s = spawnCollecting('npm', ['start'], env);
  return {
    ...s,
    banner: async () => {
      await s.waitFor(/^ {2}Stop: Ctrl-C\.$/m);
      return s.output();
    },
    /** The server npm started (the start script execs node, so it is npm's own child). */
    serverPid: () => {
      const kids = childrenOf(s.child.pid!);
      const node = kids.find((p) => commandOf(p).includes('dist/bundle/cli.js start'));
      if (!node) throw new Error(`no server process under npm (pid ${s.child.pid}); its children: ${kids.map((p) => `${p} ${commandOf(p)}`).join('; ')}`);
      return node;
    },
  };
}
