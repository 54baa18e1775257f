/**
 * Flows: create and edit a draft (saved as given, with its validation), validate without saving,
 * publish the draft as the next numbered version, roll back to an earlier one, list versions,
 * bind a flow to a bot (one flow per bot). The runner reads a bot's published version and a
 * session's own version through here; versions never change, so they are cached by (flow, version).
 */
import type { TFlowDefinition, TFlowIssue } from '../../../../contracts/flows.js';
import { AppError } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { CommerceCore } from '../core.js';
import { invalidatedCache } from '../../../platform/cache/invalidated-cache.js';
import type { PubSub } from '../../../platform/cache/pubsub.js';
import * as repo from './repository.js';
import type { FlowRow, FlowSessionRow, FlowVersionRow } from './tables.js';
import { validateFlow } from './validate.js';

/** What a new flow starts with: one greeting, valid and publishable. */
export const STARTER_FLOW: TFlowDefinition = {
  start: 'welcome',
  steps: [{ id: 'welcome', type: 'message', content: { kind: 'text', text: 'Hi {{contact.name}}! How can we help?' }, next: null }],
};

const VERSION_CACHE = 500;

type Bound = { flowId: string; version: number; definition: TFlowDefinition };
/** Which flow drives a bot: cached on every node, forgotten through this channel when a flow is bound, published, rolled back or deleted. */
export const BOUND_CHANNEL = 'commerce.flows.bound';

export function createFlowsService(core: CommerceCore, pubsub?: PubSub) {
  const { db } = core;
  const versions = new Map<string, TFlowDefinition>();
  const bound = invalidatedCache<Bound | null>(
    BOUND_CHANNEL,
    async (key) => {
      const [tenantId, botId] = key.split('|') as [string, string];
      const f = await repo.findFlowByBot(db, tenantId, botId);
      if (!f || f.publishedVersion === null) return null;
      const definition = await definitionOf(tenantId, f.id, f.publishedVersion);
      return definition ? { flowId: f.id, version: f.publishedVersion, definition } : null;
    },
    pubsub,
    { ttlMs: 60_000, max: 5_000 },
  );
  /** The bots whose flow changed (before and after the change): forgotten on every node. */
  const rebind = async (tenantId: string, ...botIds: (string | null | undefined)[]) => {
    for (const b of new Set(botIds)) if (b) await bound.invalidate(`${tenantId}|${b}`);
  };

  function cacheVersion(tenantId: string, flowId: string, version: number, def: TFlowDefinition) {
    const key = `${tenantId}:${flowId}:${version}`;
    versions.delete(key);
    versions.set(key, def);
    if (versions.size > VERSION_CACHE) versions.delete(versions.keys().next().value!);
  }

  const issues = (errors: TFlowIssue[]) => errors.map((e) => ({ in: 'body', path: `/definition${e.path}`, message: `${e.code}: ${e.message}` }));

  function present(f: FlowRow) {
    const v = validateFlow(f.draft);
    return {
      id: f.id,
      object: 'flow' as const,
      name: f.name,
      bot_id: f.botId,
      published_version: f.publishedVersion,
      latest_version: f.latestVersion,
      draft: f.draft as unknown,
      draft_valid: v.valid,
      draft_errors: v.errors.slice(0, 100),
      created_at: f.createdAt.toISOString(),
      updated_at: f.updatedAt.toISOString(),
    };
  }

  const presentVersion = (v: FlowVersionRow, f: FlowRow) => ({
    object: 'flow_version' as const,
    flow_id: v.flowId,
    version: v.version,
    definition: v.definition,
    published: f.publishedVersion === v.version,
    created_at: v.createdAt.toISOString(),
    published_at: v.publishedAt?.toISOString() ?? null,
  });

  async function getFlow(tenantId: string, id: string): Promise<FlowRow> {
    const f = await repo.findFlow(db, tenantId, id);
    if (!f) throw new AppError('FLOW_NOT_FOUND', `No flow ${id}.`);
    return f;
  }

  async function checkBot(tenantId: string, botId: string, flowId?: string) {
    await core.bots.getBot(tenantId, botId); // BOT_NOT_FOUND for another store's bot
    const other = await repo.findFlowByBot(db, tenantId, botId);
    if (other && other.id !== flowId) throw new AppError('FLOW_BOT_TAKEN', `Flow ${other.id} drives bot ${botId}.`);
  }

  /** A draft must at least be a JSON object (its errors are shown, not refused). */
  function draftOf(d: unknown): TFlowDefinition {
    if (d === null || typeof d !== 'object' || Array.isArray(d)) {
      throw new AppError('VALIDATION_FAILED', 'definition must be a JSON object.', { extra: { errors: [{ in: 'body', path: '/definition', message: 'must be an object' }] } });
    }
    if (JSON.stringify(d).length > 1_000_000) throw new AppError('VALIDATION_FAILED', 'definition is larger than 1 MB.', { extra: { errors: [{ in: 'body', path: '/definition', message: 'at most 1 MB' }] } });
    return d as TFlowDefinition;
  }

  /** Unique-index race on bot_id → 409, like the check before it. */
  async function bindingSafe<T>(f: () => Promise<T>, botId: string | null | undefined): Promise<T> {
    try {
      return await f();
    } catch (e) {
      const code = (e as { code?: string; cause?: { code?: string } }).code ?? (e as { cause?: { code?: string } }).cause?.code;
      if (code === '23505' && botId) throw new AppError('FLOW_BOT_TAKEN', `Another flow drives bot ${botId}.`);
      throw e;
    }
  }

    /** A version's definition (cached: versions never change); undefined when the flow was deleted. */
  /** A version's definition (cached: versions never change). A deleted flow's running sessions finish on the version they started (cached where they run). */
  async function definitionOf(tenantId: string, flowId: string, version: number): Promise<TFlowDefinition | undefined> {
    const hit = versions.get(`${tenantId}:${flowId}:${version}`);
    if (hit) return hit;
    const v = await repo.findVersion(db, tenantId, flowId, version);
    if (!v) return undefined;
    cacheVersion(tenantId, flowId, version, v.definition);
    return v.definition;
  }

  return {
    present,
    getFlow,

    async create(tenantId: string, body: { name: string; bot_id?: string | null | undefined; definition?: unknown }) {
      if (body.bot_id) await checkBot(tenantId, body.bot_id);
      const now = core.now();
      const draft = body.definition === undefined ? STARTER_FLOW : draftOf(body.definition);
      const row = await bindingSafe(() => repo.insertFlow(db, { id: newId('flow', now.getTime()), tenantId, name: body.name, botId: body.bot_id ?? null, draft, createdAt: now, updatedAt: now }), body.bot_id);
      await rebind(tenantId, row.botId);
      return present(row);
    },

    async read(tenantId: string, id: string) {
      return present(await getFlow(tenantId, id));
    },

    async list(tenantId: string, q: { limit: number; starting_after?: string | undefined; bot_id?: string | undefined }) {
      const page = await repo.listFlows(db, tenantId, { limit: q.limit, startingAfter: q.starting_after, botId: q.bot_id });
      return { data: page.data.map(present), hasMore: page.hasMore };
    },

    async patch(tenantId: string, id: string, body: { name?: string | undefined; bot_id?: string | null | undefined; definition?: unknown }) {
      const before = await getFlow(tenantId, id);
      if (body.bot_id) await checkBot(tenantId, body.bot_id, id);
      const values: Partial<FlowRow> = { updatedAt: core.now() };
      if (body.name !== undefined) values.name = body.name;
      if (body.bot_id !== undefined) values.botId = body.bot_id;
      if (body.definition !== undefined) values.draft = draftOf(body.definition);
      const row = await bindingSafe(() => repo.updateFlow(db, tenantId, id, values), body.bot_id);
      if (!row) throw new AppError('FLOW_NOT_FOUND', `No flow ${id}.`);
      if (body.bot_id !== undefined) await rebind(tenantId, before.botId, row.botId);
      return present(row);
    },

    async remove(tenantId: string, id: string) {
      const f = await getFlow(tenantId, id);
      if (!(await repo.deleteFlow(db, tenantId, id))) throw new AppError('FLOW_NOT_FOUND', `No flow ${id}.`);
      await rebind(tenantId, f.botId);
    },

    validate: (definition: unknown) => {
      const v = validateFlow(definition);
      return { valid: v.valid, errors: v.errors, warnings: v.warnings };
    },

    async publish(tenantId: string, id: string) {
      const f = await getFlow(tenantId, id);
      const v = validateFlow(f.draft);
      if (!v.valid || !v.definition) throw new AppError('FLOW_INVALID', `The draft has ${v.errors.length} error(s): ${v.errors.slice(0, 3).map((e) => `${e.path} ${e.message}`).join('; ')}`.slice(0, 500), { extra: { errors: issues(v.errors) } });
      const row = await repo.publishDraft(db, tenantId, id, v.definition, core.now());
      if (!row) throw new AppError('FLOW_NOT_FOUND', `No flow ${id}.`);
      cacheVersion(tenantId, id, row.publishedVersion!, v.definition);
      await rebind(tenantId, row.botId);
      return present(row);
    },

    async rollback(tenantId: string, id: string, version: number) {
      await getFlow(tenantId, id);
      const row = await repo.setPublished(db, tenantId, id, version, core.now());
      if (!row) throw new AppError('FLOW_VERSION_NOT_FOUND', `Flow ${id} has no version ${version}.`);
      await rebind(tenantId, row.botId);
      return present(row);
    },

    async versions(tenantId: string, id: string, q: { limit: number; starting_after?: number | undefined }) {
      const f = await getFlow(tenantId, id);
      const page = await repo.listVersions(db, tenantId, id, { limit: q.limit, startingAfter: q.starting_after });
      return { data: page.data.map((v) => presentVersion(v, f)), hasMore: page.hasMore };
    },

    async version(tenantId: string, id: string, version: number) {
      const f = await getFlow(tenantId, id);
      const v = await repo.findVersion(db, tenantId, id, version);
      if (!v) throw new AppError('FLOW_VERSION_NOT_FOUND', `Flow ${id} has no version ${version}.`);
      return presentVersion(v, f);
    },

    definitionOf,

    /** The flow that drives a bot, at its published version; undefined when none does (cached, see BOUND_CHANNEL). */
    async publishedForBot(tenantId: string, botId: string): Promise<Bound | undefined> {
      return (await bound.get(`${tenantId}|${botId}`)) ?? undefined;
    },

    close: () => bound.close(),

    /** A flow at its published version (a `jump` target). */
    async publishedOf(tenantId: string, flowId: string): Promise<{ flowId: string; version: number; definition: TFlowDefinition } | undefined> {
      const f = await repo.findFlow(db, tenantId, flowId);
      if (!f || f.publishedVersion === null) return undefined;
      const definition = await definitionOf(tenantId, f.id, f.publishedVersion);
      return definition ? { flowId: f.id, version: f.publishedVersion, definition } : undefined;
    },

    async session(tenantId: string, id: string): Promise<FlowSessionRow> {
      const s = await repo.findSession(db, tenantId, id);
      if (!s) throw new AppError('FLOW_SESSION_NOT_FOUND', `No flow session ${id}.`);
      return s;
    },

    sessions: (tenantId: string, q: { limit: number; starting_after?: string | undefined; conversation_id?: string | undefined; flow_id?: string | undefined; status?: FlowSessionRow['status'] | undefined }) =>
      repo.listSessions(db, tenantId, { limit: q.limit, startingAfter: q.starting_after, conversationId: q.conversation_id, flowId: q.flow_id, status: q.status }),
  };
}

export type FlowsService = ReturnType<typeof createFlowsService>;

export function presentSession(s: FlowSessionRow) {
  return {
    id: s.id,
    object: 'flow_session' as const,
    flow_id: s.flowId,
    flow_version: s.flowVersion,
    bot_id: s.botId,
    conversation_id: s.conversationId,
    contact_id: s.contactId,
    status: s.status,
    step_id: s.stepId,
    waiting: s.wait === 'input',
    variables: Object.fromEntries(Object.entries(s.variables).filter(([k]) => !k.startsWith('_'))),
    cart: s.cart,
    started_at: s.startedAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
    ended_at: s.endedAt?.toISOString() ?? null,
    end_reason: s.endReason,
  };
}
