/**
 * Goal 2 of bench/commerce.mjs: inbound → reply enqueued, through the simulator, one message at a
 * time. A simulator bot outside its business hours with an away message; each message from a new
 * shopper phone (a new conversation, so the away message is due every time).
 *
 * Measured from the start of `POST /v1/bots/:id/simulator/messages` (the shopper's side: the body
 * signed and run through the same webhook handler as a provider's — verify, parse, ledger insert,
 * `commerce.inbound` enqueue) to the moment the bench receives the `message.created` event of the
 * away message (direction out, source auto) on the realtime bus. The core publishes that event in
 * `queueOutbound` (src/modules/commerce/outbound/queue.ts) right after it has inserted the outbound
 * `msg_` row (status queued) and enqueued its `commerce.send` job: that is "reply enqueued". Also
 * kept: when the POST was answered (202), when the inbound message row's event arrived, and when
 * the reply's `message.status` sent arrived (the send job done through the simulator driver); the
 * next message is sent after that, so each measures an otherwise idle pipeline.
 */
import { performance } from 'node:perf_hooks';
import { summary } from '../tryon/common.mjs';
import { createAwayBot, shopperSends } from './api.mjs';

export async function replyGoal({ base, key, events, n, warm, phoneBase, log }) {
  const bot = await createAwayBot(base, key);
  const rows = { answered: [], inbound: [], enqueued: [], sent: [] };
  let notSent = 0;
  for (let i = 0; i < warm + n; i++) {
    const phone = `+54911${String(phoneBase + i).padStart(8, '0')}`;
    const isIn = (e) => e.type === 'message.created' && e.direction === 'in';
    const isReply = (e) => e.type === 'message.created' && e.direction === 'out' && e.source === 'auto';
    const inbound = events.waitFor(isIn, 30_000, 'inbound message event');
    const reply = events.waitFor(isReply, 30_000, 'reply enqueued event');
    const sent = events.waitFor((e) => e.type === 'message.status' && e.status === 'sent', 30_000, 'reply sent event');
    sent.catch(() => undefined);
    const t0 = performance.now();
    await shopperSends(base, key, bot.id, phone, 'Hola! ¿Tienen el vestido de lino en talle M?');
    const t1 = performance.now();
    const ein = await inbound;
    const er = await reply;
    if (er.text !== bot.away_message) throw new Error(`the reply is not the away message: ${er.text}`);
    const es = await sent.catch(() => undefined);
    if (es && es.id !== er.id) throw new Error('a status of another message came first');
    if (i < warm) continue;
    rows.answered.push(t1 - t0);
    rows.inbound.push(ein.t - t0);
    rows.enqueued.push(er.t - t0);
    if (es) rows.sent.push(es.t - t0);
    else notSent++;
  }
  const out = { n, warm, answered: summary(rows.answered), inbound: summary(rows.inbound), enqueued: summary(rows.enqueued), sent: summary(rows.sent), notSent };
  log(`  reply enqueued: p50 ${out.enqueued.p50.toFixed(1)} ms, p95 ${out.enqueued.p95.toFixed(1)} ms, max ${out.enqueued.max.toFixed(1)} ms (202 p95 ${out.answered.p95.toFixed(1)}, inbound row p95 ${out.inbound.p95.toFixed(1)}, sent p95 ${out.sent.p95.toFixed(1)})`);
  return out;
}
