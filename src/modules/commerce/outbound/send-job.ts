/**
 * The `commerce.send` job: one queued message. It skips a message no longer queued (sent by an
 * earlier run), plans the send from WhatsApp's rules (plan.ts), then walks the bot's allowed
 * connections in priority order through the platform's provider router (breakers per connection,
 * no hedging, no same-provider retries): a connection that fails falls back to the next; a
 * recipient error (opted out, undeliverable, outside the window) stops the walk. Per-number limits
 * (Meta's messages per second and per-recipient pair rate, Twilio's MPS) are taken from the
 * limiter before each call; a connection over its limit is passed over, and when every one was,
 * the message is tried again after the wait (as after a provider's Retry-After). A message whose
 * earlier attempt may have been taken by the provider (the worker died before its answer) waits
 * for the provider's status first instead of sending again (in-flight.ts).
 */
import { createProviderRouter, RoutingError, type RoutableProvider } from '../../../platform/providers/router.js';
import { ProviderError } from '../../../platform/providers/types.js';
import { defineJob, type JobContext } from '../../../platform/jobs/types.js';
import type { CommerceCore } from '../core.js';
import { windowOpen } from '../core.js';
import { ChannelError, type ContactAddress, type OutboundContent, type SendResult } from '../channels/index.js';
import { convRepo } from '../conversations/index.js';
import { presentMessage } from '../conversations/index.js';
import { botsRepo } from '../bots/index.js';
import { addOptOut, optOutsOf } from '../opt-outs.js';
import type { ConnectionRow, MessageRow } from '../tables.js';
import { planSend, type Category } from './plan.js';
import { SEND_JOB, storableContent, type SendJobPayload } from './queue.js';
import { markInFlight, mayHaveBeenTaken, settleInFlight } from './in-flight.js';

/** How many times a message waits for a rate limit before it fails. */
const MAX_DEFERRALS = 30;

type Input = { model: undefined; send: (connectionId: string, signal: AbortSignal) => Promise<SendResult> };
type Output = SendResult & { model: string };

export function createSendJob(core: CommerceCore) {
  const { db, config } = core;
  const router = createProviderRouter<Input, Output, RoutableProvider<Input, Output>>({
    providers: [],
    lookup: (name) => ({ name, estimateCostUsd: () => 0, generate: async (input, o) => ({ ...(await input.send(name, o.signal)), model: name }) }),
    timeoutMs: () => 20_000,
    retries: 0,
    breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 },
  });

  /** Take a token from the connection's per-number limits; a ProviderError (not counted by breakers) when over. */
  async function takeLimits(conn: ConnectionRow, contactId: string) {
    const checks: [string, number, number][] = [];
    if (conn.provider === 'meta') checks.push([`wa:mps:${conn.id}`, config.commerce.metaMps, 1], [`wa:pair:${conn.id}:${contactId}`, config.commerce.pairPerMinute, 60]);
    if (conn.provider === 'twilio') checks.push([`wa:mps:${conn.id}`, config.commerce.twilioMps, 1]);
    for (const [key, limit, windowS] of checks) {
      const d = await core.limiter.consume(key, limit, windowS);
      if (!d.allowed) throw new ProviderError(conn.id, 'canceled', `${conn.provider}: over the per-number limit (${limit} per ${windowS} s)`, { retryable: false, retryAfterMs: Math.max(50, d.resetMs) });
    }
  }

  /**
   * Where a send goes: the contact's phone when known; otherwise the provider's own id for the
   * person — an `@lid` JID for linked devices (Evolution, Baileys), a business-scoped user id for
   * the others — so someone who never shared a phone number can still be answered.
   */
  async function sendAddressOf(tenantId: string, contact: { id: string; phone: string | null }): Promise<(provider: string) => ContactAddress> {
    if (contact.phone) return () => ({ phone: contact.phone! });
    const ids = await convRepo.identitiesOfContact(db, tenantId, contact.id);
    const lid = ids.find((i) => i.startsWith('lid:'))?.slice(4);
    const pid = ids.find((i) => i.startsWith('pid:'))?.slice(4);
    return (provider) => ({ providerId: provider === 'evolution' || provider === 'baileys' ? lid : pid });
  }

  async function fail(msg: MessageRow, code: string, reason: string) {
    const updated = await convRepo.updateMessage(db, msg.tenantId, msg.id, { status: 'failed', errorCode: code, errorReason: reason.slice(0, 500), failedAt: core.now() }, ['queued']);
    if (!updated) return;
    const data = presentMessage(updated) as unknown as Record<string, unknown>;
    await core.publish(msg.tenantId, 'message.status', data);
    await core.emit(msg.tenantId, 'message.status', data);
  }

  /** The job: send this message, then queue the next of its chain (`then`) unless this one was put off. */
  async function handler(p: SendJobPayload, ctx: JobContext): Promise<void> {
    const outcome = await sendOne(p, ctx);
    if (outcome === 'deferred' || !p.then?.length) return;
    const [next, ...rest] = p.then;
    await core.jobs.enqueue<SendJobPayload>(SEND_JOB, { tenant_id: p.tenant_id, message_id: next!, ...(rest.length > 0 ? { then: rest } : {}) }, { dedupeKey: `${SEND_JOB}:${next}` });
  }

  /** 'deferred' when the same job was queued again to run later (its chain goes on then). */
  async function sendOne(p: SendJobPayload, ctx: JobContext): Promise<'deferred' | void> {
    const msg = await convRepo.findMessage(db, p.tenant_id, p.message_id);
    if (!msg || msg.status !== 'queued') return; // sent by an earlier run, or gone
    if (mayHaveBeenTaken(msg) && !p.reconciled && config.commerce.reconcileMs > 0) {
      // An earlier run died (or timed out) waiting for the provider's answer: its status webhook
      // says whether it took the message; the send waits for it, once.
      await core.jobs.enqueue<SendJobPayload>(SEND_JOB, { ...p, reconciled: true }, { delayMs: config.commerce.reconcileMs, dedupeKey: `${SEND_JOB}:${msg.id}:reconcile` });
      return 'deferred';
    }
    const conv = await convRepo.findConversation(db, msg.tenantId, msg.conversationId);
    const contact = await convRepo.findContact(db, msg.tenantId, msg.contactId);
    const bot = await botsRepo.findBot(db, msg.tenantId, msg.botId);
    if (!conv || !contact || !bot) return fail(msg, 'NOT_FOUND', 'the conversation or bot was deleted');
    const rows = await botsRepo.connectionsOf(db, msg.tenantId, [bot.id]);
    const conns = rows.map((row) => {
      const driver = core.registry.get(row.provider);
      return { row, driver, ctx: driver ? core.bots.contextOf(row) : undefined };
    });
    const plan = planSend({
      bot,
      content: msg.content as unknown as OutboundContent,
      category: (msg.category ?? 'service') as Category,
      windowOpen: windowOpen(conv.lastInboundAt, core.now()),
      optOuts: await optOutsOf(db, msg.tenantId, contact.id),
      connections: conns.map((c) => ({ row: c.row, caps: c.driver && c.ctx ? c.driver.capabilities(c.ctx) : undefined })),
    });
    if (!plan.ok) return fail(msg, plan.code, plan.message);
    const byId = new Map(conns.map((c) => [c.row.id, c]));
    const addressFor = await sendAddressOf(msg.tenantId, contact);
    const replyTo = undefined;
    try {
      const result = await router.generate({
        input: {
          model: undefined,
          send: async (connectionId, signal) => {
            const c = byId.get(connectionId)!;
            await takeLimits(c.row, contact.id);
            if (!(await markInFlight(core, msg, c.row))) throw new ProviderError(c.row.id, 'canceled', 'the message is no longer queued', { retryable: false });
            try {
              return await c.driver!.send(c.ctx!, { to: addressFor(c.row.provider), content: plan.content, messageId: msg.id, signal, replyToProviderMessageId: replyTo });
            } catch (e) {
              await settleInFlight(core, msg, e);
              throw e;
            }
          },
        },
        order: plan.candidates.map((c) => c.id),
        latencyBudgetMs: 0,
        signal: ctx.signal,
        onAttempt: (a) => {
          if (a.outcome === 'failed' && a.errorClass !== 'canceled') {
            void botsRepo.setConnectionError(db, msg.tenantId, a.provider, `${a.errorClass}: ${a.errorMessage ?? ''}`.slice(0, 500), core.now()).catch(() => undefined);
          }
        },
      });
      const c = byId.get(result.provider)!;
      const updated = await convRepo.updateMessage(
        db,
        msg.tenantId,
        msg.id,
        { status: 'sent', provider: c.row.provider, connectionId: c.row.id, providerMessageId: result.output.providerMessageId, sentAt: core.now(), content: storableContent(plan.content) },
        ['queued'],
      );
      if (updated) {
        const data = presentMessage(updated) as unknown as Record<string, unknown>;
        await core.publish(msg.tenantId, 'message.status', data);
        await core.emit(msg.tenantId, 'message.status', data);
      }
    } catch (e) {
      if (!(e instanceof RoutingError)) throw e;
      if ((await convRepo.findMessage(db, msg.tenantId, msg.id))?.status !== 'queued') return; // settled meanwhile (a status adopted it)
      const last = e.last;
      if (last instanceof ChannelError) {
        if (last.reason === 'opted_out') {
          await addOptOut(db, msg.tenantId, contact.id, msg.category === 'marketing' ? 'marketing' : 'all', 'provider', core.now());
          return fail(msg, 'OPTED_OUT', last.message);
        }
        if (last.reason === 'outside_window') return fail(msg, 'OUTSIDE_WINDOW', last.message);
        if (last.isRecipientError || last.reason === 'template') return fail(msg, last.reason.toUpperCase(), last.message);
      }
      if (e.code === 'CANCELED') throw e;
      // Every connection failed or was over its limit: again after the wait the provider (or the limiter) asked for
      // (a bounded number of times), or with the job's backoff while attempts remain.
      const wait = last?.opts.retryAfterMs;
      const deferrals = p.deferrals ?? 0;
      if (wait !== undefined && deferrals < MAX_DEFERRALS) {
        await core.jobs.enqueue<SendJobPayload>(SEND_JOB, { ...p, deferrals: deferrals + 1 }, { delayMs: Math.min(wait, 60_000) });
        return 'deferred';
      }
      if (ctx.attempt < ctx.maxAttempts) throw new Error(e.message);
      return fail(msg, 'PROVIDERS_FAILED', e.message);
    }
  }

  return {
    router,
    job: defineJob<SendJobPayload>({ name: SEND_JOB, attempts: 5, timeoutMs: 120_000, concurrency: 8, backoffMs: (n) => Math.min(30_000, 1000 * 2 ** Math.max(0, n - 1)), handler }),
  };
}
