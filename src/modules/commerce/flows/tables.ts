/**
 * The flow engine's tables: flows (`flw_`) with their editable draft, their numbered, immutable
 * versions, the sessions (`fls_`) that run a version on one conversation (variables, current step,
 * cart), a lease per conversation so one runner at a time drives it (on any node), the inputs waiting
 * for a session (messages, timeouts, resumes; each once: its id is derived from what caused it)
 * and each session's visits per step (the analytics' drop-off and completion).
 */
import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { TFlowDefinition } from '../../../../contracts/flows.js';

export const flows = pgTable(
  'commerce_flows',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    /** The bot this flow drives once a version is published (one flow per bot). */
    botId: text('bot_id'),
    draft: jsonb('draft').$type<TFlowDefinition>().notNull(),
    publishedVersion: integer('published_version'),
    latestVersion: integer('latest_version'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('commerce_flows_tenant_idx').on(t.tenantId, t.id), uniqueIndex('commerce_flows_bot_idx').on(t.botId).where(sql`${t.botId} is not null`)],
);
export type FlowRow = typeof flows.$inferSelect;

export const flowVersions = pgTable(
  'commerce_flow_versions',
  {
    flowId: text('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    tenantId: text('tenant_id').notNull(),
    definition: jsonb('definition').$type<TFlowDefinition>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** When it was last made the published version. */
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.flowId, t.version] })],
);
export type FlowVersionRow = typeof flowVersions.$inferSelect;

export type SessionStatus = 'active' | 'completed' | 'expired' | 'exited' | 'handed_over' | 'failed';
/** What an active session waits for: an answer to its step, or nothing (running, or paused by an agent). */
export type SessionWait = 'input' | 'none';
export type CartLine = { product_id: string; variant_id?: string | undefined; quantity: number };

export const flowSessions = pgTable(
  'commerce_flow_sessions',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    botId: text('bot_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    contactId: text('contact_id').notNull(),
    flowId: text('flow_id').notNull(),
    flowVersion: integer('flow_version').notNull(),
    status: text('status').$type<SessionStatus>().notNull(),
    /** The step it is at (waiting on it, or the last one run once ended). */
    stepId: text('step_id').notNull(),
    wait: text('wait').$type<SessionWait>().notNull().default('none'),
    /** Counts waits: a timeout job names the wait it was made for, so a stale one does nothing. */
    waitSeq: integer('wait_seq').notNull().default(0),
    retries: integer('retries').notNull().default(0),
    variables: jsonb('variables').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    cart: jsonb('cart').$type<CartLine[]>().notNull().default(sql`'[]'::jsonb`),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endReason: text('end_reason'),
  },
  (t) => [
    uniqueIndex('commerce_flow_sessions_active_idx').on(t.conversationId).where(sql`${t.status} = 'active'`),
    index('commerce_flow_sessions_flow_idx').on(t.tenantId, t.flowId, t.flowVersion),
    index('commerce_flow_sessions_conv_idx').on(t.tenantId, t.conversationId),
  ],
);
export type FlowSessionRow = typeof flowSessions.$inferSelect;

export type FlowInputSource = 'message' | 'timeout' | 'resume';

export const flowInputs = pgTable(
  'commerce_flow_inputs',
  {
    id: text('id').primaryKey(),
    /** Arrival order (the order inputs of one conversation are run in). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    tenantId: text('tenant_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    source: text('source').$type<FlowInputSource>().notNull(),
    /** The inbound message (msg_…) for `message`. */
    messageId: text('message_id'),
    /** The message's content; a timeout's {session_id, wait_seq}. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    sessionId: text('session_id'),
  },
  (t) => [index('commerce_flow_inputs_pending_idx').on(t.conversationId, t.seq).where(sql`${t.processedAt} is null`)],
);
export type FlowInputRow = typeof flowInputs.$inferSelect;

/**
 * One runner at a time per conversation, on any node: a lease taken by one upsert (free, run out,
 * or already ours); a runner that dies loses it when it runs out.
 */
export const flowLeases = pgTable('commerce_flow_leases', {
  conversationId: text('conversation_id').primaryKey(),
  owner: text('owner').notNull(),
  until: timestamp('until', { withTimezone: true }).notNull(),
});

export const flowStepVisits = pgTable(
  'commerce_flow_step_visits',
  {
    sessionId: text('session_id').notNull(),
    stepId: text('step_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    flowId: text('flow_id').notNull(),
    flowVersion: integer('flow_version').notNull(),
    firstAt: timestamp('first_at', { withTimezone: true }).notNull(),
    count: integer('count').notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.stepId] }), index('commerce_flow_step_visits_flow_idx').on(t.tenantId, t.flowId, t.flowVersion)],
);
