/**
 * The ledger insert of the webhook's hot path, as one constant SQL text with rows as arrays
 * (platform/db/raw.ts) and group-committed (platform/db/group-writer.ts): webhooks that arrive
 * while an insert runs are written together in the next one, one statement and one round trip for
 * the batch. Drizzle built this statement's text anew for every webhook (~a third of the ack's CPU,
 * bench/RESULTS.md, commerce); this text is prepared once per connection. Each caller learns whether
 * its own row was stored or was a duplicate (`on conflict do nothing`: the provider's retry).
 */
import { lingers, type Db } from '../../../platform/db/client.js';
import { groupBatch } from '../../../platform/db/group-writer.js';
import { rawRows, unnestInsertSql, unnestParams, type ArrayColumn } from '../../../platform/db/raw.js';
import type { InboundEvent } from '../channels/index.js';

export type LedgerRow = { id: string; tenantId: string; botId: string; connectionId: string; dedupeKey: string; kind: InboundEvent['kind']; event: InboundEvent; receivedAt: Date };

const COLUMNS: readonly ArrayColumn<LedgerRow>[] = [
  ['id', 'text', (r) => r.id],
  ['tenant_id', 'text', (r) => r.tenantId],
  ['bot_id', 'text', (r) => r.botId],
  ['connection_id', 'text', (r) => r.connectionId],
  ['dedupe_key', 'text', (r) => r.dedupeKey],
  ['kind', 'text', (r) => r.kind],
  // The event serialised once, straight into the jsonb column (dates as ISO strings).
  ['payload', 'jsonb', (r) => r.event],
  ['received_at', 'timestamptz', (r) => r.receivedAt],
];

const INSERT = `${unnestInsertSql('commerce_inbound_events', COLUMNS)}\non conflict (connection_id, dedupe_key) do nothing\nreturning id`;

/** `write(row)` → true when stored, false when the ledger had that event already. */
export function ledgerWriter(db: Db) {
  return groupBatch<LedgerRow, boolean>(
    async (rows) => {
      const stored = new Set((await rawRows<{ id: string }>(db, INSERT, unnestParams(rows, COLUMNS))).map((r) => r.id));
      return rows.map((r) => stored.has(r.id));
    },
    // PostgreSQL: two batches in flight (the pool has the connections), so a webhook does not wait
    // out a whole round trip before its batch can start; PGlite runs one statement at a time.
    { maxBatch: 200, linger: lingers(db), concurrency: lingers(db) ? 1 : 2 },
  );
}
