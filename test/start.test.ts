/**
 * Start-up as a person meets it: `npm start` on a built tree does not build again; the banner is
 * the last thing printed, with the dashboard and (first start only) the operator and the demo
 * keys, and later starts say how to get new ones; logs are JSON when stdout is not a terminal and
 * readable lines when it is; SIGTERM or SIGINT to npm stops the server (port closed, no process
 * left). Run on the database of the test run (a fresh PostgreSQL database with DATABASE_URL).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli-run.js';
import { childDatabaseEnv, usingPostgres } from './harness.js';
import { childrenOf, commandOf, freePort, isAlive, npmStart, portOpen, spawnCollecting, userEnv, type Spawned } from './npm-start.js';

/** Terminal colour codes (pino-pretty colours its output in a terminal). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const descendants = (pid: number): number[] => childrenOf(pid).flatMap((c) => [c, ...descendants(c)]);

const SLOW = 300_000;
const dataDir = mkdtempSync(join(tmpdir(), 'probador-start-'));
let db: Awaited<ReturnType<typeof childDatabaseEnv>>;
let env: Record<string, string>;
let port: number;
const running: Spawned[] = [];

beforeAll(async () => {
  db = await childDatabaseEnv();
  port = await freePort();
  env = userEnv({ ...db.env, PROBADOR_DATA_DIR: dataDir, PORT: String(port) });
  // Build now if the tree is stale (a fresh checkout), so the starts below find it built.
  const r = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
}, SLOW);

afterAll(async () => {
  // A failed test may leave a server up: stop it (and npm) so the next run finds the port and data free.
  for (const s of running) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) continue;
    for (const pid of descendants(s.child.pid!)) process.kill(pid, 'SIGKILL');
    s.child.kill('SIGKILL');
  }
  await db?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

const mtime = (rel: string) => statSync(join(ROOT, rel)).mtimeMs;
/** The banner: from its first line to "Stop: Ctrl-C.". */
const bannerOf = (out: string) => out.slice(out.lastIndexOf('\n  Probador is running'), out.indexOf('  Stop: Ctrl-C.') + 15);

/** SIGTERM/SIGINT to npm: npm exits, and so does the server it started; nothing listens on the port. */
async function stopWith(s: ReturnType<typeof npmStart>, signal: NodeJS.Signals) {
  const server = s.serverPid();
  s.child.kill(signal);
  const exit = await s.exited;
  expect(exit.code === 0 || exit.signal === signal || exit.code === 128 + (signal === 'SIGINT' ? 2 : 15), JSON.stringify(exit)).toBe(true);
  // npm waits for its child, so the server has exited by now.
  expect(isAlive(server), `server pid ${server} still running after ${signal} to npm`).toBe(false);
  expect(await portOpen(port)).toBe(false);
  expect(s.output()).toContain(`${signal} received: closing`);
}

describe('npm start', () => {
  it('first start on a built tree: no build; JSON logs, then the banner last with the dashboard, the operator and the demo keys; SIGTERM to npm stops it', async () => {
    const stamp = mtime('dist/build-stamp.json');
    const bundle = mtime('dist/bundle/cli.js');
    const s = npmStart(env);
    running.push(s);
    await s.banner();
    // Nothing may follow the banner while the server sits idle.
    await new Promise((r) => setTimeout(r, 1500));
    const out = s.output();

    expect(out).toContain('build-if-stale: the build is up to date');
    expect(out).not.toMatch(/> probador@[\d.]+ build\b/);
    expect(mtime('dist/build-stamp.json')).toBe(stamp);
    expect(mtime('dist/bundle/cli.js')).toBe(bundle);

    const banner = bannerOf(out);
    const base = `http://127.0.0.1:${port}`;
    expect(banner).toContain(`Dashboard: ${base}/dashboard`);
    expect(banner).toContain(`Demo:      ${base}/demo`);
    expect(banner).toContain(`API:       ${base}/v1`);
    expect(banner).toMatch(/email: {4}admin@probador\.local\n {4}password: \S{20}\n/);
    expect(banner).toMatch(/Demo tenant "Demo Store" \(ten_\w+\) created, with 5 products in its catalog \(demo-linen-shirt, demo-striped-tee,/);
    expect(banner).toMatch(/secret key \(shown once\): +sk_test_\w{32}\n/);
    expect(banner).toMatch(/publishable key: +pk_test_\w{32}\n/);
    expect(banner).toMatch(/For the README's "Try it": +KEY=sk_test_\w{32}\n/);
    expect(banner).toContain(usingPostgres() ? 'PostgreSQL' : 'CLI admin commands (npx probador --help) reach this server while it runs.');

    // Before the banner: npm's lines, the build check and log lines, each a JSON document (stdout is a pipe).
    const before = out.slice(0, out.indexOf(banner)).split('\n').filter((l) => l.trim() && !l.startsWith('> ') && !l.startsWith('build-if-stale:'));
    expect(before.length, out).toBeGreaterThan(2);
    for (const l of before) expect(() => JSON.parse(l), l).not.toThrow();
    const msgs = before.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs.some((m) => m.startsWith('Server listening at'))).toBe(true);
    expect(msgs.some((m) => m.startsWith('perception: '))).toBe(true); // the models' line comes before the banner
    // After it: nothing.
    expect(out.slice(out.indexOf(banner) + banner.length).trim()).toBe('');

    // The key printed works, and the demo products are in the catalog.
    const key = /secret key \(shown once\): +(sk_test_\w+)/.exec(banner)![1]!;
    const products = (await (await fetch(`${base}/v1/products?limit=100`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: { product_id: string }[] };
    expect(products.data.map((p) => p.product_id).sort()).toEqual(['demo-denim-trousers', 'demo-linen-shirt', 'demo-striped-tee', 'demo-summer-dress', 'demo-wool-jacket']);

    // A store user's role is documented in the API reference.
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: { properties: Record<string, { description?: string }> } }> } } }> };
    const role = doc.paths['/admin/v1/tenants/{tenant_id}/users']!.post!.requestBody.content['application/json']!.schema.properties.role!;
    expect(role.description).toMatch(/`owner` reads and changes it .*`member` reads only/);

    await stopWith(s, 'SIGTERM');
  }, SLOW);

  it('a later start: the banner says how to get a new password or key and prints no secret; SIGINT to npm stops it', async () => {
    const s = npmStart({ ...env, PROBADOR_PERCEPTION_THREADS: '0' });
    running.push(s);
    const banner = bannerOf(await s.banner());
    expect(banner).toContain('Operator sign-in: admin@probador.local (the password was shown at first start).');
    expect(banner).toContain('npx probador operator reset-password --email admin@probador.local');
    expect(banner).toMatch(/Demo Store \(ten_\w+\): its keys were shown at first start\.\n {4}Another secret key: npx probador key create --tenant ten_\w+ --env test/);
    expect(banner).not.toMatch(/sk_test_|pk_test_|^\s+password:/m);
    expect(banner).not.toContain('created');
    await stopWith(s, 'SIGINT');
  }, SLOW);
});

describe.runIf(process.platform === 'linux' && spawnSync('script', ['--version']).status === 0)('logs in a terminal', () => {
  it('are human-readable lines, not JSON (LOG_PRETTY=auto); LOG_PRETTY=false keeps JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probador-tty-'));
    try {
      for (const pretty of ['auto', 'false']) {
        const p = await freePort();
        // `script` gives the server a pseudo-terminal as stdout.
        const s = spawnCollecting('script', ['-qfec', `node dist/bundle/cli.js start --port ${p}`, '/dev/null'], userEnv({ ...db.env, PROBADOR_DATA_DIR: dir, PROBADOR_PERCEPTION_THREADS: '0', LOG_PRETTY: pretty }));
        running.push(s);
        await s.waitFor(/Stop: Ctrl-C\./);
        const out = s.output().replace(/\r/g, '').replace(ANSI, '');
        const before = out.slice(0, out.indexOf('Probador is running'));
        if (pretty === 'auto') {
          expect(before).toMatch(/\[\d\d:\d\d:\d\d\] INFO: Server listening at/);
          expect(before).not.toContain('{"level":');
        } else {
          expect(before).toMatch(/\{"level":30,"time":\d+,.*"msg":"Server listening at/);
        }
        // Stop the server itself (script passes its exit on): the node process under script.
        const server = descendants(s.child.pid!).find((pid) => commandOf(pid).startsWith('node ') && commandOf(pid).includes('cli.js start'));
        expect(server, s.output()).toBeGreaterThan(0);
        process.kill(server!, 'SIGTERM');
        expect((await s.exited).code).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, SLOW);
});
