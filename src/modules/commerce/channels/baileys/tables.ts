/**
 * The Baileys linked-device auth state, in the database instead of files: one row per
 * connection for the credentials (`kind = 'creds'`, `key_id = ''`) and one per Signal key
 * (`kind` is Baileys' key type: `pre-key`, `session`, `sender-key`, `app-state-sync-key`…,
 * `key_id` its id). `value` is the JSON Baileys' `BufferJSON.replacer` makes, so Buffers and
 * Uint8Arrays come back intact through `BufferJSON.reviver`. The rows are secrets (they let
 * anyone act as the linked device): never returned by the API, never logged, deleted on logout.
 */
import { index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const baileysAuth = pgTable(
  'baileys_auth',
  {
    tenantId: text('tenant_id').notNull(),
    /** The channel connection this linked device belongs to. */
    connectionId: text('connection_id').notNull(),
    /** `creds`, or a Baileys Signal key type. */
    kind: text('kind').notNull(),
    /** The key's id; '' for the credentials. */
    keyId: text('key_id').notNull(),
    /** BufferJSON text. */
    value: text('value').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.kind, t.keyId] }), index('baileys_auth_tenant_idx').on(t.tenantId, t.connectionId)],
);

export type BaileysAuthRow = typeof baileysAuth.$inferSelect;
