/**
 * The orchestrator: a conversation's inputs (the shopper's messages, question timeouts, an
 * agent's hand-back) are stored once, then run by a `commerce.flow.run` job — one runner per
 * conversation at a time on any node (a lease row), inputs in arrival order, a burst within the
 * flow's debounce run by one job. Each input: the session's state is read, the engine moves it,
 * the replies are queued with ids derived from the input (a rerun queues nothing new), and the new
 * state is written with the input marked done in one transaction — a worker killed mid-flow runs
 * the input again from the same state and sends each reply once. Sessions keep the version they
 * started on; they expire when idle; restart and exit keywords; the bot is silent while an agent
 * has the conversation, and handing back resumes the flow where it was.
 */
import { hostname } from 'node:os';
import { eq, and, sql } from 'drizzle-orm';
import type { TFlowDefinition } from '../../../../contracts/flows.js';
import { newId } from '../../../platform/ids.js';
import type { JobContext } from '../../../platform/jobs/types.js';
import type { Cache } from '../../../platform/cache/cache.js';
import { isAlive } from '../../../platform/db/lock.js';
import type { CommerceCore } from '../core.js';
import { derivedId } from '../derived-ids.js';
import { convRepo } from '../conversations/index.js';
import { queueOutbound, sendInOrder } from '../outbound/index.js';
import { addOptOut } from '../opt-outs.js';
import { contacts, type ConversationRow, type MessageRow } from '../tables.js';
import { policyFetch, type OutboundContent } from '../channels/index.js';
import type { FetchLike } from '../../../platform/providers/http.js';
import type { FlowAnswer } from './answers.js';
import { advance, type EngineEvent, type FlowEnv, type SessionState } from './engine.js';
import * as repo from './repository.js';
import type { FlowSessionRow, FlowInputRow } from './tables.js';
import { keywordOf } from './template.js';
import type { FlowsService } from './service.js';

export const FLOW_RUN_JOB = 'commerce.flow.run';
export const FLOW_TIMEOUT_JOB = 'commerce.flow.timeout';
export type FlowRunPayload = { tenant_id: string; conversation_id: string };
export type FlowTimeoutPayload = { tenant_id: string; conversation_id: string; session_id: string; wait_seq: number };

/** A runner renews its lease while it runs; one that died loses it this long after its last renewal (at once when it died on this host). */
const LEASE_MS = 30_000;
const RENEW_MS = 10_000;

export const DEFAULT_DEBOUNCE_MS = 1200;
export const DEFAULT_TTL_MINUTES = 24 * 60;

/** A step's failure the flow handles with `on_error` (not a bug): the env throws these. */
export class ExpectedStepError extends Error {
  readonly expected = true;
}

/** What a flow sees of an inbound message. */
export function answerOf(m: Pick<MessageRow, 'content' | 'media'>): FlowAnswer {
  const c = m.content as Record<string, unknown> & { type: string };
  switch (c.type) {
    case 'text':
      return { type: 'text', text: String(c.text ?? '') };
    case 'button_reply':
    case 'list_reply':
      return { type: c.type, id: String(c.id ?? ''), title: String(c.title ?? '') };
    case 'media': {
      const media = (c.media ?? {}) as { kind?: string; caption?: string };
      return { type: 'media', kind: media.kind ?? 'document', key: m.media?.key, contentType: m.media?.content_type, caption: media.caption };
    }
    case 'location':
      return { type: 'location', latitude: Number(c.latitude), longitude: Number(c.longitude), name: c.name as string | undefined, address: c.address as string | undefined };
    default:
      return { type: 'other', providerType: String(c.providerType ?? c.type) };
  }
}

type Handover = (tenantId: string, conversationId: string, to: 'waiting_agent' | 'agent', sellerId?: string) => Promise<void>;

/** A session as cached (JSON: its times as ISO strings). */
type CachedSession = Omit<FlowSessionRow, 'expiresAt' | 'startedAt' | 'updatedAt' | 'endedAt'> & { expiresAt: string; startedAt: string; updatedAt: string; endedAt: string | null };
export type SessionCache = Cache<CachedSession>;

export function createFlowRunner(core: CommerceCore, flows: FlowsService, handover: Handover, sessionCache?: SessionCache) {
  const { db } = core;
  /**
   * A conversation's active session: from the cache when there is one (Redis, shared by the nodes;
   * or the embedded process's own), else the database. Only the lease holder writes a session, so
   * the entry is dropped before each write and set after it: a run killed in between leaves no
   * entry, and the next read goes to the database.
   */
  const cacheKey = (tenantId: string, conversationId: string) => `${tenantId}:${conversationId}`;
  async function loadSession(tenantId: string, conversationId: string): Promise<FlowSessionRow | undefined> {
    const hit = sessionCache ? await sessionCache.get(cacheKey(tenantId, conversationId)) : undefined;
    if (hit) return { ...hit, expiresAt: new Date(hit.expiresAt), startedAt: new Date(hit.startedAt), updatedAt: new Date(hit.updatedAt), endedAt: hit.endedAt ? new Date(hit.endedAt) : null };
    return repo.activeSession(db, tenantId, conversationId);
  }
  async function commit(tenantId: string, conversationId: string, p: Parameters<typeof repo.commitRun>[2], after?: FlowSessionRow) {
    if (sessionCache) await sessionCache.invalidate({ key: cacheKey(tenantId, conversationId) });
    await repo.commitRun(db, tenantId, p);
    if (sessionCache && after?.status === 'active') {
      await sessionCache.set(cacheKey(tenantId, conversationId), { ...after, expiresAt: after.expiresAt.toISOString(), startedAt: after.startedAt.toISOString(), updatedAt: after.updatedAt.toISOString(), endedAt: after.endedAt?.toISOString() ?? null });
    }
  }
  const ports = core.ports.flows ?? {};
  const me = `${hostname()}:${process.pid}`;
  const apiFetch = policyFetch({ allowPrivateHosts: core.config.fetch.allowPrivateHosts, timeoutMs: 30_000, maxBytes: 256 * 1024 });

  const ttlMs = (def: TFlowDefinition) => (def.settings?.session_ttl_minutes ?? DEFAULT_TTL_MINUTES) * 60_000;

  async function enqueueRun(tenantId: string, conversationId: string, inputId: string, delayMs: number) {
    await core.jobs.enqueue<FlowRunPayload>(FLOW_RUN_JOB, { tenant_id: tenantId, conversation_id: conversationId }, { dedupeKey: `${FLOW_RUN_JOB}:${inputId}`, ...(delayMs > 0 ? { delayMs } : {}) });
  }

  /**
   * The inbound job's hook for a conversation the bot has: true when a published flow drives the
   * bot (the message is the flow's input), false when none does (the caller routes it to the inbox).
   */
  async function accept(conv: ConversationRow, msg: MessageRow): Promise<boolean> {
    const bound = await flows.publishedForBot(conv.tenantId, conv.botId);
    if (!bound) return false;
    const id = derivedId('flowInput', msg.id, 'input');
    await repo.insertInput(db, { id, tenantId: conv.tenantId, conversationId: conv.id, source: 'message', messageId: msg.id, payload: answerOf(msg) as unknown as Record<string, unknown>, receivedAt: core.now() });
    const debounce = bound.definition.settings?.debounce_ms ?? DEFAULT_DEBOUNCE_MS;
    // Without a debounce, run it here in the inbound job (one job fewer per message) unless the
    // flow has steps that may wait a minute (try-on, style): those run in their own job, so they
    // do not hold the inbound job's slots. A failure here fails the inbound job, which runs again.
    if (debounce === 0 && !longSteps(bound.definition)) await run({ tenant_id: conv.tenantId, conversation_id: conv.id });
    else await enqueueRun(conv.tenantId, conv.id, id, debounce);
    return true;
  }

  /** An agent handed the conversation back to the bot: the flow goes on where it was. */
  async function resume(tenantId: string, conversationId: string): Promise<void> {
    const session = await repo.activeSession(db, tenantId, conversationId);
    if (!session) return;
    const id = newId('flowInput', core.now().getTime());
    await repo.insertInput(db, { id, tenantId, conversationId, source: 'resume', payload: { session_id: session.id }, receivedAt: core.now() });
    await enqueueRun(tenantId, conversationId, id, 0);
  }

  async function onTimeout(p: FlowTimeoutPayload): Promise<void> {
    const id = derivedId('flowInput', p.session_id, `timeout:${p.wait_seq}`);
    await repo.insertInput(db, { id, tenantId: p.tenant_id, conversationId: p.conversation_id, source: 'timeout', payload: { session_id: p.session_id, wait_seq: p.wait_seq }, receivedAt: core.now() });
    await enqueueRun(p.tenant_id, p.conversation_id, id, 0);
  }

  /** The job: run every pending input of the conversation, in order, holding its lease. */
  async function run(p: FlowRunPayload, ctx?: JobContext): Promise<void> {
    const owner = `${me}:${newId('job')}`;
    const { tenant_id: tenantId, conversation_id: conversationId } = p;
    if (!(await takeLease(conversationId, owner))) return; // the holder runs our input: it looks again before it lets go
    // Renewed while it runs (a try-on step may take a minute).
    const renew = setInterval(() => void repo.acquireLease(db, conversationId, owner, core.now(), LEASE_MS).catch(() => undefined), RENEW_MS);
    renew.unref();
    try {
      for (;;) {
        if (ctx?.signal.aborted) return;
        const input = await repo.nextPendingInput(db, tenantId, conversationId);
        if (input) {
          await runInput(input);
          continue;
        }
        // Nothing left: let go, and look once more in the same statement — an input stored while we
        // held the lease, whose own job found it taken, is ours to run.
        if (!(await repo.releaseAndCheck(db, tenantId, conversationId, owner))) return;
        if (!(await takeLease(conversationId, owner))) return;
      }
    } finally {
      clearInterval(renew);
      await repo.releaseLease(db, conversationId, owner).catch(() => undefined);
    }
  }

  /** The lease, or false when a live runner holds it. One left by a process of this host that died (a restart) is taken at once. */
  async function takeLease(conversationId: string, owner: string): Promise<boolean> {
    if (await repo.acquireLease(db, conversationId, owner, core.now(), LEASE_MS)) return true;
    const holder = await repo.leaseOwner(db, conversationId);
    const [host, pid] = (holder ?? '').split(':');
    if (!holder || host !== hostname() || Number(pid) === process.pid || !Number.isInteger(Number(pid)) || isAlive(Number(pid))) return false;
    await repo.releaseLease(db, conversationId, holder);
    return repo.acquireLease(db, conversationId, owner, core.now(), LEASE_MS);
  }

  function initialState(def: TFlowDefinition, flowId: string, version: number): SessionState {
    const variables: Record<string, unknown> = {};
    for (const v of def.variables ?? []) if (v.value !== undefined) variables[v.name] = v.value;
    return { flowId, flowVersion: version, stepId: def.start, wait: 'none', waitSeq: 0, retries: 0, variables, cart: [], status: 'active' };
  }

  const stateOf = (s: FlowSessionRow): SessionState => ({
    flowId: s.flowId,
    flowVersion: s.flowVersion,
    stepId: s.stepId,
    wait: s.wait,
    waitSeq: s.waitSeq,
    retries: s.retries,
    variables: s.variables,
    cart: s.cart,
    status: s.status,
    endReason: s.endReason ?? undefined,
  });

  async function skip(input: FlowInputRow) {
    await repo.commitRun(db, input.tenantId, { inputId: input.id, visits: [], now: core.now() });
  }

  async function runInput(input: FlowInputRow): Promise<void> {
    const { tenantId } = input;
    const now = core.now();
    const conv = await convRepo.findConversation(db, tenantId, input.conversationId);
    if (!conv) return skip(input);
    let session = await loadSession(tenantId, conv.id);
    // The bot is silent while an agent has the conversation (or it waits for one): the message is theirs.
    if (conv.status !== 'bot') return skip(input);
    let ended: { id: string; values: Partial<FlowSessionRow> } | undefined;
    const endValues = (status: FlowSessionRow['status'], reason: string): Partial<FlowSessionRow> => ({ status, endReason: reason, endedAt: now, updatedAt: now, wait: 'none' });

    let event: EngineEvent;
    if (input.source === 'message') {
      const answer = input.payload as unknown as FlowAnswer;
      if (session && session.expiresAt.getTime() <= now.getTime()) {
        ended = { id: session.id, values: endValues('expired', 'idle') };
        session = undefined;
      }
      if (session && answer.type === 'text') {
        const def = await flows.definitionOf(tenantId, session.flowId, session.flowVersion);
        const keyword = keywordOf(def?.settings, answer.text);
        if (keyword === 'exit') {
          await commit(tenantId, conv.id, { inputId: input.id, ended: { id: session.id, values: endValues('exited', 'exit keyword') }, visits: [], now });
          await handover(tenantId, conv.id, 'waiting_agent');
          return;
        }
        if (keyword === 'restart') {
          ended = { id: session.id, values: endValues('exited', 'restart keyword') };
          session = undefined;
        }
      }
      event = session ? { kind: 'message', answer } : { kind: 'start' };
    } else if (input.source === 'timeout') {
      if (!session || session.id !== input.payload.session_id) return skip(input);
      event = { kind: 'timeout', waitSeq: Number(input.payload.wait_seq) };
    } else {
      if (!session || session.id !== input.payload.session_id) return skip(input);
      event = { kind: 'resume' };
    }

    let def: TFlowDefinition | undefined;
    let state: SessionState;
    let sessionId: string;
    let isNew = false;
    if (session) {
      def = await flows.definitionOf(tenantId, session.flowId, session.flowVersion);
      state = stateOf(session);
      sessionId = session.id;
      if (!def) {
        // Its flow was deleted: the session ends, the conversation goes to the inbox.
        await commit(tenantId, conv.id, { inputId: input.id, ended: { id: session.id, values: endValues('failed', 'flow deleted') }, visits: [], now });
        await handover(tenantId, conv.id, 'waiting_agent');
        return;
      }
    } else {
      const bound = await flows.publishedForBot(tenantId, conv.botId);
      if (!bound) {
        // The flow was unbound or unpublished since: the conversation goes to the inbox as without one.
        await commit(tenantId, conv.id, { inputId: input.id, ...(ended ? { ended } : {}), visits: [], now });
        await handover(tenantId, conv.id, 'waiting_agent');
        return;
      }
      def = bound.definition;
      state = initialState(def, bound.flowId, bound.version);
      sessionId = derivedId('flowSession', input.id, 'session');
      isNew = true;
    }

    // The contact and the bot are read only when the flow names them (templates, conditions, orders).
    const needs = namesOf(def);
    const contact = needs.contact ? await convRepo.findContact(db, tenantId, conv.contactId) : undefined;
    const bot = needs.bot ? await core.bots.getBot(tenantId, conv.botId).catch(() => undefined) : undefined;
    const visits: { sessionId: string; stepId: string; flowId: string; flowVersion: number; count: number }[] = [];
    const handovers: { sellerId?: string | undefined }[] = [];
    let sends = 0;
    const queued: string[] = [];
    let current = state;
    const env: FlowEnv = {
      builtins: {
        contact: { id: conv.contactId, name: contact?.name ?? '', phone: contact?.phone ?? '', tags: contact?.tags ?? [] },
        bot: { id: conv.botId, name: bot?.name ?? '' },
        conversation: { id: conv.id },
      },
      send: async (content: OutboundContent, stepId: string) => {
        sends += 1;
        const id = derivedId('message', input.id, `flow:${stepId}:${sends}`);
        await queueOutbound(core, conv, { id, content, category: 'service', source: 'flow' }, { enqueue: false });
        queued.push(id);
      },
      visit: (stepId) => {
        const v = visits.find((x) => x.stepId === stepId && x.flowId === current.flowId);
        if (v) v.count += 1;
        else visits.push({ sessionId, stepId, flowId: current.flowId, flowVersion: current.flowVersion, count: 1 });
      },
      product: async (id) => (ports.product ? ports.product(tenantId, id) : undefined),
      products: async (limit) => (ports.products ? ports.products(tenantId, limit) : []),
      createOrder: async (cart, notes, stepId) => {
        if (!ports.createOrder) throw new ExpectedStepError('orders are not available');
        return ports.createOrder(tenantId, {
          botId: conv.botId,
          conversationId: conv.id,
          contactId: conv.contactId,
          customer: { name: contact?.name ?? null, phone: contact?.phone ?? null },
          sourceRef: derivedId('flowInput', input.id, `order:${stepId}`),
          items: cart.map((l) => ({ productRetailerId: l.variant_id ? `${l.product_id}:${l.variant_id}` : l.product_id, quantity: l.quantity })),
          notes,
        });
      },
      orderStatus: async (id) => (ports.getOrder ? ports.getOrder(tenantId, id) : undefined),
      http: async (req) => callApi(apiFetch, req),
      tryon: async (productId, image, stepId) => {
        if (!ports.tryon) throw new ExpectedStepError('try-on is not available');
        return ports.tryon(tenantId, { image, productId, idempotencyKey: derivedId('flowInput', input.id, `tryon:${stepId}`) });
      },
      style: async (image, products, stepId) => {
        if (!ports.style) throw new ExpectedStepError('style analysis is not available');
        return ports.style(tenantId, { image, products, idempotencyKey: derivedId('flowInput', input.id, `style:${stepId}`) });
      },
      armTimeout: async (seconds, waitSeq) => {
        await core.jobs.enqueue<FlowTimeoutPayload>(
          FLOW_TIMEOUT_JOB,
          { tenant_id: tenantId, conversation_id: conv.id, session_id: sessionId, wait_seq: waitSeq },
          { delayMs: seconds * 1000, dedupeKey: `${FLOW_TIMEOUT_JOB}:${sessionId}:${waitSeq}` },
        );
      },
      handover: async (o) => void handovers.push({ sellerId: o.sellerId }),
      tag: async (tag) => {
        if (!tag) return;
        await db
          .update(contacts)
          .set({ tags: sql`(select coalesce(jsonb_agg(distinct t), '[]'::jsonb) from jsonb_array_elements_text(${contacts.tags} || ${JSON.stringify([tag])}::jsonb) as t)`, updatedAt: now })
          .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, conv.contactId)));
      },
      optOut: async (category) => addOptOut(db, tenantId, conv.contactId, category, 'flow', now),
      jump: async (flowId) => {
        const target = await flows.publishedOf(tenantId, flowId);
        if (!target) throw new ExpectedStepError(`flow ${flowId.slice(0, 80)} is not published`);
        current = { ...current, flowId: target.flowId, flowVersion: target.version };
        return target;
      },
    };
    const next = await advance(def, state, event, env);
    current = next;
    // The replies go out one after the other, in the order the flow said them.
    await sendInOrder(core, tenantId, queued);
    const active = next.status === 'active';
    const values: Partial<FlowSessionRow> = {
      flowId: next.flowId,
      flowVersion: next.flowVersion,
      status: next.status,
      stepId: next.stepId,
      wait: next.wait,
      waitSeq: next.waitSeq,
      retries: next.retries,
      variables: next.variables,
      cart: next.cart,
      expiresAt: new Date(now.getTime() + ttlMs(def)),
      updatedAt: now,
      ...(active ? {} : { endedAt: now, endReason: next.endReason ?? null }),
    };
    const insert = isNew ? { ...(values as typeof values & Pick<FlowSessionRow, 'status' | 'stepId' | 'expiresAt' | 'flowId' | 'flowVersion' | 'updatedAt'>), id: sessionId, tenantId, botId: conv.botId, conversationId: conv.id, contactId: conv.contactId, startedAt: now } : undefined;
    const after: FlowSessionRow = { ...(session ?? { endedAt: null, endReason: null }), ...(insert ?? {}), ...values } as FlowSessionRow;
    await commit(
      tenantId,
      conv.id,
      { inputId: input.id, ...(ended ? { ended } : {}), session: insert ? { id: sessionId, values, insert } : { id: sessionId, values }, visits, now },
      after,
    );
    // After the state is written: a handover moves the conversation (idempotent: a rerun finds it moved).
    for (const h of handovers) await handover(tenantId, conv.id, h.sellerId ? 'agent' : 'waiting_agent', h.sellerId);
  }

  return { accept, resume, onTimeout, run };
}

export type FlowRunner = ReturnType<typeof createFlowRunner>;

const long = new WeakMap<TFlowDefinition, boolean>();
/** Whether a definition has steps that may take a minute (a try-on, a style analysis). */
function longSteps(def: TFlowDefinition): boolean {
  let l = long.get(def);
  if (l === undefined) {
    l = def.steps.some((s) => s.type === 'tryon' || s.type === 'style' || (s.type === 'action' && s.action === 'jump'));
    long.set(def, l);
  }
  return l;
}

const names = new WeakMap<TFlowDefinition, { contact: boolean; bot: boolean }>();
/** Whether a definition uses the contact (templates, conditions, orders' customer) or the bot; versions never change, so once per definition. */
function namesOf(def: TFlowDefinition): { contact: boolean; bot: boolean } {
  let n = names.get(def);
  if (!n) {
    const text = JSON.stringify(def.steps);
    n = { contact: /contact\.|"order\.create"|"jump"/.test(text), bot: /bot\.|"jump"/.test(text) };
    names.set(def, n);
  }
  return n;
}

/** A flow's API call, with the platform's network policy (no private addresses), a deadline and a size cap. */
export async function callApi(fetch: FetchLike, req: { method: string; url: string; headers: Record<string, string>; body: unknown; timeoutMs: number }): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new ExpectedStepError('the API call URL is not valid');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ExpectedStepError('the API call URL must be http(s)');
  let res: Response;
  try {
    res = await fetch(url.toString(), {
      method: req.method,
      headers: { accept: 'application/json', ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}), ...req.headers },
      ...(req.body !== undefined && req.method !== 'GET' ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (e) {
    throw new ExpectedStepError(`the API call failed: ${(e as Error).message.slice(0, 120)}`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new ExpectedStepError(`the API answered ${res.status}`);
  if (text.length > 256 * 1024) throw new ExpectedStepError('the API answer is too large');
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return text;
  }
}
