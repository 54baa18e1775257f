/**
 * The CLI, run for real as a child process on a fresh embedded data directory per test.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, ROOT, runCli, ok, json, refused } from './cli-run.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A data directory path that does not exist yet (so a test can tell whether the CLI created it). */
function freshDataDir() {
  const parent = mkdtempSync(join(tmpdir(), 'probador-cli-'));
  made.push(parent);
  return join(parent, 'data');
}


const SLOW = 240_000; // each command opens (and on first use initialises) an embedded database

describe('happy', () => {
  it('--help prints the usage and exits 0 without touching the data directory', async () => {
    const dir = freshDataDir();
    for (const args of [['--help'], ['tenant', 'create', '-h']]) {
      const r = ok(await runCli(args, cliEnv({ PROBADOR_DATA_DIR: dir })));
      expect(r.stdout).toMatch(/^Usage: probador <command>/);
      expect(r.stdout).toContain('key revoke --tenant');
      expect(r.stdout).toContain('operator reset-password --email');
      expect(r.stdout).toContain('tryon --person FILE --garment FILE');
    }
    expect(existsSync(dir)).toBe(false);
  }, SLOW);

  it('migrate creates and migrates a fresh data directory, and can run again', async () => {
    const dir = freshDataDir();
    const env = cliEnv({ PROBADOR_DATA_DIR: dir });
    const r = ok(await runCli(['migrate'], env));
    expect(r.stdout.trim()).toBe('Migrations applied.');
    expect(existsSync(join(dir, 'pg', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dir, 'pg', 'probador.lock'))).toBe(false); // released on exit
    expect(json(await runCli(['migrate', '--json'], env))).toEqual({ ok: true });
  }, SLOW);

  it('tenant create, tenant list, key create and key revoke', async () => {
    const env = cliEnv({ PROBADOR_DATA_DIR: freshDataDir() });
    const tenant = json<Record<string, unknown>>(
      await runCli(['tenant', 'create', '--name', 'Shop X', '--tier', 'pro', '--origin', 'https://a.example', '--origin', 'https://B.example:8443', '--website', 'https://x.example', '--json'], env),
    );
    expect(tenant).toMatchObject({
      id: expect.stringMatching(/^ten_[0-9A-Z]{26}$/),
      object: 'tenant',
      name: 'Shop X',
      tier: 'pro',
      website: 'https://x.example',
      active: true,
      allowed_origins: ['https://a.example', 'https://b.example:8443'], // normalised to lower case
      retention: '24h',
    });
    const tenantId = tenant.id as string;

    const list = json<{ id: string; name: string; tier: string }[]>(await runCli(['tenant', 'list', '--json'], env));
    expect(list.map((x) => [x.id, x.name, x.tier])).toEqual([[tenantId, 'Shop X', 'pro']]);

    const key = json<Record<string, unknown>>(await runCli(['key', 'create', '--tenant', tenantId, '--kind', 'publishable', '--env', 'test', '--name', 'widget', '--json'], env));
    expect(key).toMatchObject({
      id: expect.stringMatching(/^key_/),
      object: 'api_key',
      tenant_id: tenantId,
      kind: 'publishable',
      environment: 'test',
      name: 'widget',
      status: 'active',
      revoked_at: null,
      key: expect.stringMatching(/^pk_test_[1-9A-HJ-NP-Za-km-z]{32}$/),
    });
    expect((key.key as string).startsWith(key.prefix as string)).toBe(true);

    const revoked = json<Record<string, unknown>>(await runCli(['key', 'revoke', '--tenant', tenantId, '--key', key.id as string, '--json'], env));
    expect(revoked).toMatchObject({ id: key.id, status: 'revoked', revoked_at: expect.any(String) });
    expect(revoked).not.toHaveProperty('key'); // the secret is never shown again

    refused(await runCli(['key', 'revoke', '--tenant', tenantId, '--key', 'key_01ZZZZZZZZZZZZZZZZZZZZZZZZ'], env), 1, /^probador: API_KEY_NOT_FOUND: /);
  }, SLOW);

  it('seed creates the demo store once; a second run says it already exists', async () => {
    const env = cliEnv({ PROBADOR_DATA_DIR: freshDataDir() });
    const first = json<{ tenant: { id: string; name: string; tier: string }; secret_key: string; publishable_key: string }>(await runCli(['seed', '--json'], env));
    expect(first.tenant.name).toBe('Demo Store');
    expect(first.tenant.tier).toBe('pro');
    expect(first.secret_key).toMatch(/^sk_test_/);
    expect(first.publishable_key).toMatch(/^pk_test_/);

    const second = ok(await runCli(['seed'], env));
    expect(second.stdout.trim()).toBe(`Demo Store (${first.tenant.id}) already exists.`);
    expect(second.stdout).not.toMatch(/sk_test_/);
  }, SLOW);

  it('seed puts the demo store\'s products in its catalog (web/demo/products.json), once', async () => {
    const env = cliEnv({ PROBADOR_DATA_DIR: freshDataDir() });
    const first = json<{ products_added: string[] }>(await runCli(['seed', '--json'], env));
    const demo = JSON.parse(readFileSync(join(ROOT, 'web', 'demo', 'products.json'), 'utf8')) as { id: string }[];
    expect(first.products_added).toEqual(demo.map((p) => p.id));
    expect(demo.map((p) => p.id)).toContain('demo-striped-tee');
    expect(json<{ products_added: string[] }>(await runCli(['seed', '--json'], env)).products_added).toEqual([]);
  }, SLOW);

  it('operator create and reset-password, with no server running', async () => {
    const env = cliEnv({ PROBADOR_DATA_DIR: freshDataDir() });
    const made = ok(await runCli(['operator', 'create', '--email', 'ops@cli.test', '--name', 'Ops'], env));
    expect(made.stdout).toMatch(/^Created operator ops@cli\.test \(usr_\w+\)\. They sign in at \/dashboard\.\n {2}password \(shown once\): [\w-]{20}\n$/);
    const chosen = json<Record<string, unknown>>(await runCli(['operator', 'create', '--email', 'two@cli.test', '--password', 'chosen-password-1', '--json'], env));
    expect(chosen).toMatchObject({ object: 'user', email: 'two@cli.test', role: 'operator' });
    expect(chosen).not.toHaveProperty('password'); // a chosen password is not printed back
    const reset = json<{ email: string; password: string }>(await runCli(['operator', 'reset-password', '--email', 'OPS@cli.test', '--json'], env));
    expect(reset).toMatchObject({ email: 'ops@cli.test', password: expect.stringMatching(/^[\w-]{20}$/) });
    refused(await runCli(['operator', 'create', '--email', 'ops@cli.test'], env), 1, /^probador: EMAIL_TAKEN: /);
    refused(await runCli(['operator', 'reset-password', '--email', 'ghost@cli.test'], env), 1, /^probador: USER_NOT_FOUND: /);
  }, SLOW);
});

describe('errors', () => {
  it('an unknown command exits 2 with the usage, before opening anything', async () => {
    const dir = freshDataDir();
    const r = await runCli(['frobnicate', 'now'], cliEnv({ PROBADOR_DATA_DIR: dir }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Unknown command: frobnicate now\n/);
    expect(r.stderr).toContain('Usage: probador');
    expect(r.stdout).toBe('');
    const none = await runCli([], cliEnv({ PROBADOR_DATA_DIR: dir }));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: probador');
    expect(existsSync(dir)).toBe(false);
  }, SLOW);

  it('a bad environment exits 1 with a clear message', async () => {
    const dir = freshDataDir();
    refused(await runCli(['migrate'], cliEnv({ PROBADOR_DATA_DIR: dir, PROBADOR_DATADIR: '/tmp/typo' })), 1, /^probador: Unknown setting\(s\): PROBADOR_DATADIR\. Known PROBADOR_\* settings: PROBADOR_DATA_DIR,/);
    refused(await runCli(['migrate'], cliEnv({ PROBADOR_DATA_DIR: dir, PORT: 'abc' })), 1, /^probador: PORT must be a whole number, got "abc"/);
    refused(await runCli(['start', '--port', '70000'], cliEnv({ PROBADOR_DATA_DIR: dir })), 1, /^probador: Invalid configuration:\n\s+PORT: /);
    expect(existsSync(dir)).toBe(false);
  }, SLOW);

  it('bad arguments exit 1 with a clear message, before anything is written', async () => {
    const dir = freshDataDir();
    const env = cliEnv({ PROBADOR_DATA_DIR: dir });
    refused(await runCli(['tenant', 'create', '--name', 'X', '--tier', 'platinum'], env), 1, /^probador: --tier must be one of free, basic, pro, enterprise; got "platinum"/);
    refused(await runCli(['tenant', 'create', '--name', 'X', '--origin', 'https://a.example/shop'], env), 1, /^probador: Invalid arguments:\n\s+--origin: must match pattern/);
    refused(await runCli(['key', 'create', '--tenant', 'ten_x', '--env', 'prod'], env), 1, /^probador: --env must be one of live, test; got "prod"/);
    const unknownOption = await runCli(['migrate', '--colour'], env);
    expect(unknownOption.code).toBe(1);
    expect(unknownOption.stderr).toMatch(/^probador: Unknown option '--colour'/);
    expect(existsSync(dir)).toBe(false);
  }, SLOW);
});
