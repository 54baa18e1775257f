/**
 * `npm start`'s prestart: build only what is stale, so a start on a built tree takes seconds
 * instead of a full build.
 *
 * The build has three parts — the server (tsc's dist/src and the bundle dist/bundle), the widget
 * and the dashboard — each with its inputs and outputs (PARTS). `npm run build` ends with
 * `node scripts/build-if-stale.mjs --stamp`, which writes dist/build-stamp.json: per part, a
 * sha256 of every input file's contents. This script hashes the inputs again (~20 ms); a part
 * whose hash matches and whose outputs are all there is left alone, the others are built with
 * their own npm scripts and stamped. Contents, not modification times: a `git checkout` or a copy
 * that touches every file does not force a build, and an edit reverted is not a change. Test files
 * (`*.test.ts`) are not inputs. A change under src/ rebuilds the server only, never the dashboard
 * that a running server (or a browser test) may be serving.
 *
 * Two starts at once (tests do that) do not build over each other: a build holds
 * dist/.build-lock (with its pid); the other waits for it and checks again.
 *
 *   node scripts/build-if-stale.mjs [--root DIR]          build what is stale
 *   node scripts/build-if-stale.mjs --check [--root DIR]  exit 0 when up to date, 1 when stale (no build)
 *   node scripts/build-if-stale.mjs --stamp [--root DIR]  record the current inputs of every part as built
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMMON = ['package-lock.json']; // dependencies (package.json's scripts are not what is built)

/** The parts of `npm run build`: what each reads (folders are walked), what it makes, the npm scripts that make it. */
export const PARTS = {
  server: {
    inputs: ['src', 'contracts', 'migrations', 'scripts/build-server.mjs', 'scripts/build-pg-template.mjs', 'tsconfig.json', 'tsconfig.build.json', ...COMMON],
    outputs: ['dist/bundle/cli.js', 'dist/bundle/pglite-thread.js', 'dist/src/cli.js', 'dist/pgdata-template.json'],
    scripts: ['build:tsc', 'build:server', 'build:pgdata'],
  },
  widget: {
    inputs: ['packages/widget/src', 'packages/widget/build.mjs', 'packages/widget/tsconfig.json', 'packages/widget/tsconfig.build.json', 'packages/widget/package.json', 'contracts', ...COMMON],
    outputs: ['packages/widget/dist/widget.js', 'packages/widget/dist/index.js', 'packages/widget/dist/index.d.ts'],
    scripts: ['build:widget'],
  },
  dashboard: {
    // graph.ts: the flow editor draws edges with the server's own edgesOf (pure, no server imports).
    inputs: ['web/dashboard/src', 'web/dashboard/index.html', 'web/dashboard/vite.config.mjs', 'web/dashboard/tsconfig.json', 'src/modules/commerce/flows/graph.ts', ...COMMON],
    outputs: ['web/dashboard/dist/index.html'],
    scripts: ['build:dashboard'],
  },
};

export const STAMP = 'dist/build-stamp.json';
const LOCK = 'dist/.build-lock';

const isTest = (f) => /\.test\.[cm]?[jt]sx?$/.test(f);

function walk(root, rel, out) {
  let entries;
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch (e) {
    if (e.code === 'ENOTDIR') return void out.push(rel);
    if (e.code === 'ENOENT') return;
    throw e;
  }
  for (const d of entries) {
    if (d.name === 'node_modules' || d.name === 'dist' || d.name.startsWith('.')) continue;
    const child = `${rel}/${d.name}`;
    if (d.isDirectory()) walk(root, child, out);
    else if (d.isFile() && !isTest(d.name)) out.push(child);
  }
}

/** A part's input files (relative, `/`-separated, sorted) with the sha256 of their contents, and one hash of them all. */
export function hashInputs(root, part) {
  const files = [];
  for (const entry of PARTS[part].inputs) walk(root, entry, files);
  const each = {};
  const all = createHash('sha256');
  for (const f of [...new Set(files)].sort()) {
    const h = createHash('sha256').update(readFileSync(join(root, f))).digest('hex');
    each[f] = h;
    all.update(`${f}\0${h}\n`);
  }
  return { hash: all.digest('hex'), files: each };
}

function readStamp(root) {
  try {
    return JSON.parse(readFileSync(join(root, STAMP), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Why each stale part needs a build: `{ server: ['src/a.ts changed'], … }`; `{}` when everything is up to date. */
export function staleParts(root) {
  const stamp = readStamp(root);
  const stale = {};
  for (const part of Object.keys(PARTS)) {
    const missing = PARTS[part].outputs.filter((o) => !existsSync(join(root, o)));
    if (missing.length) {
      stale[part] = missing.map((o) => `${o} is missing`);
      continue;
    }
    const was = stamp?.parts?.[part];
    if (!was) {
      stale[part] = [`${part} not recorded in ${STAMP}`];
      continue;
    }
    const now = hashInputs(root, part);
    if (was.hash === now.hash) continue;
    const changed = Object.keys(now.files).filter((f) => was.files?.[f] !== now.files[f]).map((f) => `${f} changed`);
    const removed = Object.keys(was.files ?? {}).filter((f) => !(f in now.files)).map((f) => `${f} removed`);
    stale[part] = changed.length + removed.length ? [...changed, ...removed] : ['its inputs changed'];
  }
  return stale;
}

/** Every reason, flat (for messages). */
export const staleReasons = (root) => Object.values(staleParts(root)).flat();

/** Record these parts (default: all) as built from the inputs hashed now, or from `hashes` taken before the build. */
export function writeStamp(root, parts = Object.keys(PARTS), hashes = {}) {
  const stamp = readStamp(root) ?? {};
  stamp.parts ??= {};
  for (const part of parts) stamp.parts[part] = { ...(hashes[part] ?? hashInputs(root, part)), built_at: new Date().toISOString() };
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, STAMP), `${JSON.stringify(stamp, null, 1)}\n`);
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};

/** Take dist/.build-lock, waiting while a live process holds it. */
async function lock(root, log) {
  const path = join(root, LOCK);
  mkdirSync(dirname(path), { recursive: true });
  let said = false;
  for (;;) {
    // The lock appears with its pid already in it (written to a file of our own, then hard-linked
    // into place, which fails if the lock exists): another builder never reads an empty lock and
    // takes it for one left by a dead build.
    const mine = `${path}.${process.pid}`;
    writeFileSync(mine, String(process.pid));
    try {
      linkSync(mine, path);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let pid = 0;
      try {
        pid = Number(readFileSync(path, 'utf8').trim() || 0);
      } catch {
        continue; // removed meanwhile: try again
      }
      if (!pid || !alive(pid)) {
        rmSync(path, { force: true }); // left by a build that died
        continue;
      }
      if (!said) log(`build-if-stale: another build is running (pid ${pid}); waiting for it`);
      said = true;
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      rmSync(mine, { force: true });
    }
  }
}

/** Run `fn` holding the build lock (for other builders of these outputs, e.g. a test that builds the dashboard). */
export async function withBuildLock(root, fn, log = console.log) {
  const release = await lock(root, log);
  try {
    return await fn();
  } finally {
    release();
  }
}

const npmRun = (root) => (script) => spawnSync('npm', ['run', script], { cwd: root, stdio: 'inherit' }).status ?? 1;

/** Build the stale parts of `root`; returns the parts built. `run(script)` runs an npm script (default: `npm run`). */
export async function buildIfStale(root, { run = npmRun(root), log = console.log } = {}) {
  if (Object.keys(staleParts(root)).length === 0) {
    log(`build-if-stale: the build is up to date (${STAMP}); not rebuilding`);
    return [];
  }
  const release = await lock(root, log);
  try {
    const stale = staleParts(root); // again: a build we waited for may have made it current
    const parts = Object.keys(stale);
    if (parts.length === 0) {
      log('build-if-stale: built by another process meanwhile; not rebuilding');
      return [];
    }
    for (const part of parts) {
      const reasons = stale[part];
      const shown = reasons.slice(0, 5).join(', ') + (reasons.length > 5 ? ` and ${reasons.length - 5} more` : '');
      log(`build-if-stale: building the ${part} (${shown})`);
      const before = hashInputs(root, part); // the inputs this build reads: an edit during it leaves the part stale
      for (const script of PARTS[part].scripts) {
        const code = run(script);
        if (code !== 0) throw Object.assign(new Error(`npm run ${script} failed (exit ${code})`), { exitCode: code });
      }
      writeStamp(root, [part], { [part]: before });
    }
    return parts;
  } finally {
    release();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--root');
  const root = resolve(at >= 0 ? args[at + 1] : join(dirname(fileURLToPath(import.meta.url)), '..'));
  if (args.includes('--stamp')) {
    writeStamp(root);
    console.log(`build stamp: ${STAMP}`);
  } else if (args.includes('--check')) {
    const reasons = staleReasons(root);
    console.log(reasons.length ? `stale: ${reasons.slice(0, 5).join(', ')}` : 'up to date');
    process.exitCode = reasons.length ? 1 : 0;
  } else {
    try {
      await buildIfStale(root);
    } catch (e) {
      console.error(`build-if-stale: ${e.message}`);
      process.exitCode = e.exitCode ?? 1;
    }
  }
}
