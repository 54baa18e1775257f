/**
 * CLI admin commands while a server runs. Embedded: the server holds the PGlite data directory,
 * so every admin command goes to it over its control socket, and what it does is visible on the
 * server at once (a revoked key is refused on the next request). With DATABASE_URL (and Redis)
 * the CLI opens PostgreSQL itself next to the running server. Also: `probador tryon` against the
 * live server, with its refusals. The server runs in this process (src/main.ts `start`), the CLI
 * as a child process.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { start } from '../src/main.js';
import { controlSocketPath } from '../src/cli/control-socket.js';
import { cliEnv, runCli, type CliResult } from './cli-run.js';
import { childDatabaseEnv, usingPostgres, usingRedis } from './harness.js';
import { freePort } from './npm-start.js';

const SLOW = 240_000;
const ADMIN = { email: 'root@live.test', password: 'live-test-password-1' };

function ok(r: CliResult) {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r;
}
const json = <T = Record<string, unknown>>(r: CliResult) => JSON.parse(ok(r).stdout) as T;
function refused(r: CliResult, message: RegExp) {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** A server on a fresh data directory (and database), with a CLI environment pointing at the same. */
async function liveServer(extraEnv: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'probador-live-'));
  const serverEnv = {
    PROBADOR_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0',
    PROBADOR_PERCEPTION_THREADS: '0',
    PROBADOR_LOCAL_ENGINE_THREADS: '0',
    PROBADOR_ADMIN_EMAIL: ADMIN.email,
    PROBADOR_ADMIN_PASSWORD: ADMIN.password,
    ...extraEnv,
  };
  const lines: string[] = [];
  const server = await start(loadConfig(serverEnv), 'all', { print: (l) => lines.push(l) });
  const key = /secret key \(shown once\): +(sk_test_\w+)/.exec(lines.join('\n'))?.[1];
  return {
    server,
    base: server.url!,
    dataDir,
    demoKey: key!,
    banner: lines.join('\n'),
    cli: (args: string[], extra: Record<string, string> = {}) => runCli(args, cliEnv({ PROBADOR_DATA_DIR: dataDir, ...extraEnv, ...extra })),
    close: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function http(base: string, method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}) },
    ...(opts.body ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: () => JSON.parse(text), text };
}
const login = (base: string, email: string, password: string) => http(base, 'POST', '/admin/v1/auth/login', { body: { email, password } });

describe('embedded: admin commands reach the running server over its control socket', () => {
  let live: Awaited<ReturnType<typeof liveServer>>;
  beforeAll(async () => {
    live = await liveServer({});
  }, SLOW);
  afterAll(async () => live?.close());

  it('the socket is private to the user: run/ is 0700, the socket 0600; the banner says the CLI works', () => {
    const path = controlSocketPath(live.dataDir);
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(live.dataDir, 'run')).mode & 0o777).toBe(0o700);
    expect(live.banner).toContain('CLI admin commands (npx probador --help) reach this server while it runs.');
  });

  it('migrate, seed, tenant create and list, key create and revoke: done by the server, seen by it at once', async () => {
    expect(ok(await live.cli(['migrate'])).stdout.trim()).toBe('Migrations applied.');
    expect(ok(await live.cli(['seed'])).stdout.trim()).toMatch(/^Demo Store \(ten_\w+\) already exists\.$/);

    const tenant = json<{ id: string; name: string }>(await live.cli(['tenant', 'create', '--name', 'Live Shop', '--tier', 'basic', '--json']));
    expect(tenant).toMatchObject({ id: expect.stringMatching(/^ten_/), name: 'Live Shop' });
    const list = json<{ name: string }[]>(await live.cli(['tenant', 'list', '--json']));
    expect(list.map((t) => t.name).sort()).toEqual(['Demo Store', 'Live Shop']);

    const key = json<{ id: string; key: string }>(await live.cli(['key', 'create', '--tenant', tenant.id, '--env', 'test', '--json']));
    const me = await http(live.base, 'GET', '/v1/me', { token: key.key });
    expect(me.status, me.text).toBe(200);
    expect(me.json().tenant.id).toBe(tenant.id);

    ok(await live.cli(['key', 'revoke', '--tenant', tenant.id, '--key', key.id]));
    // The revoke ran in the server, so its key cache forgot the key at once.
    expect((await http(live.base, 'GET', '/v1/me', { token: key.key })).status).toBe(401);

    // The server still owns the data directory: nothing was opened beside it.
    const lock = JSON.parse(readFileSync(join(live.dataDir, 'pg', 'probador.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(process.pid);
  }, SLOW);

  it('operator create (password generated, shown once) and reset-password (old password and sessions end)', async () => {
    const made = json<{ email: string; role: string; password: string }>(await live.cli(['operator', 'create', '--email', 'Second@Live.test', '--json']));
    expect(made).toMatchObject({ email: 'second@live.test', role: 'operator', password: expect.stringMatching(/^[\w-]{20}$/) });
    const second = await login(live.base, 'second@live.test', made.password);
    expect(second.status, second.text).toBe(200);
    expect(second.json().user.role).toBe('operator');

    const before = await login(live.base, ADMIN.email, ADMIN.password);
    expect(before.status).toBe(200);
    const oldToken = before.json().access_token as string;
    expect((await http(live.base, 'GET', '/admin/v1/tenants', { token: oldToken })).status).toBe(200);

    const reset = ok(await live.cli(['operator', 'reset-password', '--email', ADMIN.email]));
    const fresh = /new password \(shown once\): (\S+)/.exec(reset.stdout)?.[1];
    expect(fresh, reset.stdout).toMatch(/^[\w-]{20}$/);
    expect((await login(live.base, ADMIN.email, ADMIN.password)).status).toBe(401);
    expect((await http(live.base, 'GET', '/admin/v1/tenants', { token: oldToken })).status).toBe(401);
    expect((await login(live.base, ADMIN.email, fresh!)).status).toBe(200);

    // A chosen password is not echoed.
    const chosen = ok(await live.cli(['operator', 'reset-password', '--email', ADMIN.email, '--password', ADMIN.password]));
    expect(chosen.stdout).not.toContain(ADMIN.password);
    expect((await login(live.base, ADMIN.email, ADMIN.password)).status).toBe(200);
  }, SLOW);

  it('refusals come back as the same one-line messages', async () => {
    refused(await live.cli(['operator', 'create', '--email', ADMIN.email]), /^probador: EMAIL_TAKEN: /);
    refused(await live.cli(['operator', 'reset-password', '--email', 'nobody@live.test']), /^probador: USER_NOT_FOUND: No operator with email nobody@live\.test\./);
    refused(await live.cli(['operator', 'reset-password', '--email', ADMIN.email, '--password', 'short']), /^probador: WEAK_PASSWORD: /);
    refused(await live.cli(['key', 'revoke', '--tenant', 'ten_01ZZZZZZZZZZZZZZZZZZZZZZZZ', '--key', 'key_01ZZZZZZZZZZZZZZZZZZZZZZZZ']), /^probador: (TENANT|API_KEY)_NOT_FOUND: /);
    // Checked before anything is sent.
    refused(await live.cli(['operator', 'create', '--email', 'not-an-email']), /^probador: Invalid arguments:\n\s+--email: must match format "email"/);
    refused(await live.cli(['operator', 'create']), /^probador: operator create needs --email/);
  }, SLOW);

  it('probador tryon: uploads, follows the try-on and writes the result; clear refusals', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probador-tryon-'));
    try {
      const out = join(dir, 'me-in-tee.png');
      const r = ok(await live.cli(['tryon', '--url', live.base, '--person', 'examples/person.jpg', '--garment', 'examples/tee.png', '--category', 'tops', '--out', out], { PROBADOR_API_KEY: live.demoKey }));
      expect(r.stderr).toMatch(/Uploading person photo person\.jpg \(\d+ kB\)…\n {2}upl_\w+ \(512×512\)\nUploading garment photo tee\.png/);
      expect(r.stderr).toMatch(/Try-on try_\w+: (queued|processing)\n/);
      expect(r.stderr).toMatch(/\n {2}succeeded\n/);
      expect(r.stdout).toMatch(new RegExp(`^Saved ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(512×512, \\d+ kB\\): made by local \\(a preview\\)`));
      // --out .png: converted from the JPEG the engine made.
      const meta = await sharp(out).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 512, 512]);

      // A catalog product by id, --json: the try-on object with where it was written.
      const byId = json<{ status: string; garments: { product_id: string }[]; out: string }>(
        await live.cli(['tryon', '--url', live.base, '--key', live.demoKey, '--person', 'examples/person.jpg', '--product', 'demo-linen-shirt', '--out', join(dir, 'shirt.jpg'), '--json']),
      );
      expect(byId).toMatchObject({ status: 'succeeded', garments: [{ product_id: 'demo-linen-shirt' }], out: join(dir, 'shirt.jpg') });

      refused(await live.cli(['tryon', '--url', live.base, '--key', 'sk_test_00000000000000000000000000000000', '--person', 'examples/person.jpg', '--garment', 'examples/tee.png']), /^probador: the server refused the API key \(401 INVALID_API_KEY/m);
      refused(await live.cli(['tryon', '--url', live.base, '--key', live.demoKey, '--person', 'examples/nope.jpg', '--garment', 'examples/tee.png']), /^probador: cannot read --person examples\/nope\.jpg: no such file/);
      refused(await live.cli(['tryon', '--url', live.base, '--key', live.demoKey, '--person', 'examples/person.jpg', '--product', 'no-such-product']), /^probador: the server refused the request \(404 PRODUCT_NOT_FOUND/m);
      const nobody = await freePort();
      refused(await live.cli(['tryon', '--url', `http://127.0.0.1:${nobody}`, '--key', live.demoKey, '--person', 'examples/person.jpg', '--garment', 'examples/tee.png']), new RegExp(`^probador: cannot reach the server at http://127\\.0\\.0\\.1:${nobody} \\(ECONNREFUSED\\)\\. Is it running\\?`, 'm'));
      refused(await live.cli(['tryon', '--url', live.base, '--person', 'examples/person.jpg', '--garment', 'examples/tee.png']), /^probador: tryon needs a secret API key/);
      refused(await live.cli(['tryon', '--url', live.base, '--key', live.demoKey, '--person', 'examples/person.jpg']), /^probador: tryon needs at least one --garment FILE or --product ID/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, SLOW);

  it('after the server stops, the same commands open the database themselves (a dead socket file is ignored)', async () => {
    await live.server.close();
    // As if the server had crashed: a file left where the socket was.
    writeFileSync(controlSocketPath(live.dataDir), '');
    const list = json<{ name: string }[]>(await live.cli(['tenant', 'list', '--json']));
    expect(list.map((t) => t.name).sort()).toEqual(['Demo Store', 'Live Shop']);
    ok(await live.cli(['operator', 'reset-password', '--email', 'second@live.test', '--password', 'another-password-2']));
  }, SLOW);
});

describe.runIf(usingPostgres() && usingRedis())('PostgreSQL + Redis: the CLI works next to a running server', () => {
  let live: Awaited<ReturnType<typeof liveServer>>;
  let db: Awaited<ReturnType<typeof childDatabaseEnv>>;
  beforeAll(async () => {
    db = await childDatabaseEnv();
    live = await liveServer(db.env);
  }, SLOW);
  afterAll(async () => {
    await live?.close();
    await db?.cleanup();
  });

  it('creates and revokes a key the server honours at once (invalidation through Redis), and resets an operator', async () => {
    expect(live.banner).not.toContain('CLI admin commands'); // no control socket: not needed
    const tenant = json<{ id: string }>(await live.cli(['tenant', 'create', '--name', 'PG Shop', '--json']));
    const key = json<{ id: string; key: string }>(await live.cli(['key', 'create', '--tenant', tenant.id, '--json']));
    expect((await http(live.base, 'GET', '/v1/me', { token: key.key })).status).toBe(200);
    ok(await live.cli(['key', 'revoke', '--tenant', tenant.id, '--key', key.id]));
    expect((await http(live.base, 'GET', '/v1/me', { token: key.key })).status).toBe(401);
    ok(await live.cli(['operator', 'reset-password', '--email', ADMIN.email, '--password', 'pg-new-password-3']));
    expect((await login(live.base, ADMIN.email, 'pg-new-password-3')).status).toBe(200);
  }, SLOW);
});

