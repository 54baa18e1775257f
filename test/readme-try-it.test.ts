/**
 * The README's "Try it" runs as written, and then its "Style analysis" and "Conversational commerce" blocks. `npm start` on a fresh data directory (and, on the
 * PostgreSQL run, a fresh database) with the defaults a newcomer gets — perception models, photo
 * pre-check, the local engine —; the key is read from its banner; then the README's shell block
 * runs in bash, in the repository, with two substitutions only: the `KEY=` line gets that key and
 * `localhost:3000` the port the test chose. Every command must succeed (`set -e`, `pipefail`, curl
 * -f), and what they made is checked afterwards through the API: every try-on succeeded. The
 * Style block runs the same way in a shell that has `KEY` and `json_id` as Try it set them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli-run.js';
import { childDatabaseEnv } from './harness.js';
import { childrenOf, freePort, isAlive, npmStart, portOpen, userEnv } from './npm-start.js';

const SLOW = 600_000;
const RESULT = join(ROOT, 'result.jpg'); // what the README's last command writes
const dataDir = mkdtempSync(join(tmpdir(), 'probador-readme-'));
let db: Awaited<ReturnType<typeof childDatabaseEnv>>;
let server: ReturnType<typeof npmStart> | undefined;
let port: number;
let key: string;

/** The first ```sh block of the README's "## Try it" section. */
function tryItBlock(readme: string): string {
  const section = readme.slice(readme.indexOf('\n## Try it\n'));
  const m = /```sh\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 5)));
  if (!m) throw new Error('no ```sh block in the README\'s "Try it" section');
  return m[1]!;
}

/** The ```sh block of a README section ("Style analysis", "Conversational commerce"). */
function sectionBlock(readme: string, title: string): string {
  const section = readme.slice(readme.indexOf(`\n## ${title}\n`));
  const m = /```sh\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 5)));
  if (!m) throw new Error(`no \`\`\`sh block in the README's "${title}" section`);
  return m[1]!;
}
const styleBlock = (readme: string) => sectionBlock(readme, 'Style analysis');

/** Run a shell script as the README's reader would (bash -euo pipefail, in the repository). */
function runScript(script: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-x', '-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  rmSync(RESULT, { force: true });
  db = await childDatabaseEnv();
  port = await freePort();
  server = npmStart(userEnv({ ...db.env, PROBADOR_DATA_DIR: dataDir, PORT: String(port) }));
  const banner = await server.banner();
  key = /KEY=(sk_test_\w+)/.exec(banner)?.[1] ?? '';
  expect(key, banner).toMatch(/^sk_test_\w{32}$/);
}, SLOW);

afterAll(async () => {
  if (server && server.child.exitCode === null) {
    for (const pid of childrenOf(server.child.pid!)) process.kill(pid, 'SIGKILL');
    server.child.kill('SIGKILL');
  }
  rmSync(RESULT, { force: true });
  await db?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('README "Try it"', () => {
  it('has no placeholders beyond the key, and no made-up hosts', () => {
    const block = tryItBlock(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const commands = block.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#') && !l.startsWith('KEY='));
    expect(commands.length).toBeGreaterThan(8);
    for (const l of commands) {
      expect(l.replace(/\s#\s.*$/, '')).not.toMatch(/…|\.\.\.|example\.|<[a-z_]+>/); // no elisions, example hosts or <placeholders>
      for (const host of l.match(/(?:https?:\/\/)?[a-z0-9.-]+:\d{2,5}/g) ?? []) expect(host.replace(/^https?:\/\//, '')).toBe('localhost:3000');
    }
    expect(block.match(/^KEY=.*$/gm)).toHaveLength(1);
    expect(block).toMatch(/-F kind=person -F file=@examples\/person\.jpg/);
    expect(block).toMatch(/-F kind=garment -F file=@examples\/\w+\.png/);
    expect(block).toContain('"product_id\\": \\"demo-striped-tee');
    expect(block).toMatch(/^npx probador tryon .*--out result\.jpg/m);
    for (const f of ['examples/person.jpg', 'examples/tee.png', 'examples/shirt.png']) expect(existsSync(join(ROOT, f)), f).toBe(true);
  });

  it('runs as written against a fresh `npm start`, and every try-on it starts succeeds', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const script = tryItBlock(readme)
      .replace(/^KEY=.*$/m, `KEY=${key}`)
      .replaceAll('localhost:3000', `localhost:${port}`);
    // The user's shell, in the repository's folder; PROBADOR_DATA_DIR as the server has it.
    const env = userEnv({ PROBADOR_DATA_DIR: dataDir, ...db.env });
    const run = await runScript(script, env);
    const report = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr (bash -x)\n${run.stderr}\n--- server\n${server!.output().slice(-4000)}`;
    expect(run.code, report).toBe(0);

    // 3. The event stream ended with the finished try-on; the GET shows its result.
    expect(run.stdout, report).toMatch(/event: status\ndata: \{"id":"try_\w+","status":"(queued|processing|succeeded)"/);
    expect(run.stdout, report).toMatch(/event: tryon\ndata: \{"id":"try_\w+","object":"tryon","status":"succeeded"/);
    // 4. The demo product by id; 5. the store's own product, created (201) and tried on.
    expect(run.stdout, report).toContain('"product_id":"demo-striped-tee"');
    expect(run.stdout, report).toMatch(/"object":"product","product_id":"linen-shirt"/);
    expect(run.stdout, report).toContain('"product_id":"linen-shirt"');
    // 7. The CLI wrote the result.
    expect(run.stdout, report).toMatch(/Saved \S*result\.jpg \(512×512, \d+ kB\): made by local \(a preview\)/);
    expect(run.stderr, report).toMatch(/Try-on try_\w+: /);
    const meta = await sharp(readFileSync(RESULT)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 512, 512]);

    // Every try-on the block started (2, 4, 5, 6 and the CLI's) ends succeeded.
    const base = `http://127.0.0.1:${port}`;
    let list: { data: { id: string; status: string; error: unknown }[] } = { data: [] };
    for (let i = 0; i < 120; i++) {
      list = (await (await fetch(`${base}/v1/tryons?limit=20`, { headers: { authorization: `Bearer ${key}` } })).json()) as typeof list;
      if (list.data.every((t) => ['succeeded', 'failed', 'canceled'].includes(t.status))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(list.data.length).toBe(5);
    expect(list.data.map((t) => t.status), JSON.stringify(list.data)).toEqual(Array(5).fill('succeeded'));
  }, SLOW);

  it('the Style block runs as written too: an analysis, the quiz fused with it, colour matches of the demo products', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = styleBlock(readme);
    for (const l of block.split('\n').filter((x) => x.trim() && !x.trim().startsWith('#'))) {
      expect(l).not.toMatch(/…|\.\.\.|example\.|<[a-z_]+>/);
      for (const host of l.match(/(?:https?:\/\/)?[a-z0-9.-]+:\d{2,5}/g) ?? []) expect(host.replace(/^https?:\/\//, '')).toBe('localhost:3000');
    }
    for (const path of ['/v1/style/analyses', '/v1/style/quiz-results', '/v1/style/color-matches']) expect(block).toContain(path);
    // The shell as Try it left it: KEY and json_id set.
    const prelude = (/^json_id\(\).*$/m.exec(tryItBlock(readme)) ?? [''])[0];
    const script = `KEY=${key}\n${prelude}\n${block}`.replaceAll('localhost:3000', `localhost:${port}`);
    const run = await runScript(script, userEnv({ PROBADOR_DATA_DIR: dataDir, ...db.env }));
    const report = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr (bash -x)\n${run.stderr}\n--- server\n${server!.output().slice(-4000)}`;
    expect(run.code, report).toBe(0);
    // What the block made, read back through the API.
    type Analysis = { id: string; face: { shape: string }; color: { season12: { season: string } } };
    const res = await fetch(`http://127.0.0.1:${port}/v1/style/analyses?shopper_id=ana`, { headers: { authorization: `Bearer ${key}` } });
    const analyses = (await res.json()) as { data: Analysis[] };
    expect(analyses.data, report).toHaveLength(1);
    const a = analyses.data[0]!;
    expect(a).toMatchObject({ object: 'style_analysis', status: 'succeeded', analyser: { name: 'local' }, source: 'photo' });
    expect(a.face.shape).toBeTruthy();
    expect(a.color.season12.season).toBeTruthy();
    expect(run.stdout, report).toContain(`"id":"${a.id}"`); // the GET printed it
    expect(run.stdout, report).toContain('"object":"style_quiz"');
    expect(run.stdout, report).toMatch(/"object":"list","season":"\w+","data":\[/);
    for (const id of ['demo-striped-tee', 'demo-summer-dress']) expect(run.stdout, report).toContain(`"product_id":"${id}"`);
    expect(run.stdout, report).toContain('"color":"#1f3a93"');
  }, SLOW);

  it('the Conversational commerce block runs as written too: a bot, a shopper through the simulator, an agent reply the shopper sees, a flow published, tried and answering', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = sectionBlock(readme, 'Conversational commerce');
    for (const l of block.split('\n').filter((x) => x.trim() && !x.trim().startsWith('#'))) {
      expect(l).not.toMatch(/…|\.\.\.|example\.|<[a-z_]+>/);
      for (const host of l.match(/(?:https?:\/\/)?[a-z0-9.-]+:\d{2,5}/g) ?? []) expect(host.replace(/^https?:\/\//, '')).toBe('localhost:3000');
    }
    const prelude = (/^json_id\(\).*$/m.exec(tryItBlock(readme)) ?? [''])[0];
    const script = `KEY=${key}\n${prelude}\n${block}`.replaceAll('localhost:3000', `localhost:${port}`);
    const run = await runScript(script, userEnv({ PROBADOR_DATA_DIR: dataDir, ...db.env }));
    const report = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr (bash -x)\n${run.stderr}\n--- server\n${server!.output().slice(-4000)}`;
    expect(run.code, report).toBe(0);
    // The conversation, read back through the API: the shopper's message and the agent's reply, which the shopper's phone shows.
    const get = async <T>(path: string) => (await (await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${key}` } })).json()) as T;
    const convs = await get<{ data: { id: string; status: string; contact: { phone: string } }[] }>('/v1/conversations?limit=5');
    expect(convs.data, report).toHaveLength(2);
    const ana = convs.data.find((c) => c.contact.phone === '+5491122334455')!;
    expect(ana.status).toBe('agent');
    const msgs = await get<{ data: { direction: string; content: { type: string } }[] }>(`/v1/conversations/${ana.id}/messages`);
    expect(msgs.data.map((m) => `${m.direction}:${m.content.type}`).sort(), report).toEqual(['in:text', 'out:buttons']);
    expect(run.stdout, report).toContain('"direction":"to_shopper"');
    expect(run.stdout, report).toMatch(/"url":"http:\/\/[^"]+\/simulator\/bot_/);
    // The flow: published, its test run shows the demo catalog, and the new shopper got its buttons from a flow session.
    expect(run.stdout, report).toContain('"published_version":1');
    expect(run.stdout, report).toMatch(/"transcript":\[.*"header":"Novedades".*"rows":\[\{"id":"[^"]+"/);
    const leo = convs.data.find((c) => c.contact.phone === '+5491199998888')!;
    const sessions = await get<{ data: { status: string; step_id: string; waiting: boolean }[] }>(`/v1/flow-sessions?conversation_id=${leo.id}`);
    expect(sessions.data, report).toEqual([expect.objectContaining({ status: 'active', step_id: 'hola', waiting: true })]);
  }, SLOW);

  it('SIGTERM to npm stops the server', async () => {
    const pid = childrenOf(server!.child.pid!)[0]!;
    server!.child.kill('SIGTERM');
    await server!.exited;
    expect(isAlive(pid)).toBe(false);
    expect(await portOpen(port)).toBe(false);
  }, 60_000);
});
