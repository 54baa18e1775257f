/**
 * scripts/build-if-stale.mjs (npm start's prestart) on a small tree of its own: a package whose
 * `npm run build` counts its runs, writes the outputs npm start needs and the stamp, as the real
 * build does. It builds when an input's contents change or an output is missing, and not when
 * nothing changed, a file was only touched, or a test file was added; two at once build once; a
 * failed build leaves the tree stale. (test/start.test.ts checks `npm start` on the real tree.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUTS, STAMP } from '../scripts/build-if-stale.mjs';
import { ROOT } from './cli-run.js';

const SCRIPT = join(ROOT, 'scripts', 'build-if-stale.mjs');
let root: string;

const write = (rel: string, text: string) => {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
};
const builds = () => readFileSync(join(root, 'builds.log'), 'utf8').split('\n').filter(Boolean).length;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args, '--root', root], { cwd: root, encoding: 'utf8', env: { ...process.env, FAIL: '' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}
const runAsync = (env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const c = spawn(process.execPath, [SCRIPT, '--root', root], { cwd: root, env: { ...process.env, ...env } });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('close', (code) => resolve({ code, out }));
  });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'probador-stale-'));
  write('package.json', JSON.stringify({ name: 'stale-fixture', private: true, scripts: { build: 'node fake-build.mjs' } }));
  // The build: slow enough for two runs to overlap; counts itself; writes the outputs, then the stamp.
  write(
    'fake-build.mjs',
    `import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeStamp } from ${JSON.stringify(SCRIPT)};
await new Promise((r) => setTimeout(r, 1000));
appendFileSync('builds.log', 'built\\n');
if (process.env.FAIL) process.exit(3);
for (const f of ${JSON.stringify(OUTPUTS)}) { mkdirSync(dirname(f), { recursive: true }); writeFileSync(f, 'out'); }
writeStamp(process.cwd());
`,
  );
  write('builds.log', '');
  write('src/a.ts', 'export const a = 1;\n');
  write('contracts/c.ts', 'export const c = 1;\n');
  write('web/widget/src/index.ts', 'console.log(1);\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('build-if-stale', () => {
  it('builds a tree that was never built, then not again while nothing changed', () => {
    const first = run();
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/build-if-stale: building \(dist\/bundle\/cli\.js is missing/);
    expect(builds()).toBe(1);
    const stamp = readFileSync(join(root, STAMP), 'utf8');
    expect(JSON.parse(stamp).files).toHaveProperty(['src/a.ts']);

    const again = run();
    expect(again.code).toBe(0);
    expect(again.out).toContain('the build is up to date');
    expect(builds()).toBe(1);
    expect(readFileSync(join(root, STAMP), 'utf8')).toBe(stamp);
    expect(run('--check').code).toBe(0);
  });

  it('a touched file or a new test file is no reason to build; a changed input is', () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'src/a.ts'), later, later);
    write('src/a.test.ts', 'test');
    expect(run().out).toContain('the build is up to date');
    expect(builds()).toBe(1);

    write('src/a.ts', 'export const a = 2;\n');
    const check = run('--check');
    expect(check.code).toBe(1);
    expect(check.out).toContain('stale: src/a.ts changed');
    const r = run();
    expect(r.out).toContain('build-if-stale: building (src/a.ts changed)');
    expect(builds()).toBe(2);
    expect(run().out).toContain('the build is up to date');

    rmSync(join(root, 'web/widget/src/index.ts'));
    expect(run().out).toContain('building (web/widget/src/index.ts removed)');
    expect(builds()).toBe(3);
  });

  it('a missing output is a reason to build', () => {
    rmSync(join(root, 'web/dashboard/dist/index.html'));
    expect(run().out).toContain('building (web/dashboard/dist/index.html is missing)');
    expect(builds()).toBe(4);
  });

  it('two at once: one builds, the other waits for it and does not build again', async () => {
    write('contracts/c.ts', 'export const c = 2;\n');
    const [a, b] = await Promise.all([runAsync(), runAsync()]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(builds()).toBe(5);
    expect(`${a.out}\n${b.out}`).toMatch(/built by another process meanwhile|the build is up to date/);
  });

  it('a failed build exits with its code and leaves the tree stale', async () => {
    write('src/a.ts', 'export const a = 3;\n');
    const failed = await runAsync({ FAIL: '1' });
    expect(failed.code, failed.out).toBe(3);
    expect(failed.out).toContain('build-if-stale: the build failed (exit 3)');
    expect(run('--check').code).toBe(1);
    expect(run().code).toBe(0); // builds now
    expect(builds()).toBe(7);
    expect(run('--check').code).toBe(0);
  });
});
