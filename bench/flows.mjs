#!/usr/bin/env node
/**
 * Flow engine benchmark (issue 23, "Must show"), in one run:
 *  1. the cost of running a step: a shopper's message → the bot's reply, through the simulator, on
 *     a bot whose published flow's one step sends the reply, beside a bot with no flow that sends
 *     the same text (its away message, the core's own automatic reply). Blocks of messages, each
 *     from a new shopper, one at a time, the two bots alternating block by block: CPU per message
 *     of every Probador process (and PostgreSQL's backends and Redis), and the latency to the
 *     reply enqueued and sent. Embedded and PostgreSQL + Redis (API node + 2 workers).
 *  2. 1,000 concurrent scripted conversations of the shop flow (welcome and menu → Buy → a product
 *     → a quantity → order, payment link, end: four shopper messages, six replies each) on
 *     PostgreSQL + Redis + BullMQ with 2 workers: messages/s and inbound → first reply p50/p95.
 *
 *   npm run bench:flows                 # build, then the full run (writes its section of RESULTS.md)
 *   BENCH_QUICK=1 node bench/flows.mjs  # short run; prints, leaves RESULTS.md alone
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeResultsSection } from './lib/results.mjs';
import { cpuTimeMs, onCleanup, shutdown, stopChild } from './lib/children.mjs';
import { api, createAwayBot } from './commerce/api.mjs';
import { ipcEvents, redisEvents } from './commerce/events.mjs';
import { cpuMeter, startApi } from './commerce/goal-load.mjs';
import { bundleServer, dataDirFor, freshDatabase, freshRedis, nodeEnv, ROOT, startNode } from './commerce/launcher.mjs';
import { median, photoJpeg, summary } from './tryon/common.mjs';

const env = process.env;
const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
const QUICK = env.BENCH_QUICK === '1';
const S = {
  modes: (env.BENCH_MODES ?? 'embedded,postgres').split(',').map((s) => s.trim()).filter(Boolean),
  goals: new Set((env.BENCH_GOALS ?? '1,2').split(',').map((s) => s.trim())),
  rounds: num(env.BENCH_ROUNDS, QUICK ? 2 : 5),
  block: num(env.BENCH_BLOCK, QUICK ? 20 : 60),
  warm: QUICK ? 10 : 30,
  conversations: num(env.BENCH_CONVERSATIONS, QUICK ? 200 : 1000),
  workers: 2,
};
const WRITE = env.BENCH_WRITE === '1' ? true : env.BENCH_WRITE === '0' ? false : !QUICK;
const SECTION = '## Commerce: flow engine (issue 23)';
const log = (m) => process.stderr.write(`[bench:flows ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const AWAY_TEXT = 'Thanks for writing! We are closed now and will answer first thing tomorrow.';
const ONE_STEP = { start: 'reply', settings: { debounce_ms: 0 }, steps: [{ id: 'reply', type: 'message', content: { kind: 'text', text: AWAY_TEXT }, next: null }] };
const SHOP = {
  start: 'welcome',
  settings: { debounce_ms: 0 },
  steps: [
    { id: 'welcome', type: 'message', content: { kind: 'text', text: 'Hi {{contact.name}}! Welcome to the shop.' }, next: 'menu' },
    { id: 'menu', type: 'question', prompt: 'What would you like?', input: { kind: 'choice', options: [{ id: 'buy', label: 'Buy', next: 'pick' }, { id: 'human', label: 'Talk to someone', next: 'handover' }] } },
    { id: 'pick', type: 'question', prompt: 'Which one?', input: { kind: 'product', limit: 5 }, save_as: 'sku', next: 'qty' },
    { id: 'qty', type: 'question', prompt: 'How many?', input: { kind: 'number', min: 1, max: 99 }, save_as: 'qty', retry: { max: 2, message: 'Please send a number from 1 to 99.' }, next: 'check' },
    { id: 'check', type: 'decision', branches: [{ when: { all: [{ var: 'qty', op: 'lte', value: 10 }] }, next: 'add' }], else: 'handover' },
    { id: 'add', type: 'action', action: 'cart.add', args: { product: '{{sku}}', quantity: '{{qty}}' }, next: 'order' },
    { id: 'order', type: 'action', action: 'order.create', save_as: 'order', on_error: 'handover', next: 'link' },
    { id: 'link', type: 'message', content: { kind: 'link', body: 'Order {{order.id}}: {{order.total_text}}', label: 'Pay', url: 'https://pay.example/l/{{order.id}}' }, next: 'bye' },
    { id: 'bye', type: 'end', message: 'Thanks! We will write when it ships.' },
    { id: 'handover', type: 'action', action: 'handover' },
  ],
};
/** The shop script: what the shopper sends, and how many flow replies each message gets. */
const SCRIPT = [
  { body: (i) => ({ text: `hi #${i}`, name: `Shopper ${i}` }), replies: 2 },
  { body: () => ({ button_reply: { id: 'buy', title: 'Buy' } }), replies: 1 },
  { body: () => ({ list_reply: { id: 'shirt', title: 'Linen shirt' } }), replies: 1 },
  { body: () => ({ text: '2' }), replies: 2 },
];

async function flowBot(base, key, name, definition) {
  const bot = await api(base, key, 'POST', '/v1/bots', { name });
  const flow = await api(base, key, 'POST', '/v1/flows', { name, bot_id: bot.id, definition });
  await api(base, key, 'POST', `/v1/flows/${flow.id}/publish`);
  return bot;
}

/** One message from a new shopper, timed to its reply's `message.created` (enqueued) and `message.status` sent. */
async function oneMessage(ctx, botId, phone, source) {
  const reply = ctx.events.waitFor((e) => e.type === 'message.created' && e.direction === 'out' && e.source === source, 30_000, `${source} reply`);
  // Only one message is in flight: the first `sent` status is this reply's (checked below).
  const sentP = ctx.events.waitFor((e) => e.type === 'message.status' && e.status === 'sent', 30_000, 'reply sent');
  const t0 = performance.now();
  await api(ctx.base, ctx.key, 'POST', `/v1/bots/${botId}/simulator/messages`, { phone, text: 'Hola! ¿Tienen el vestido de lino en talle M?' });
  const r = await reply;
  if (r.text !== AWAY_TEXT) throw new Error(`unexpected reply: ${r.text}`);
  const sent = await sentP;
  if (sent.id !== r.id) throw new Error('a status of another message came first');
  return { enqueued: r.t - t0, sent: sent.t - t0 };
}

/** Goal 1 in one deployment: blocks of the no-flow bot and the one-step flow bot, alternating. */
async function stepCost(ctx, phoneBase) {
  const away = await createAwayBot(ctx.base, ctx.key);
  const flow = await flowBot(ctx.base, ctx.key, 'Bench one-step flow', ONE_STEP);
  const variants = [
    { id: 'none', bot: away.id, source: 'auto', cpu: [], lat: [], sent: [] },
    { id: 'flow', bot: flow.id, source: 'flow', cpu: [], lat: [], sent: [] },
  ];
  let phone = phoneBase;
  const nextPhone = () => `+54911${String(phone++).padStart(8, '0')}`;
  for (const v of variants) for (let i = 0; i < S.warm; i++) await oneMessage(ctx, v.bot, nextPhone(), v.source);
  for (let round = 0; round < S.rounds; round++) {
    for (const v of round % 2 ? [...variants].reverse() : variants) {
      const meter = await ctx.meter();
      for (let i = 0; i < S.block; i++) {
        const m = await oneMessage(ctx, v.bot, nextPhone(), v.source);
        v.lat.push(m.enqueued);
        v.sent.push(m.sent);
      }
      await sleep(300); // the statuses' jobs (delivered/read are not produced: nobody reads the thread)
      v.cpu.push((await meter()) / S.block);
    }
    log(`  round ${round + 1}: CPU ms per message — no flow ${variants[0].cpu.at(-1).toFixed(2)}, one-step flow ${variants[1].cpu.at(-1).toFixed(2)}`);
  }
  const out = Object.fromEntries(variants.map((v) => [v.id, { cpuMs: median(v.cpu), cpuRounds: v.cpu, enqueued: summary(v.lat), sent: summary(v.sent) }]));
  out.ratioCpu = out.flow.cpuMs / out.none.cpuMs;
  out.ratioP50 = out.flow.enqueued.p50 / out.none.enqueued.p50;
  log(`  step cost: CPU ${out.ratioCpu.toFixed(2)}× (${out.flow.cpuMs.toFixed(2)} / ${out.none.cpuMs.toFixed(2)} ms), reply enqueued p50 ${out.ratioP50.toFixed(2)}×`);
  return out;
}

/** Goal 2: `n` shoppers run the shop script at once, each sending its next message when the flow has answered the last. */
async function concurrentConversations(ctx, n) {
  const image = (await photoJpeg(320, 320, { seed: 7 })).toString('base64');
  await api(ctx.base, ctx.key, 'PUT', '/v1/products/shirt', { name: 'Linen shirt', price: { amount: 2000, currency: 'EUR' }, image: `data:image/jpeg;base64,${image}` });
  const bot = await flowBot(ctx.base, ctx.key, 'Bench shop', SHOP);
  const shoppers = Array.from({ length: n }, (_, i) => ({ i, phone: `+54922${String(i).padStart(8, '0')}`, conv: undefined, step: 0, waiting: 0, sentAt: 0, done: undefined }));
  const byText = new Map(shoppers.map((s) => [`hi #${s.i}`, s]));
  const byConv = new Map();
  const firstReply = [];
  let messages = 0;
  let stray = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  let finished = 0;
  const send = (s) => {
    const m = SCRIPT[s.step];
    s.waiting = m.replies;
    s.sentAt = performance.now();
    s.first = true;
    api(ctx.base, ctx.key, 'POST', `/v1/bots/${bot.id}/simulator/messages`, { phone: s.phone, ...m.body(s.i) }).catch((e) => {
      log(`  shopper ${s.i}: ${e.message}`);
      stray++;
    });
  };
  ctx.events.onEvent((e) => {
    if (e.type !== 'message.created') return;
    if (e.direction === 'in') {
      const s = byText.get(e.text);
      if (s) byConv.set(e.conversation, s);
      return;
    }
    if (e.source !== 'flow') return;
    const s = byConv.get(e.conversation);
    if (!s) return void stray++;
    if (s.first) {
      firstReply.push(e.t - s.sentAt);
      s.first = false;
    }
    if (--s.waiting > 0) return;
    messages++;
    s.step++;
    if (s.step < SCRIPT.length) send(s);
    else if (++finished === n) resolveAll();
  });
  const meter = await ctx.meter(true);
  const t0 = performance.now();
  // The shoppers start within a second.
  for (const s of shoppers) {
    send(s);
    await sleep(1000 / n);
  }
  const timeout = setTimeout(() => resolveAll(), 600_000);
  await all;
  clearTimeout(timeout);
  const took = (performance.now() - t0) / 1000;
  const cpu = await meter();
  const out = { conversations: n, finished, messages, tookS: took, perS: messages / took, firstReply: summary(firstReply), stray, cpu };
  log(`  ${finished}/${n} conversations, ${messages} messages in ${took.toFixed(1)} s: ${out.perS.toFixed(0)} messages/s, first reply p50 ${out.firstReply.p50.toFixed(0)} ms, p95 ${out.firstReply.p95.toFixed(0)} ms`);
  return out;
}

async function embedded(entry, r) {
  const node = await startNode(entry, 'probador (embedded, all)', nodeEnv({ dataDir: dataDirFor('flows') }), { role: 'all', seed: true, tap: true });
  const events = ipcEvents(node.child);
  const ctx = {
    base: node.base,
    key: node.seed.key,
    events,
    meter: async () => {
      const c0 = cpuTimeMs(node.child.pid);
      return async () => cpuTimeMs(node.child.pid) - c0;
    },
  };
  log('goal 1 (embedded): a one-step flow beside the same reply with no flow');
  r.step.embedded = await stepCost(ctx, 30_000_000);
  await stopChild(node.child);
}

async function postgres(entry, r, meta) {
  const db = await freshDatabase('flows');
  const redis = await freshRedis('flows');
  Object.assign(meta, { postgres: db.version, redis: redis.version });
  const config = nodeEnv({ dataDir: dataDirFor('flows-pg'), databaseUrl: db.url, redisPrefix: redis.prefix });
  const apiNode = await startApi(entry, config, { seed: true });
  const workers = [];
  for (let i = 0; i < S.workers; i++) workers.push(await startNode(entry, `probador worker ${i + 1}`, config, { role: 'worker' }));
  const events = await redisEvents(redis.redis, redis.prefix);
  onCleanup(() => events.close());
  const pids = [apiNode.child.pid, ...workers.map((w) => w.child.pid)];
  const ctx = {
    base: apiNode.base,
    key: apiNode.seed.key,
    events,
    meter: async (detail = false) => {
      const m = await cpuMeter(pids, db.name, db.url);
      return async () => {
        const c = await m();
        const total = c.nodesMs.reduce((a, b) => a + b, 0) + c.pgMs + c.redisMs;
        return detail ? { totalMs: total, nodesMs: c.nodesMs, pgMs: c.pgMs, redisMs: c.redisMs, othersPct: c.othersPct, transactions: c.db.xact_commit } : total;
      };
    },
  };
  if (S.goals.has('1')) {
    log('goal 1 (PostgreSQL + Redis): a one-step flow beside the same reply with no flow');
    r.step.postgres = await stepCost(ctx, 40_000_000);
  }
  if (S.goals.has('2')) {
    log(`goal 2: ${S.conversations} concurrent scripted conversations, 2 workers`);
    r.load = await concurrentConversations(ctx, S.conversations);
  }
}

function report(r, meta) {
  const f = (x, d = 1) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
  const goal1 = (x) => (x ? `${x.ratioCpu <= 1.2 ? '**met**' : '**MISS**'} ${f(x.ratioCpu, 2)}× (${f(x.flow.cpuMs, 2)} / ${f(x.none.cpuMs, 2)} ms)` : '–');
  const lines = [
    SECTION,
    '',
    `- Date: ${meta.date} UTC (took ${meta.tookS.toFixed(0)} s). Build: the bench's own bundle of src/ at ${meta.commit}.`,
    `- Machine: 2 cores, Node ${process.version}${meta.postgres ? `, PostgreSQL ${meta.postgres}, Redis ${meta.redis}` : ''}; 1-min load average ${meta.load0.toFixed(1)} at the start, ${meta.load1.toFixed(1)} at the end.`,
    `- Command: \`npm run bench:flows\` — goal 1: ${S.rounds} rounds of ${S.block} messages per bot after ${S.warm} each of warm-up; goal 2: ${S.conversations} conversations.`,
    '',
    '| goal (issue 23) | embedded (PGlite) | PostgreSQL + Redis |',
    '|---|---|---|',
    `| 1. a message answered by a one-step flow / the same reply with no flow, CPU per message (goal ≤ 1.2×) | ${goal1(r.step.embedded)} | ${goal1(r.step.postgres)} |`,
    `| 2. ${S.conversations} concurrent scripted conversations, 2 workers: messages/s, inbound → first reply p50 / p95 | – | ${r.load ? `**${f(r.load.perS, 0)}/s**, ${f(r.load.firstReply.p50, 0)} / **${f(r.load.firstReply.p95, 0)} ms** (${r.load.finished}/${r.load.conversations} finished)` : '–'} |`,
    '',
    '### 1. The cost of a step',
    '',
    '| mode | bot | CPU ms per message, median (rounds) | reply enqueued p50 / p95 (ms) | reply sent p50 / p95 (ms) |',
    '|---|---|---:|---:|---:|',
  ];
  for (const [mode, x] of Object.entries(r.step)) {
    for (const [id, name] of [
      ['none', 'no flow (away message)'],
      ['flow', 'one-step flow'],
    ]) {
      const v = x[id];
      lines.push(`| ${mode} | ${name} | ${f(v.cpuMs, 2)} (${v.cpuRounds.map((c) => f(c, 2)).join(', ')}) | ${f(v.enqueued.p50)} / ${f(v.enqueued.p95)} | ${f(v.sent.p50)} / ${f(v.sent.p95)} |`);
    }
  }
  if (r.load) {
    const c = r.load.cpu;
    lines.push(
      '',
      '### 2. Concurrent conversations (PostgreSQL + Redis + BullMQ, API node + 2 workers)',
      '',
      `${r.load.finished} of ${r.load.conversations} conversations ran the shop script (4 shopper messages, 6 flow replies, an order each) in ${f(r.load.tookS)} s: **${f(r.load.perS, 0)} shopper messages/s**; inbound → first reply p50 ${f(r.load.firstReply.p50, 0)} ms, p95 **${f(r.load.firstReply.p95, 0)} ms**, max ${f(r.load.firstReply.max, 0)} ms. CPU per shopper message: nodes ${c.nodesMs.map((x) => f(x / r.load.messages, 2)).join(' + ')} ms (API, workers), PostgreSQL ${f(c.pgMs / r.load.messages, 2)} ms, Redis ${f(c.redisMs / r.load.messages, 2)} ms; ${f(c.transactions / r.load.messages, 1)} PostgreSQL transactions per message; other work on the machine ${f(c.othersPct, 0)} %. Stray events: ${r.load.stray}.`,
    );
  }
  lines.push(
    '',
    '### Method',
    '',
    '- **What runs.** The server is bundled from src/ and started as `npm start` starts it (bench/commerce/launcher.mjs): embedded = one process (PGlite, in-process queue); PostgreSQL + Redis = an API node and 2 worker processes (BullMQ). Events are read from the realtime bus (embedded: IPC tap; otherwise SUBSCRIBE on Redis).',
    '- **Goal 1.** Shoppers write through `POST /v1/bots/:id/simulator/messages` (the same webhook handler as a provider’s), each from a new phone, one at a time, waiting for the reply to be sent. "No flow": a bot outside its business hours whose away message is the reply (the core’s own automatic reply: rules in the `commerce.inbound` job). "One-step flow": a bot whose published flow has one message step with the same text (debounce 0): the `commerce.inbound` job stores the flow input and, the flow having no debounce and no long steps, runs it there: takes the conversation’s lease, starts a session, runs the step (queues the reply) and writes the session, its step visit and the input done in one statement (src/modules/commerce/flows/runner.ts). CPU per message: all Probador processes (+ PostgreSQL backends and Redis in that mode) over a block ÷ its messages; rounds alternate the order of the two bots.',
    '- **Goal 2.** One shop flow (bench/flows.mjs `SHOP`), a product with a price; N shoppers start within a second; each sends its next message as soon as the flow has sent all the replies to its last (closed loop per conversation). Messages/s = shopper messages fully answered ÷ the time until the last conversation ended; "first reply" = from the start of the shopper’s POST to the first `message.created` of a flow reply in that conversation.',
  );
  return lines.join('\n');
}

async function main() {
  const t0 = Date.now();
  const meta = { load0: loadavg()[0] };
  meta.commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).toString().trim() + (execFileSync('git', ['-C', ROOT, 'status', '--porcelain', 'src']).toString().trim() ? '+changes' : '');
  const outdir = join(ROOT, 'bench/out', `flows-server-${process.pid}`);
  onCleanup(() => execFileSync('rm', ['-rf', outdir]), { final: true });
  log(`${QUICK ? 'QUICK run' : 'full run'}: bundling the node from src/ (${meta.commit})…`);
  const entry = await bundleServer(outdir);
  const r = { step: {} };
  if (S.goals.has('1') && S.modes.includes('embedded')) {
    await embedded(entry, r);
    await shutdown();
  }
  if (S.modes.includes('postgres')) {
    await postgres(entry, r, meta);
    await shutdown();
  }
  Object.assign(meta, { date: new Date(t0).toISOString().slice(0, 16).replace('T', ' '), tookS: (Date.now() - t0) / 1000, load1: loadavg()[0] });
  const section = report(r, meta);
  console.log(`\n${section}`);
  if (WRITE) {
    writeResultsSection(join(ROOT, 'bench/RESULTS.md'), SECTION, section);
    log('RESULTS.md written');
  } else log('RESULTS.md not written (quick run or BENCH_WRITE=0)');
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => shutdown({ final: true }));
