import { index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { TSeason12 } from '../../../../contracts/style.js';

/**
 * A signed-in end user's style choices (`/v1/account/style/palette`): the season they chose, named
 * directly or taken from one of their analyses or quiz results (kept as the season, so the choice
 * outlives the analysis). One row per user; erased with the account.
 */
export const styleUserProfiles = pgTable(
  'style_user_profiles',
  {
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    season: text('season').$type<TSeason12>().notNull(),
    source: text('source').$type<'season' | 'analysis' | 'quiz_result'>().notNull(),
    /** The analysis (`sta_…`) or quiz result (`qzr_…`) the season was taken from. */
    sourceId: text('source_id'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] })],
);

/** Catalog products an end user saved (`svp_…`); a product once per user. */
export const styleSavedProducts = pgTable(
  'style_saved_products',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    productId: text('product_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('style_saved_products_user_product_uniq').on(t.tenantId, t.userId, t.productId), index('style_saved_products_user_idx').on(t.tenantId, t.userId, t.id)],
);

/**
 * An end user's uploads (`ufl_…`: photos of themselves, garments they own): normalised images in the
 * blob store under `users/<tenant>/<user>/`, kept for the tenant's retention (`expires_at`, the
 * worker's purge deletes blob and row) and erased with the account.
 */
export const styleUserFiles = pgTable(
  'style_user_files',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    kind: text('kind').$type<'photo' | 'garment'>().notNull(),
    blobKey: text('blob_key').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('style_user_files_user_idx').on(t.tenantId, t.userId, t.id), index('style_user_files_expiry_idx').on(t.expiresAt)],
);

export type StyleUserFileRow = typeof styleUserFiles.$inferSelect;
export type StyleSavedProductRow = typeof styleSavedProducts.$inferSelect;
export type StyleUserProfileRow = typeof styleUserProfiles.$inferSelect;
