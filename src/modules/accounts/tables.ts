import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * A tenant's end users (`usr_`): people who keep a style profile or sign in on a store's page.
 * Not staff (tenants module `users`). One tenant each; an email is unique within its tenant only.
 */
export const endUsers = pgTable(
  'end_users',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    /** Lower-cased. */
    email: text('email').notNull(),
    name: text('name'),
    passwordHash: text('password_hash').notNull(),
    language: text('language').$type<Language>().notNull().default('en'),
    preferences: jsonb('preferences').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }).notNull(),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('end_users_tenant_email_idx').on(t.tenantId, t.email)],
);

/** End users' rotating refresh tokens; a family (`ses_`) is a session. Only the SHA-256 is stored. */
export const endUserRefreshTokens = pgTable(
  'end_user_refresh_tokens',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => endUsers.id, { onDelete: 'cascade' }),
    familyId: text('family_id').notNull(),
    hash: text('hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('end_user_refresh_tokens_hash_idx').on(t.hash),
    index('end_user_refresh_tokens_family_idx').on(t.familyId),
    index('end_user_refresh_tokens_user_idx').on(t.userId),
  ],
);

/** One-time password reset tokens (`prt_`): single use, expiring; only the SHA-256 is stored. */
export const endUserPasswordResets = pgTable(
  'end_user_password_resets',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => endUsers.id, { onDelete: 'cascade' }),
    hash: text('hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('end_user_password_resets_hash_idx').on(t.hash), index('end_user_password_resets_user_idx').on(t.userId)],
);

export type EndUserRow = typeof endUsers.$inferSelect;
export type EndUserRefreshTokenRow = typeof endUserRefreshTokens.$inferSelect;
