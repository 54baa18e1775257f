import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const GENERATION_STATUSES = ['queued', 'processing', 'succeeded', 'failed', 'canceled', 'expired'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

/**
 * A reference image of a generation: the upload it was stored as (through the try-on module's
 * intake), its hash (for the cache key) and where its bytes are, so the job reads no upload row.
 * `created`: the upload was made for this generation (a data URL or URL), not one the caller named.
 */
export type ReferenceRef = { upload_id: string; sha256: string; created: boolean; blob: { key: string; content_type: string; width: number; height: number } };

/** An image made from a prompt (and 0–3 reference images), as an asynchronous job. */
export const generations = pgTable(
  'generations',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    keyId: text('key_id'),
    environment: text('environment').$type<'live' | 'test'>().notNull(),
    /** `api` (POST /v1/generations) or `compat` (the older backend's POST /generate). */
    source: text('source').$type<'api' | 'compat'>().notNull().default('api'),
    status: text('status').$type<GenerationStatus>().notNull(),
    stage: text('stage'),
    prompt: text('prompt').notNull(),
    referenceImages: jsonb('reference_images').$type<ReferenceRef[]>().notNull().default(sql`'[]'::jsonb`),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    aspectRatio: text('aspect_ratio').notNull(),
    requestedProvider: text('requested_provider'),
    requestedModel: text('requested_model'),
    seed: integer('seed'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    cacheKey: text('cache_key'),
    cached: boolean('cached').notNull().default(false),
    resultBlobKey: text('result_blob_key'),
    resultContentType: text('result_content_type'),
    resultWidth: integer('result_width'),
    resultHeight: integer('result_height'),
    resultBytes: integer('result_bytes'),
    resultMeta: jsonb('result_meta').$type<Record<string, unknown>>(),
    provider: text('provider'),
    model: text('model'),
    attemptsCount: integer('attempts_count').notNull().default(0),
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    providerMs: integer('provider_ms'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('generations_tenant_idx').on(t.tenantId, t.id),
    // Like try-ons: no index on status; the queue position reads the waiting rows only.
    index('generations_waiting_idx').on(t.queuedAt).where(sql`status = 'queued'`),
    index('generations_expiry_idx').on(t.expiresAt),
    // Cache hits share the result blob of the generation that filled the cache.
    index('generations_result_blob_idx').on(t.tenantId, t.resultBlobKey),
  ],
);

/** Every provider call made for a generation: who, how long, what happened, what it cost. */
export const generationAttempts = pgTable(
  'generation_attempts',
  {
    id: text('id').primaryKey(),
    generationId: text('generation_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    provider: text('provider').notNull(),
    model: text('model'),
    step: integer('step').notNull().default(0),
    hedged: boolean('hedged').notNull().default(false),
    outcome: text('outcome').$type<'succeeded' | 'failed' | 'canceled' | 'skipped'>().notNull(),
    errorClass: text('error_class'),
    errorMessage: text('error_message'),
    latencyMs: integer('latency_ms').notNull(),
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('generation_attempts_generation_idx').on(t.generationId), index('generation_attempts_provider_idx').on(t.provider, t.startedAt)],
);

/**
 * Results by content, per tenant: sha256(tenant, prompt, reference image hashes, size, provider,
 * model, seed). Never shared across tenants (a prompt and its references are the tenant's own).
 */
export const generationCache = pgTable(
  'generation_cache',
  {
    tenantId: text('tenant_id').notNull(),
    cacheKey: text('cache_key').notNull(),
    generationId: text('generation_id').notNull(),
    resultBlobKey: text('result_blob_key').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    bytes: integer('bytes').notNull(),
    provider: text('provider').notNull(),
    model: text('model'),
    resultMeta: jsonb('result_meta').$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.cacheKey] }), index('generation_cache_expiry_idx').on(t.expiresAt), index('generation_cache_generation_idx').on(t.tenantId, t.generationId)],
);

export type GenerationRow = typeof generations.$inferSelect;
export type NewGeneration = typeof generations.$inferInsert;
export type GenerationAttemptRow = typeof generationAttempts.$inferSelect;
export type NewGenerationAttempt = typeof generationAttempts.$inferInsert;
export type GenerationCacheRow = typeof generationCache.$inferSelect;
