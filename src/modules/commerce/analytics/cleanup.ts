/**
 * Message log cleanup: a store's messages (their stored media blobs first), processed inbound
 * provider events (they carry the same content) and the simulator phone's copies older than the
 * store's `commerce_message_log_days` setting (default 30) are deleted in batches by maintenance.
 * Stores with the same number of days are cleaned together, by the (tenant, created) index. Each
 * run deletes at most MAX_BATCHES batches per table and day count; the next run goes on.
 * Conversations (no content) stay, and so do the rollups: figures outlive the messages.
 */
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../../platform/db/client.js';
import type { BlobStore } from '../../../platform/storage/blob-store.js';
import { bots, inboundEvents, messages, simulatorMessages, type StoredMedia } from '../tables.js';

export const DEFAULT_MESSAGE_LOG_DAYS = 30;
export const MAX_MESSAGE_LOG_DAYS = 3650;
const DAY = 24 * 3600_000;
const BATCH = 500;
const MAX_BATCHES = 20;

/** A store's setting as given (anything not a whole number of days in range falls back to the default). */
export function messageLogDays(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_MESSAGE_LOG_DAYS ? v : DEFAULT_MESSAGE_LOG_DAYS;
}

export type CleanupResult = { messages: number; media: number; inboundEvents: number; simulatorMessages: number };
type Rows<T> = { rows: T[] };
const pgArray = (values: string[]) => `{${values.join(',')}}`;

export async function cleanupMessageLogs(
  deps: { db: Db; blobs: Pick<BlobStore, 'delete'>; log: Logger },
  now: number,
  daysOf: (tenantId: string) => Promise<unknown>,
  opts: { batch?: number; maxBatches?: number } = {},
): Promise<CleanupResult> {
  const { db } = deps;
  const batch = opts.batch ?? BATCH;
  const maxBatches = opts.maxBatches ?? MAX_BATCHES;
  const out: CleanupResult = { messages: 0, media: 0, inboundEvents: 0, simulatorMessages: 0 };
  const tenants = ((await db.execute(sql`select distinct tenant_id from ${bots}`)) as unknown as Rows<{ tenant_id: string }>).rows.map((r) => r.tenant_id);
  const byDays = new Map<number, string[]>();
  for (const t of tenants) {
    let days = DEFAULT_MESSAGE_LOG_DAYS;
    try {
      days = messageLogDays(await daysOf(t));
    } catch (err) {
      deps.log.warn({ err: { message: (err as Error).message }, tenant_id: t }, 'message log days not read; the default applies');
    }
    byDays.set(days, [...(byDays.get(days) ?? []), t]);
  }
  for (const [days, ids] of byDays) {
    const cutoff = new Date(now - days * DAY);
    const inTenants = sql`tenant_id = any(${pgArray(ids)}::text[])`;
    for (let i = 0; i < maxBatches; i++) {
      const rows = ((await db.execute(sql`
        select id, tenant_id, media from ${messages} where ${inTenants} and created_at < ${cutoff} order by created_at limit ${batch}`)) as unknown as Rows<{ id: string; tenant_id: string; media: StoredMedia | string | null }>).rows;
      if (rows.length === 0) break;
      for (const r of rows) {
        const media = typeof r.media === 'string' ? (JSON.parse(r.media) as StoredMedia) : r.media;
        if (media?.key) {
          await deps.blobs.delete(media.key);
          out.media++;
        }
      }
      const del = (await db.execute(sql`delete from ${messages} where ${inTenants} and id = any(${pgArray(rows.map((r) => r.id))}::text[]) returning id`)) as unknown as Rows<unknown>;
      out.messages += del.rows.length;
      if (rows.length < batch) break;
    }
    out.inboundEvents += await deleteBatches(db, sql`select id from ${inboundEvents} where ${inTenants} and received_at < ${cutoff} and processed_at is not null order by received_at limit ${batch}`, inboundEvents, batch, maxBatches);
    out.simulatorMessages += await deleteBatches(db, sql`select id from ${simulatorMessages} where ${inTenants} and created_at < ${cutoff} order by created_at limit ${batch}`, simulatorMessages, batch, maxBatches);
  }
  return out;
}

async function deleteBatches(db: Db, select: ReturnType<typeof sql>, table: typeof inboundEvents | typeof simulatorMessages, batch: number, maxBatches: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < maxBatches; i++) {
    const k = ((await db.execute(sql`delete from ${table} where id in (${select}) returning id`)) as unknown as Rows<unknown>).rows.length;
    n += k;
    if (k < batch) break;
  }
  return n;
}
