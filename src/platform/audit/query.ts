/** Reading the audit trail (newest first, cursor paging) and its retention purge. */
import { and, desc, eq, gte, inArray, like, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditEvents, type AuditActorKind, type AuditEventRow } from './tables.js';

export type AuditFilter = {
  /** A tenant's events only; undefined: every tenant's and the platform's (operators). */
  tenantId?: string | undefined;
  /** Exact (`key.created`) or every action under a prefix (`key.*`). */
  action?: string | undefined;
  actorKind?: AuditActorKind | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function conditions(f: AuditFilter): SQL[] {
  const conds: SQL[] = [];
  if (f.tenantId !== undefined) conds.push(eq(auditEvents.tenantId, f.tenantId));
  if (f.action) conds.push(f.action.endsWith('.*') ? like(auditEvents.action, `${escapeLike(f.action.slice(0, -1))}%`) : eq(auditEvents.action, f.action));
  if (f.actorKind) conds.push(eq(auditEvents.actorKind, f.actorKind));
  if (f.actorId) conds.push(eq(auditEvents.actorId, f.actorId));
  if (f.targetId) conds.push(eq(auditEvents.targetId, f.targetId));
  if (f.from) conds.push(gte(auditEvents.at, f.from));
  if (f.to) conds.push(lt(auditEvents.at, f.to));
  return conds;
}

/**
 * Newest first. An id's first part is its `at` (both from the same clock reading), so `id <
 * starting_after` is the cursor while the order by (at, id) follows the (tenant_id, at, id) index.
 */
export async function listAuditEvents(db: Db, f: AuditFilter, page: { limit: number; startingAfter?: string | undefined }): Promise<{ data: AuditEventRow[]; hasMore: boolean }> {
  const conds = conditions(f);
  if (page.startingAfter) conds.push(lt(auditEvents.id, page.startingAfter));
  const rows = await db
    .select()
    .from(auditEvents)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(page.limit + 1);
  return { data: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

/** Events older than `days` days, deleted 5,000 at a time (short statements); returns how many. */
export async function purgeAuditEvents(db: Db, now: number, days: number): Promise<number> {
  const before = new Date(now - days * 86_400_000);
  let total = 0;
  for (;;) {
    const old = db.select({ id: auditEvents.id }).from(auditEvents).where(lt(auditEvents.at, before)).limit(5000);
    const rows = await db.delete(auditEvents).where(inArray(auditEvents.id, old)).returning({ id: auditEvents.id });
    total += rows.length;
    if (rows.length < 5000) return total;
  }
}

/** How many events match (tests, figures). */
export async function countAuditEvents(db: Db, f: AuditFilter = {}): Promise<number> {
  const conds = conditions(f);
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditEvents)
    .where(conds.length ? and(...conds) : undefined);
  return r?.n ?? 0;
}
