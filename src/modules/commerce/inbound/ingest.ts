/**
 * The inbound ledger: a provider's events are stored once — a UNIQUE (connection, dedupe key)
 * where the key is the provider's message id (and the status, for statuses), so Meta's retries
 * of a webhook insert nothing — and a `commerce.inbound` job is queued per stored event (ids
 * only). One insert (group-committed with concurrent webhooks', ledger.ts) and one enqueue: the
 * webhook is acknowledged fast. An event naming another of the tenant's numbers (`to`) is filed
 * under that number's connection. An enqueue lost to a crash after the insert is made good by
 * `recoverStale` (periodic maintenance).
 */
import { and, isNull, lt } from 'drizzle-orm';
import { newId } from '../../../platform/ids.js';
import { groupWriter } from '../../../platform/db/group-writer.js';
import type { CommerceCore } from '../core.js';
import { botsRepo } from '../bots/index.js';
import type { InboundEvent } from '../channels/index.js';
import { inboundEvents, type ConnectionRow } from '../tables.js';
import { ledgerWriter, type LedgerRow } from './ledger.js';

export const INBOUND_JOB = 'commerce.inbound';
export type InboundJobPayload = { tenant_id: string; event_id: string };
/**
 * The events of webhooks acknowledged together, processed by one job in their order
 * (process.ts `handleBatch`): one queue job, one read of the events and one processed mark for
 * the group instead of one each per event. An event that fails in a batch goes on as its own
 * `commerce.inbound` job, with that job's retries.
 */
export const INBOUND_BATCH_JOB = 'commerce.inbound-batch';
export type InboundBatchPayload = { events: InboundJobPayload[] };
/** Events per batch job (a larger group of webhooks is split). */
export const INBOUND_BATCH_MAX = 50;

function dedupeKeyOf(e: InboundEvent, id: string): string {
  if (e.kind === 'message') return `m:${e.providerMessageId}`;
  if (e.kind === 'status') return `s:${e.providerMessageId}:${e.status}`;
  return `c:${id}`;
}

/** An event back from the ledger. */
export function fromPayload(p: Record<string, unknown>): InboundEvent {
  const e = p as unknown as InboundEvent & { timestamp?: string | Date };
  if ('timestamp' in e && typeof e.timestamp === 'string') return { ...e, timestamp: new Date(e.timestamp) } as InboundEvent;
  return e;
}

export function createIngest(core: CommerceCore) {
  const write = ledgerWriter(core.db);

  /** Which connection an event belongs to: the one it came in on, or the tenant's connection for the number it names. */
  async function targets(conn: ConnectionRow, events: InboundEvent[]): Promise<ConnectionRow[]> {
    const cache = new Map<string, ConnectionRow>();
    const out: ConnectionRow[] = [];
    for (const e of events) {
      const to = e.kind === 'connection' ? undefined : e.to?.replace(/^whatsapp:/, '');
      if (!to || !conn.accountRef || to === conn.accountRef) {
        out.push(conn);
        continue;
      }
      let other = cache.get(to);
      if (!other) {
        other = (await botsRepo.findConnectionByAccount(core.db, conn.tenantId, conn.provider, to)) ?? conn;
        cache.set(to, other);
      }
      out.push(other);
    }
    return out;
  }

  // Concurrent webhooks' events go to the queue together, as their ledger rows were written: one
  // batch job per INBOUND_BATCH_MAX events (BullMQ: one addBulk, one round trip). A webhook's own
  // events stay together and in their order (a status `delivered` before its `read`, as before).
  // The job is keyed by its first event (a second enqueue of the same group adds nothing).
  const batchOf = (events: InboundJobPayload[]) => ({ payload: { events } satisfies InboundBatchPayload, opts: { dedupeKey: `${INBOUND_BATCH_JOB}:${events[0]!.event_id}` } });
  const enqueue = groupWriter<InboundJobPayload[]>(
    async (groups) => {
      const payloads = groups.flat();
      const batches = [];
      for (let i = 0; i < payloads.length; i += INBOUND_BATCH_MAX) batches.push(batchOf(payloads.slice(i, i + INBOUND_BATCH_MAX)));
      if (core.jobs.enqueueMany) await core.jobs.enqueueMany(INBOUND_BATCH_JOB, batches);
      else for (const b of batches) await core.jobs.enqueue(INBOUND_BATCH_JOB, b.payload, b.opts);
    },
    { concurrency: 2 },
  );

  return {
    /** Store the events (duplicates ignored) and queue their processing. */
    async ingest(conn: ConnectionRow, events: InboundEvent[]): Promise<{ stored: number; duplicates: number }> {
      if (events.length === 0) return { stored: 0, duplicates: 0 };
      const to = await targets(conn, events);
      const now = core.now();
      const rows = events.map((e, i): LedgerRow => {
        const id = newId('inboundEvent', now.getTime());
        const c = to[i]!;
        return { id, tenantId: c.tenantId, botId: c.botId, connectionId: c.id, dedupeKey: dedupeKeyOf(e, id), kind: e.kind, event: e, receivedAt: now };
      });
      const stored = await Promise.all(rows.map((r) => write(r)));
      const fresh = rows.filter((_, i) => stored[i]);
      if (fresh.length > 0) await enqueue(fresh.map((r) => ({ tenant_id: r.tenantId, event_id: r.id })));
      return { stored: fresh.length, duplicates: events.length - fresh.length };
    },

    /** Queue again the events stored but not processed for a while (an enqueue lost to a crash); for periodic maintenance. */
    async recoverStale(olderThanMs = 60_000): Promise<number> {
      const rows = await core.db
        .select({ id: inboundEvents.id, tenantId: inboundEvents.tenantId })
        .from(inboundEvents)
        .where(and(isNull(inboundEvents.processedAt), lt(inboundEvents.receivedAt, new Date(core.now().getTime() - olderThanMs))))
        .limit(500);
      if (rows.length > 0) await enqueue(rows.map((r) => ({ tenant_id: r.tenantId, event_id: r.id })));
      return rows.length;
    },
  };
}

export type Ingest = ReturnType<typeof createIngest>;
