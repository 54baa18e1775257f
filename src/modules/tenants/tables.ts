import { sql } from 'drizzle-orm';
import { bigint, boolean, doublePrecision, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const TIERS = ['free', 'basic', 'pro', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];
export const RETENTIONS = ['process-only', '1h', '24h', '7d'] as const;
export type Retention = (typeof RETENTIONS)[number];

/** Per-tenant overrides of the tier defaults; absent members fall back to the tier. */
export type TenantLimits = {
  requests_per_minute_per_key?: number;
  requests_per_minute_per_tenant?: number;
  monthly_generations?: number | null;
};

export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  website: text('website'),
  tier: text('tier').$type<Tier>().notNull().default('free'),
  active: boolean('active').notNull().default(true),
  allowedOrigins: jsonb('allowed_origins').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  retention: text('retention').$type<Retention>().notNull().default('24h'),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  limits: jsonb('limits').$type<TenantLimits>().notNull().default(sql`'{}'::jsonb`),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const KEY_KINDS = ['secret', 'publishable'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];
export const KEY_ENVIRONMENTS = ['live', 'test'] as const;
export type KeyEnvironment = (typeof KEY_ENVIRONMENTS)[number];

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name'),
    kind: text('kind').$type<KeyKind>().notNull(),
    environment: text('environment').$type<KeyEnvironment>().notNull(),
    /** The visible start of the key, e.g. `sk_live_7Hq2`, for people to tell keys apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 (hex) of the whole key; the key itself is never stored. */
    hash: text('hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    /** Set on a rotated key: the id of the key that replaced it. */
    replacedBy: text('replaced_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.hash), index('api_keys_tenant_idx').on(t.tenantId, t.createdAt)],
);

export const USER_ROLES = ['operator', 'owner', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Operator admins (tenant_id null, role operator) and tenant users (owner, member). */
export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name'),
    /** Null for a person invited without a password: they sign in through single sign-on only. */
    passwordHash: text('password_hash'),
    role: text('role').$type<UserRole>().notNull(),
    tenantId: text('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    active: boolean('active').notNull().default(true),
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }).notNull().defaultNow(),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_idx').on(t.email), index('users_tenant_idx').on(t.tenantId)],
);

/**
 * Rotating refresh tokens. Each login starts a family; each refresh uses one token and issues the
 * next in the same family. Presenting a used token again revokes the whole family (theft detection).
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    familyId: text('family_id').notNull(),
    hash: text('hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('refresh_tokens_hash_idx').on(t.hash), index('refresh_tokens_family_idx').on(t.familyId), index('refresh_tokens_user_idx').on(t.userId)],
);

/** Monthly usage counters per tenant (period `YYYY-MM`, UTC). */
export const usageCounters = pgTable(
  'usage_counters',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    period: text('period').notNull(),
    metric: text('metric').notNull(),
    value: bigint('value', { mode: 'number' }).notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.period, t.metric] })],
);

export type TenantRow = typeof tenants.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type UserRow = typeof users.$inferSelect;

/**
 * Usage events per tenant for the dashboard: generations, cache hits, provider cost, failures.
 * One row per event; the analytics issue rolls them up.
 */
export const usageEvents = pgTable(
  'usage_events',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    type: text('type').notNull(),
    quantity: bigint('quantity', { mode: 'number' }).notNull().default(1),
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    refId: text('ref_id'),
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('usage_events_tenant_idx').on(t.tenantId, t.createdAt), index('usage_events_type_idx').on(t.type, t.createdAt)],
);
