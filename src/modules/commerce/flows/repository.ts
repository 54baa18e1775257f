/** Drizzle queries for flows, their versions, sessions, inputs, step visits and runner leases. Tenant id first, always. */
import { and, asc, desc, eq, getTableColumns, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';
import type { TFlowDefinition } from '../../../../contracts/flows.js';
import { flowInputs, flowLeases, flows, flowSessions, flowStepVisits, flowVersions, type FlowInputRow, type FlowRow, type FlowSessionRow, type FlowVersionRow } from './tables.js';

export type Page<T> = { data: T[]; hasMore: boolean };

export async function insertFlow(db: Db, row: typeof flows.$inferInsert): Promise<FlowRow> {
  const [r] = await db.insert(flows).values(row).returning();
  return r!;
}

export async function findFlow(db: Db, tenantId: string, id: string): Promise<FlowRow | undefined> {
  const [r] = await db.select().from(flows).where(and(eq(flows.tenantId, tenantId), eq(flows.id, id)));
  return r;
}

export async function findFlowByBot(db: Db, tenantId: string, botId: string): Promise<FlowRow | undefined> {
  const [r] = await db.select().from(flows).where(and(eq(flows.tenantId, tenantId), eq(flows.botId, botId)));
  return r;
}

export async function listFlows(db: Db, tenantId: string, q: { limit: number; startingAfter?: string | undefined; botId?: string | undefined }): Promise<Page<FlowRow>> {
  const conds = [eq(flows.tenantId, tenantId)];
  if (q.botId) conds.push(eq(flows.botId, q.botId));
  if (q.startingAfter) conds.push(gt(flows.id, q.startingAfter));
  const rows = await db.select().from(flows).where(and(...conds)).orderBy(asc(flows.id)).limit(q.limit + 1);
  return { data: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
}

export async function updateFlow(db: Db, tenantId: string, id: string, values: Partial<typeof flows.$inferInsert>): Promise<FlowRow | undefined> {
  const [r] = await db.update(flows).set(values).where(and(eq(flows.tenantId, tenantId), eq(flows.id, id))).returning();
  return r;
}

export async function deleteFlow(db: Db, tenantId: string, id: string): Promise<boolean> {
  const gone = await db.delete(flows).where(and(eq(flows.tenantId, tenantId), eq(flows.id, id))).returning({ id: flows.id });
  return gone.length > 0;
}

/** The draft as the next version, published (one transaction; the flow row is locked so two publishes number apart). */
export async function publishDraft(db: Db, tenantId: string, id: string, definition: TFlowDefinition, now: Date): Promise<FlowRow | undefined> {
  return db.transaction(async (tx) => {
    const [f] = await tx.select().from(flows).where(and(eq(flows.tenantId, tenantId), eq(flows.id, id))).for('update');
    if (!f) return undefined;
    const version = (f.latestVersion ?? 0) + 1;
    await tx.insert(flowVersions).values({ flowId: id, version, tenantId, definition, createdAt: now, publishedAt: now });
    const [r] = await tx.update(flows).set({ publishedVersion: version, latestVersion: version, updatedAt: now }).where(eq(flows.id, id)).returning();
    return r;
  });
}

export async function setPublished(db: Db, tenantId: string, id: string, version: number, now: Date): Promise<FlowRow | undefined> {
  return db.transaction(async (tx) => {
    const [v] = await tx
      .update(flowVersions)
      .set({ publishedAt: now })
      .where(and(eq(flowVersions.tenantId, tenantId), eq(flowVersions.flowId, id), eq(flowVersions.version, version)))
      .returning({ version: flowVersions.version });
    if (!v) return undefined;
    const [r] = await tx.update(flows).set({ publishedVersion: version, updatedAt: now }).where(and(eq(flows.tenantId, tenantId), eq(flows.id, id))).returning();
    return r;
  });
}

export async function findVersion(db: Db, tenantId: string, flowId: string, version: number): Promise<FlowVersionRow | undefined> {
  const [r] = await db.select().from(flowVersions).where(and(eq(flowVersions.tenantId, tenantId), eq(flowVersions.flowId, flowId), eq(flowVersions.version, version)));
  return r;
}

export async function listVersions(db: Db, tenantId: string, flowId: string, q: { limit: number; startingAfter?: number | undefined }): Promise<Page<FlowVersionRow>> {
  const conds = [eq(flowVersions.tenantId, tenantId), eq(flowVersions.flowId, flowId)];
  if (q.startingAfter !== undefined) conds.push(lt(flowVersions.version, q.startingAfter));
  const rows = await db.select().from(flowVersions).where(and(...conds)).orderBy(desc(flowVersions.version)).limit(q.limit + 1);
  return { data: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
}

// ---------------------------------------------------------------- sessions

export async function activeSession(db: Db, tenantId: string, conversationId: string): Promise<FlowSessionRow | undefined> {
  const [r] = await db.select().from(flowSessions).where(and(eq(flowSessions.tenantId, tenantId), eq(flowSessions.conversationId, conversationId), eq(flowSessions.status, 'active')));
  return r;
}

export async function findSession(db: Db, tenantId: string, id: string): Promise<FlowSessionRow | undefined> {
  const [r] = await db.select().from(flowSessions).where(and(eq(flowSessions.tenantId, tenantId), eq(flowSessions.id, id)));
  return r;
}

export async function listSessions(db: Db, tenantId: string, q: { limit: number; startingAfter?: string | undefined; conversationId?: string | undefined; flowId?: string | undefined; status?: FlowSessionRow['status'] | undefined }): Promise<Page<FlowSessionRow>> {
  const conds = [eq(flowSessions.tenantId, tenantId)];
  if (q.conversationId) conds.push(eq(flowSessions.conversationId, q.conversationId));
  if (q.flowId) conds.push(eq(flowSessions.flowId, q.flowId));
  if (q.status) conds.push(eq(flowSessions.status, q.status));
  if (q.startingAfter) conds.push(lt(flowSessions.id, q.startingAfter));
  const rows = await db.select().from(flowSessions).where(and(...conds)).orderBy(desc(flowSessions.id)).limit(q.limit + 1);
  return { data: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
}

// ---------------------------------------------------------------- inputs

/** Stored once (its id is derived from its cause); false when it was there already. */
export async function insertInput(db: Db, row: Omit<typeof flowInputs.$inferInsert, 'seq'>): Promise<boolean> {
  const r = await db.insert(flowInputs).values(row).onConflictDoNothing().returning({ id: flowInputs.id });
  return r.length > 0;
}

export async function nextPendingInput(db: Db, tenantId: string, conversationId: string): Promise<FlowInputRow | undefined> {
  const [r] = await db
    .select()
    .from(flowInputs)
    .where(and(eq(flowInputs.tenantId, tenantId), eq(flowInputs.conversationId, conversationId), isNull(flowInputs.processedAt)))
    .orderBy(asc(flowInputs.seq))
    .limit(1);
  return r;
}

/** Conversations with inputs left unprocessed for a while (their run was lost): for maintenance. */
export async function staleInputs(db: Db, olderThan: Date, limit = 200): Promise<{ tenantId: string; conversationId: string; id: string }[]> {
  return db
    .selectDistinctOn([flowInputs.conversationId], { tenantId: flowInputs.tenantId, conversationId: flowInputs.conversationId, id: flowInputs.id })
    .from(flowInputs)
    .where(and(isNull(flowInputs.processedAt), lt(flowInputs.receivedAt, olderThan)))
    .orderBy(flowInputs.conversationId, asc(flowInputs.seq))
    .limit(limit);
}

type SessionValues = Partial<typeof flowSessions.$inferInsert>;
const SESSION_COLUMNS = getTableColumns(flowSessions);
const col = (k: string) => {
  const c = (SESSION_COLUMNS as Record<string, (typeof SESSION_COLUMNS)[keyof typeof SESSION_COLUMNS]>)[k];
  if (!c) throw new Error(`no session column ${k}`);
  return c;
};
const defined = (v: SessionValues) => Object.entries(v).filter(([, x]) => x !== undefined);
/** `col = $n, …` of a session's values, each encoded as its column encodes it (jsonb, timestamptz). */
const assignments = (v: SessionValues) => sql.join(defined(v).map(([k, x]) => sql`${sql.identifier(col(k).name)} = ${sql.param(x, col(k))}`), sql`, `);

/**
 * The session's new state, its step visits and its input done, in one statement (data-modifying
 * CTEs: one round trip, atomic): a run killed before this runs again from the same state. A
 * session the run ended first (expired, restarted) is written just before, on its own: a rerun
 * then finds it ended and does the same.
 */
export async function commitRun(
  db: Db,
  tenantId: string,
  p: { inputId: string; session?: { id: string; insert?: typeof flowSessions.$inferInsert; values: SessionValues } | undefined; ended?: { id: string; values: SessionValues } | undefined; visits: { sessionId: string; stepId: string; flowId: string; flowVersion: number; count: number }[]; now: Date },
): Promise<void> {
  if (p.ended) await db.update(flowSessions).set(p.ended.values).where(and(eq(flowSessions.tenantId, tenantId), eq(flowSessions.id, p.ended.id)));
  const parts: SQL[] = [];
  if (p.session?.insert) {
    const entries = defined(p.session.insert);
    parts.push(sql`s as (insert into ${flowSessions} (${sql.join(entries.map(([k]) => sql.identifier(col(k).name)), sql`, `)}) values (${sql.join(entries.map(([k, x]) => sql.param(x, col(k))), sql`, `)}))`);
  } else if (p.session) {
    parts.push(sql`s as (update ${flowSessions} set ${assignments(p.session.values)} where ${flowSessions.tenantId} = ${tenantId} and ${flowSessions.id} = ${p.session.id})`);
  }
  if (p.visits.length > 0) {
    const rows = p.visits.map((v) => sql`(${v.sessionId}, ${v.stepId}, ${tenantId}, ${v.flowId}, ${v.flowVersion}, ${sql.param(p.now, flowStepVisits.firstAt)}, ${v.count})`);
    parts.push(sql`v as (insert into ${flowStepVisits} (session_id, step_id, tenant_id, flow_id, flow_version, first_at, count) values ${sql.join(rows, sql`, `)}
      on conflict (session_id, step_id) do update set count = ${flowStepVisits}.count + excluded.count)`);
  }
  const sessionId = p.session?.id ?? p.ended?.id ?? null;
  const done = sql`update ${flowInputs} set processed_at = ${sql.param(p.now, flowInputs.processedAt)}, session_id = ${sessionId} where ${flowInputs.tenantId} = ${tenantId} and ${flowInputs.id} = ${p.inputId}`;
  await db.execute(parts.length > 0 ? sql`with ${sql.join(parts, sql`, `)} ${done}` : done);
}

// ---------------------------------------------------------------- leases

/** Take (or renew) the conversation's runner lease: free, run out, or ours already. */
export async function acquireLease(db: Db, conversationId: string, owner: string, now: Date, ms: number): Promise<boolean> {
  const until = new Date(now.getTime() + ms);
  const r = await db
    .insert(flowLeases)
    .values({ conversationId, owner, until })
    .onConflictDoUpdate({ target: flowLeases.conversationId, set: { owner, until }, setWhere: or(lt(flowLeases.until, now), eq(flowLeases.owner, owner)) })
    .returning({ owner: flowLeases.owner });
  return r.length > 0;
}

/** Let the lease go and say whether an input of the conversation is still pending (one statement). */
export async function releaseAndCheck(db: Db, tenantId: string, conversationId: string, owner: string): Promise<boolean> {
  const res = (await db.execute(sql`
    with released as (delete from ${flowLeases} where ${flowLeases.conversationId} = ${conversationId} and ${flowLeases.owner} = ${owner} returning 1)
    select exists (select 1 from ${flowInputs} where ${flowInputs.tenantId} = ${tenantId} and ${flowInputs.conversationId} = ${conversationId} and ${flowInputs.processedAt} is null) as pending,
           (select count(*) from released) as released`)) as unknown as { rows: { pending: boolean }[] };
  return Boolean(res.rows[0]?.pending);
}

export async function releaseLease(db: Db, conversationId: string, owner: string): Promise<void> {
  await db.delete(flowLeases).where(and(eq(flowLeases.conversationId, conversationId), eq(flowLeases.owner, owner)));
}

export async function leaseOwner(db: Db, conversationId: string): Promise<string | undefined> {
  const [r] = await db.select({ owner: flowLeases.owner }).from(flowLeases).where(eq(flowLeases.conversationId, conversationId));
  return r?.owner;
}
