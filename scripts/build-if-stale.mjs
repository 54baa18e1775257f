/**
 * `npm start`'s prestart: build only when the build is stale, so a start on a built tree takes
 * seconds instead of a full build.
 *
 * `npm run build` ends with `node scripts/build-if-stale.mjs --stamp`, which writes
 * dist/build-stamp.json: a sha256 of every build input (file list and contents). This script
 * hashes the inputs again (~20 ms); when the hash matches and every output is there it prints
 * one line and exits, otherwise it names what changed and runs `npm run build`. Contents, not
 * modification times: a `git checkout` or a copy that touches every file does not force a build,
 * and an edit reverted is not a change. Test files (`*.test.ts`) are not build inputs.
 *
 * Two starts at once (tests do that) do not build over each other: the build holds
 * dist/.build-lock (with its pid); the other waits for it and checks again.
 *
 *   node scripts/build-if-stale.mjs [--root DIR]      build when stale
 *   node scripts/build-if-stale.mjs --check [--root DIR]  exit 0 when up to date, 1 when stale (no build)
 *   node scripts/build-if-stale.mjs --stamp [--root DIR]  record the current inputs as built
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the build reads: folders are walked; a missing entry counts as empty. */
export const INPUTS = [
  'src',
  'contracts',
  'web/widget/src',
  'web/widget/build.mjs',
  'web/dashboard/src',
  'web/dashboard/index.html',
  'web/dashboard/vite.config.mjs',
  'scripts/build-server.mjs',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

/** What `npm start` needs from the build (the server bundle, tsc's output for worker threads, the widget, the dashboard). */
export const OUTPUTS = ['dist/bundle/cli.js', 'dist/bundle/pglite-thread.js', 'dist/src/cli.js', 'web/widget/dist/widget.js', 'web/dashboard/dist/index.html'];

export const STAMP = 'dist/build-stamp.json';
const LOCK = 'dist/.build-lock';

const isTest = (f) => /\.test\.[cm]?[jt]sx?$/.test(f);

function walk(root, rel, out) {
  const abs = join(root, rel);
  let entries;
  try {
    entries = readdirSync(abs, { withFileTypes: true });
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

/** Every input file (relative, `/`-separated, sorted) with the sha256 of its contents. */
export function hashInputs(root) {
  const files = [];
  for (const entry of INPUTS) walk(root, entry, files);
  files.sort();
  const each = {};
  const all = createHash('sha256');
  for (const f of files) {
    const h = createHash('sha256').update(readFileSync(join(root, f))).digest('hex');
    each[f] = h;
    all.update(`${f}\0${h}\n`);
  }
  return { hash: all.digest('hex'), files: each };
}

/** Why the tree needs a build (a list of short reasons), or [] when the build is up to date. */
export function staleReasons(root) {
  const missing = OUTPUTS.filter((o) => !existsSync(join(root, o)));
  if (missing.length) return missing.map((o) => `${o} is missing`);
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, STAMP), 'utf8'));
  } catch {
    return [`no ${STAMP} (built before stamps, or never built)`];
  }
  const now = hashInputs(root);
  if (stamp.hash === now.hash) return [];
  const changed = Object.keys(now.files).filter((f) => stamp.files?.[f] !== now.files[f]);
  const removed = Object.keys(stamp.files ?? {}).filter((f) => !(f in now.files));
  const reasons = [...changed.map((f) => `${f} changed`), ...removed.map((f) => `${f} removed`)];
  return reasons.length ? reasons : ['the inputs changed'];
}

export function writeStamp(root) {
  const { hash, files } = hashInputs(root);
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, STAMP), `${JSON.stringify({ hash, built_at: new Date().toISOString(), files }, null, 1)}\n`);
  return hash;
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
async function lock(root) {
  const path = join(root, LOCK);
  mkdirSync(dirname(path), { recursive: true });
  let said = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim() || 0);
      if (!pid || !alive(pid)) {
        rmSync(path, { force: true }); // left by a build that died
        continue;
      }
      if (!said) console.log(`build-if-stale: another build is running (pid ${pid}); waiting for it`);
      said = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Build `root` when it is stale; returns whether it built. `build` runs the build (default: `npm run build`). */
export async function buildIfStale(root, { build = () => spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' }).status ?? 1, log = console.log } = {}) {
  if (staleReasons(root).length === 0) {
    log(`build-if-stale: the build is up to date (${STAMP}); not rebuilding`);
    return false;
  }
  const release = await lock(root);
  try {
    const reasons = staleReasons(root); // again: a build we waited for may have made it current
    if (reasons.length === 0) {
      log('build-if-stale: built by another process meanwhile; not rebuilding');
      return false;
    }
    const shown = reasons.slice(0, 5).join(', ') + (reasons.length > 5 ? ` and ${reasons.length - 5} more` : '');
    log(`build-if-stale: building (${shown})`);
    const code = build();
    if (code !== 0) throw Object.assign(new Error(`the build failed (exit ${code})`), { exitCode: code });
    return true;
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
    console.log(`build stamp: ${relative(process.cwd(), join(root, STAMP)).split(sep).join('/') || STAMP}`);
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
