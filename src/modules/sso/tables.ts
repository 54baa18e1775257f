import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Single sign-on providers (`idp_`): OpenID Connect identity providers the operator configured.
 * `tenant_id` null: for everyone (operators and every store's users); set: that store's users only.
 * The client secret is sealed with the platform's secret box (AES-256-GCM, bound to the row's id).
 */
export const ssoProviders = pgTable(
  'sso_providers',
  {
    id: text('id').primaryKey(),
    /** The provider's name in URLs (`/admin/v1/auth/oidc/<slug>/start`): lower case, digits, dashes. */
    slug: text('slug').notNull(),
    tenantId: text('tenant_id'),
    displayName: text('display_name').notNull(),
    issuer: text('issuer').notNull(),
    clientId: text('client_id').notNull(),
    clientSecretSealed: text('client_secret_sealed'),
    /** Space-separated, always with `openid`. */
    scopes: text('scopes').notNull(),
    /** Lower-case email domains allowed through this provider; empty: any. */
    allowedDomains: jsonb('allowed_domains').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('sso_providers_slug_idx').on(t.slug)],
);

/**
 * One-time codes handing a finished single sign-on to the dashboard (the callback redirects with the
 * code in the URL fragment; the dashboard exchanges it for tokens once, within 60 s). Only the
 * SHA-256 of a code is stored.
 */
export const ssoLoginCodes = pgTable(
  'sso_login_codes',
  {
    hash: text('hash').primaryKey(),
    userId: text('user_id').notNull(),
    providerId: text('provider_id').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sso_login_codes_expires_idx').on(t.expiresAt)],
);

export type SsoProviderRow = typeof ssoProviders.$inferSelect;
