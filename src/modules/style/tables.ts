import { boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { TColorAnswer, TFaceAnswer, TQuality } from '../../../contracts/style.js';

export const STYLE_ANALYSIS_STATUSES = ['queued', 'processing', 'succeeded', 'failed'] as const;
export type StyleAnalysisStatus = (typeof STYLE_ANALYSIS_STATUSES)[number];

/**
 * A selfie analysis (face shape, colour, quality). The offline analyser writes it finished in
 * the request; Gemini's is inserted `queued` and finished by the `style.analyse` job. The selfie
 * is an upload of the try-on module's intake, kept while the tenant's retention allows
 * (`selfie_*`, cleared by the purge; for process-only tenants only while a queued analysis
 * waits for its job); the derived answers stay until the analysis is deleted (DELETE, or the
 * shopper's erasure).
 *
 * Cache: the platform cache's `style.analyses` namespace (cache.ts) maps image sha256 + kinds +
 * analyser name and version to the row that holds the answer; the row is read by its id.
 */
export const styleAnalyses = pgTable(
  'style_analyses',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    keyId: text('key_id'),
    environment: text('environment').$type<'live' | 'test'>().notNull(),
    /** sha256 of the widget's session header for publishable keys (they see only their own); null for secret keys. */
    widgetSession: text('widget_session'),
    /** The signed-in end user (`usr_…`) who made it (their widget session is then `user:<id>`, so only they see it). */
    userId: text('user_id'),
    shopperId: text('shopper_id'),
    status: text('status').$type<StyleAnalysisStatus>().notNull(),
    /** The kinds asked for, sorted and comma-joined (`color`, `face`, `color,face`): part of the cache key. */
    kinds: text('kinds').notNull(),
    source: text('source').$type<'photo' | 'quiz' | 'fused'>().notNull().default('photo'),
    /** The quiz result (`qzr_…`) the colour answer is fused with (`source: fused`), or asked to be when the job finishes. */
    quizResultId: text('quiz_result_id'),
    analyserName: text('analyser_name').$type<'local' | 'gemini'>().notNull(),
    analyserVersion: text('analyser_version').notNull(),
    model: text('model'),
    imageSha256: text('image_sha256').notNull(),
    selfieUploadId: text('selfie_upload_id'),
    /** The upload was made for this analysis (a data URL, URL or file), not an upload id the caller named: only such is erased with it. */
    selfieCreated: boolean('selfie_created').notNull().default(false),
    selfieBlobKey: text('selfie_blob_key'),
    selfieContentType: text('selfie_content_type'),
    selfieExpiresAt: timestamp('selfie_expires_at', { withTimezone: true }),
    face: jsonb('face').$type<TFaceAnswer>(),
    color: jsonb('color').$type<TColorAnswer>(),
    quality: jsonb('quality').$type<TQuality>(),
    cached: boolean('cached').notNull().default(false),
    /** The analysis a cached answer was copied from. */
    cachedFrom: text('cached_from'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    tookMs: integer('took_ms'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('style_analyses_tenant_idx').on(t.tenantId, t.id),
    index('style_analyses_shopper_idx').on(t.tenantId, t.shopperId),
    index('style_analyses_user_idx').on(t.tenantId, t.userId, t.id),
    index('style_analyses_selfie_expiry_idx').on(t.selfieExpiresAt),
    // The style figures (/v1/style/analytics) read a tenant's analyses by date.
    index('style_analyses_created_idx').on(t.tenantId, t.createdAt),
  ],
);

export type StyleAnalysisRow = typeof styleAnalyses.$inferSelect;
export type NewStyleAnalysis = typeof styleAnalyses.$inferInsert;
