import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const AUDIT_ACTOR_KINDS = ['operator', 'store_user', 'api_key', 'cli', 'system', 'end_user', 'anonymous'] as const;
export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number];

/**
 * The audit trail: who did what (platform/audit). One row per administrative act — sign-ins and
 * failed ones, keys, tenants and their settings, staff users, end users' exports and erasures.
 * `tenant_id` is null for platform acts (an operator created, a sign-in with an unknown email).
 * No foreign keys: the trail outlives what it names, and platform code names no module's table.
 * Holds ids, never personal data or secrets: a person's label (email) is looked up when read, the
 * address is truncated (/24, /48), and `details` is scrubbed of anything key-, token- or email-shaped.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    /** `aud_` + the time of `at`: newest first is id order. */
    id: text('id').primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    tenantId: text('tenant_id'),
    actorKind: text('actor_kind').$type<AuditActorKind>().notNull(),
    /** `usr_…` (operator, store user, end user), `key_…` (API key); null for the CLI, the system, anonymous. */
    actorId: text('actor_id'),
    /** Dotted: `auth.sign_in`, `key.created`, `tenant.settings_changed`, `end_user.erased` … */
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    requestId: text('request_id'),
    /** The caller's address, truncated: IPv4 to its /24 (`203.0.113.0`), IPv6 to its /48. */
    ip: text('ip'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index('audit_events_tenant_at_idx').on(t.tenantId, t.at, t.id), index('audit_events_at_idx').on(t.at, t.id)],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
