/**
 * scripts/build-if-stale.mjs (npm start's prestart) on a small tree of its own: a package whose
 * build scripts (build:tsc, build:server, build:widget, build:dashboard) log their runs and write
 * the outputs npm start needs, and whose `npm run build` stamps, as the real build does. A part is
 * built when one of its inputs' contents changed or an output is missing, and only that part; not
 * when nothing changed, a file was only touched or a test file was added. Two at once build once;
 * a failed build leaves the part stale. (test/start.test.ts checks `npm start` on the real tree.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTS, STAMP } from '../scripts/build-if-stale.mjs';
import { ROOT } from './cli-run.js';

const SCRIPT = join(ROOT, 'scripts', 'build-if-stale.mjs');
let root: string;

const write = (rel: string, text: string) => {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
};
/** The build scripts run so far, in order. */
const runs = () => readFileSync(join(root, 'builds.log'), 'utf8').split('\n').filter(Boolean);
/** The build scripts run since `mark` (a count of runs()). */
const since = (mark: number) => runs().slice(mark);
const SERVER = PARTS.server.scripts;
const ALL = [...SERVER, ...PARTS.widget.scripts, ...PARTS.dashboard.scripts];

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args, '--root', root], { cwd: root, encoding: 'utf8', env: { ...process.env, FAIL: '' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}
const runAsync = (env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const c = spawn(process.execPath, [SCRIPT, '--root', root], { cwd: root, env: { ...process.env, FAIL: '', ...env } });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('close', (code) => resolve({ code, out }));
  });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'probador-stale-'));
  // Each build script: slow enough for two runs to overlap; logs itself; fails when FAIL names it; writes its outputs.
  const outputsOf: Record<string, string[]> = {
    'build:tsc': ['dist/src/cli.js'],
    'build:server': PARTS.server.outputs.filter((o) => o.startsWith('dist/bundle')),
    'build:pgdata': PARTS.server.outputs.filter((o) => o.startsWith('dist/pgdata')),
    'build:widget': PARTS.widget.outputs,
    'build:dashboard': PARTS.dashboard.outputs,
  };
  write(
    'fake-build.mjs',
    `import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
const name = process.argv[2];
await new Promise((r) => setTimeout(r, 700));
appendFileSync('builds.log', name + '\\n');
if (process.env.FAIL === name) process.exit(3);
for (const f of ${JSON.stringify(outputsOf)}[name]) { mkdirSync(dirname(f), { recursive: true }); writeFileSync(f, 'out'); }
`,
  );
  const scripts = Object.fromEntries(Object.keys(outputsOf).map((s) => [s, `node fake-build.mjs ${s}`]));
  write('package.json', JSON.stringify({ name: 'stale-fixture', private: true, scripts: { ...scripts, build: `${Object.keys(scripts).map((s) => `npm run ${s}`).join(' && ')} && node ${JSON.stringify(SCRIPT)} --stamp --root .` } }));
  write('builds.log', '');
  write('src/a.ts', 'export const a = 1;\n');
  write('contracts/c.ts', 'export const c = 1;\n');
  write('packages/widget/src/index.ts', 'console.log(1);\n');
  write('web/dashboard/src/main.tsx', 'export {};\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('build-if-stale', () => {
  it('builds every part of a tree that was never built, then nothing while nothing changed', () => {
    const first = run();
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/build-if-stale: building the server \(dist\/bundle\/cli\.js is missing/);
    expect(runs()).toEqual(ALL);
    expect(SERVER).toEqual(['build:tsc', 'build:server', 'build:pgdata']);
    const stamp = readFileSync(join(root, STAMP), 'utf8');
    expect(JSON.parse(stamp).parts.server.files).toHaveProperty(['src/a.ts']);

    const again = run();
    expect(again.code).toBe(0);
    expect(again.out).toContain('the build is up to date');
    expect(runs()).toHaveLength(ALL.length);
    expect(readFileSync(join(root, STAMP), 'utf8')).toBe(stamp);
    expect(run('--check').code).toBe(0);
  });

  it('npm run build stamps every part', () => {
    const r = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(runs()).toHaveLength(2 * ALL.length);
    expect(run().out).toContain('the build is up to date');
  });

  it('a touched file or a new test file is no reason to build; a changed input rebuilds its part only', () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'src/a.ts'), later, later);
    write('src/a.test.ts', 'test');
    expect(run().out).toContain('the build is up to date');
    expect(runs()).toHaveLength(2 * ALL.length);

    let mark = runs().length;
    write('src/a.ts', 'export const a = 2;\n');
    const check = run('--check');
    expect(check.code).toBe(1);
    expect(check.out).toContain('stale: src/a.ts changed');
    expect(run().out).toContain('build-if-stale: building the server (src/a.ts changed)');
    expect(since(mark)).toEqual(SERVER); // not the widget, not the dashboard
    expect(run().out).toContain('the build is up to date');

    // contracts/ feeds the server and the widget.
    mark = runs().length;
    write('contracts/c.ts', 'export const c = 2;\n');
    run();
    expect(since(mark)).toEqual([...SERVER, 'build:widget']);

    mark = runs().length;
    rmSync(join(root, 'web/dashboard/src/main.tsx'));
    expect(run().out).toContain('building the dashboard (web/dashboard/src/main.tsx removed)');
    expect(since(mark)).toEqual(['build:dashboard']);
  });

  it('a missing output is a reason to build its part', () => {
    const mark = runs().length;
    rmSync(join(root, 'packages/widget/dist/widget.js'));
    expect(run().out).toContain('building the widget (packages/widget/dist/widget.js is missing)');
    expect(since(mark)).toEqual(['build:widget']);
  });

  it('two at once: one builds, the other waits for it and does not build again', async () => {
    const mark = runs().length;
    write('src/a.ts', 'export const a = 3;\n');
    const [a, b] = await Promise.all([runAsync(), runAsync()]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(since(mark)).toEqual(SERVER);
    expect(`${a.out}\n${b.out}`).toMatch(/built by another process meanwhile|the build is up to date/);
  });

  it('a failed build exits with its code and leaves its part stale', async () => {
    write('src/a.ts', 'export const a = 4;\n');
    const failed = await runAsync({ FAIL: 'build:server' });
    expect(failed.code, failed.out).toBe(3);
    expect(failed.out).toContain('build-if-stale: npm run build:server failed (exit 3)');
    expect(run('--check').out).toContain('stale: src/a.ts changed');
    expect(run().code).toBe(0);
    expect(run('--check').code).toBe(0);
  });
});
