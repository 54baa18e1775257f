/**
 * Child processes and clean-up for the bench: every child and every clean-up step is registered
 * here, so they run on success, on error and on SIGINT/SIGTERM; children still alive when the
 * bench process exits are SIGKILLed synchronously.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';

const children = new Set();
const cleanups = [];
const finalCleanups = [];
let shutdownChain = Promise.resolve();
let aborted = false;

/**
 * Register an async clean-up step (run last-in, first-out) for the next `shutdown()`, or with
 * `{ final: true }` only for the last one (`shutdown({ final: true })`, also run on a signal).
 */
export function onCleanup(fn, { final = false } = {}) {
  (final ? finalCleanups : cleanups).push(fn);
}

/**
 * Spawn a child: node `args` with `env`. Its output is kept (last 64 KiB) for error messages.
 * `ready` (optional): a RegExp tested on stdout; `started` resolves with the match.
 * `ipc`: also an IPC channel (`child.proc.send`, `child.proc.on('message')`).
 */
export function startChild(name, args, { env, cwd, ready, cpu, ipc = false } = {}) {
  if (aborted) throw new Error(`not starting ${name}: the bench is stopping`);
  const stdio = ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  // `cpu`: pin the child to these cores (taskset execs node, so the pid is node's).
  const proc = cpu === undefined
    ? spawn(process.execPath, args, { env, cwd, stdio })
    : spawn('taskset', ['-c', String(cpu), process.execPath, ...args], { env, cwd, stdio });
  let out = '';
  // BENCH_CHILD_LOG=<dir>: also append every child's whole output to <dir>/<name>.log (diagnosis).
  const logFile = process.env.BENCH_CHILD_LOG ? `${process.env.BENCH_CHILD_LOG}/${name.replace(/[^\w.-]+/g, '_')}.log` : undefined;
  const keep = (chunk) => {
    if (logFile) appendFileSync(logFile, chunk);
    out += chunk.toString('utf8');
    if (out.length > 65_536) out = out.slice(-65_536);
  };
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const child = { name, proc, pid: proc.pid, exited, output: () => out, alive: () => proc.exitCode === null && proc.signalCode === null };
  children.add(child);
  exited.then(() => children.delete(child));
  child.started = new Promise((resolve, reject) => {
    proc.once('error', reject);
    exited.then(({ code, signal }) => reject(new Error(`${name} exited early (code ${code}, signal ${signal}):\n${out.slice(-4000)}`)));
    let buf = '';
    proc.stdout.on('data', (c) => {
      keep(c);
      if (!ready) return;
      buf += c.toString('utf8');
      const m = ready.exec(buf);
      if (m) {
        ready = undefined;
        resolve(m);
      }
    });
    if (!ready) resolve(null);
  });
  proc.stderr.on('data', keep);
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves when the child is gone. */
export async function stopChild(child, graceMs = 15_000) {
  if (!child.alive()) return child.exited;
  child.proc.kill('SIGTERM');
  const t = setTimeout(() => child.alive() && child.proc.kill('SIGKILL'), graceMs);
  const r = await child.exited;
  clearTimeout(t);
  return r;
}

/**
 * How the project starts its server: the environment variables and Node.js flags of `npm start` in
 * package.json (`[NAME=value …] node <flags> dist/bundle/cli.js start`), so the bench measures the
 * server as it is run. `launchFlags` returns the flags, `launchEnv` the variables.
 */
function parseStart(root) {
  const start = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).scripts.start;
  const m = /^((?:[A-Z_]+=\S+\s+)*)(?:exec\s+)?node\s+((?:--\S+\s+)*)dist\/bundle\/cli\.js\b/.exec(start);
  if (!m) throw new Error(`cannot read the environment and node flags of "npm start": ${start}`);
  const words = (s) => s.trim().split(/\s+/).filter(Boolean);
  return { env: Object.fromEntries(words(m[1]).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)])), flags: words(m[2]) };
}
export const launchFlags = (root) => parseStart(root).flags;
export const launchEnv = (root) => parseStart(root).env;

/** Run a node script to completion; resolves with its stdout, rejects with its output on failure. */
export function runNode(name, args, { env, cwd, timeoutMs = 120_000 } = {}) {
  const child = startChild(name, args, { env, cwd });
  const t = setTimeout(() => child.alive() && child.proc.kill('SIGKILL'), timeoutMs);
  return child.exited.then(({ code, signal }) => {
    clearTimeout(t);
    if (code !== 0) throw new Error(`${name} failed (code ${code}, signal ${signal}):\n${child.output().slice(-4000)}`);
    return child.output();
  });
}

/** Memory of a process from /proc: { rssKb, hwmKb } (undefined once it is gone). */
export function memoryOf(pid = process.pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1]);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** CPU time a process has used so far (user + system), in ms (resolution: one clock tick, 10 ms). */
export function cpuTimeMs(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime, stime in ticks of 1/100 s
  } catch {
    return NaN;
  }
}

/** When a process started, in ns of CLOCK_MONOTONIC (/proc/<pid>/stat, 10 ms resolution), to line its own logs (--trace-gc) up with a timeline. */
export const startMonoNs = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  return String(BigInt(ticks) * 10_000_000n);
};

/**
 * How busy the machine is around a run: CPU used by the server, by this bench process (the load
 * generator) and by everything else (other work on the machine, PostgreSQL and Redis included),
 * each as a share of all cores over the run's wall time; and of that, the hypervisor's steal.
 */
export function machineMeter(serverPid) {
  const stat = () => {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { busy: v[0] + v[1] + v[2] + v[5] + v[6] + v[7], steal: v[7], all: v.reduce((a, b) => a + b, 0) };
  };
  const s0 = stat();
  const srv0 = cpuTimeMs(serverPid);
  const me0 = process.cpuUsage();
  // generatorMs: CPU of a load generator that ran in a child process of ours (lib/paced.mjs) meanwhile.
  return (generatorMs = 0) => {
    const s1 = stat();
    const allMs = (s1.all - s0.all) * 10; // jiffies of all cores, 1/100 s each
    const busyMs = (s1.busy - s0.busy) * 10;
    const serverMs = cpuTimeMs(serverPid) - srv0;
    const me = process.cpuUsage(me0);
    const benchMs = (me.user + me.system) / 1000 + generatorMs;
    const pct = (ms) => (allMs > 0 ? (100 * ms) / allMs : NaN);
    // stealPct: time the hypervisor ran something else on our virtual CPUs (part of othersPct).
    return { serverPct: pct(serverMs), benchPct: pct(benchMs), othersPct: pct(Math.max(0, busyMs - serverMs - benchMs)), idlePct: pct(allMs - busyMs), stealPct: pct((s1.steal - s0.steal) * 10) };
  };
}

/** Resolves when `re` matches a child's output after `from` (a length of output seen before). */
export async function waitOutput(child, re, from, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (re.test(child.output().slice(from))) return;
    if (!child.alive()) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${child.name}: no ${re} in its output`);
}

/** Sample a child's VmRSS every `everyMs`; `max()` is the highest sample since the last `reset()`. */
export function rssSampler(pid, everyMs = 100) {
  let max = 0;
  let last;
  const sample = () => {
    const m = memoryOf(pid);
    if (m) {
      last = m;
      if (m.rssKb > max) max = m.rssKb;
    }
  };
  sample();
  const t = setInterval(sample, everyMs);
  t.unref();
  return {
    max: () => max,
    reset: () => {
      max = 0;
      sample();
    },
    /** The last reading (VmHWM included); read it before stopping the child. */
    last: () => (sample(), last),
    stop: () => clearInterval(t),
  };
}

/**
 * Stop every child and run the clean-up steps registered so far; with `final`, also the run's
 * own. Calls are serialised: one made while another runs waits for it, then does its part.
 */
export function shutdown({ final = false } = {}) {
  const run = async () => {
    await Promise.all([...children].map((c) => stopChild(c, 10_000).catch(() => undefined)));
    // Last registered, first run: a mode's steps, then (final) the run's own.
    const steps = cleanups.splice(0);
    if (final) steps.unshift(...finalCleanups.splice(0));
    while (steps.length) {
      const fn = steps.pop();
      try {
        await fn();
      } catch (err) {
        console.error(`bench: clean-up step failed: ${err?.message ?? err}`);
      }
    }
  };
  shutdownChain = shutdownChain.then(run, run);
  return shutdownChain;
}

process.on('exit', () => {
  for (const c of children) if (c.alive()) c.proc.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    console.error(`\nbench: ${sig} received: stopping servers and cleaning up…`);
    const force = setTimeout(() => process.exit(130), 30_000);
    force.unref();
    aborted = true;
    // Twice: the second catches what the interrupted run registered meanwhile.
    shutdown({ final: true })
      .then(() => new Promise((r) => setTimeout(r, 200)))
      .then(() => shutdown({ final: true }))
      .finally(() => process.exit(130));
  });
}
