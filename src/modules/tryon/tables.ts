import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { TGarmentColorMatch } from '../../../contracts/tryons.js';

export const TRYON_STATUSES = ['queued', 'processing', 'succeeded', 'failed', 'canceled', 'expired'] as const;
export type TryonStatus = (typeof TRYON_STATUSES)[number];

/** A shopper photo (or a garment image) stored once and reusable across try-ons. */
export const uploads = pgTable(
  'uploads',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    kind: text('kind').$type<'person' | 'garment'>().notNull().default('person'),
    shopperId: text('shopper_id'),
    /** SHA-256 of the widget session token, for uploads made with a publishable key. */
    widgetSession: text('widget_session'),
    blobKey: text('blob_key'),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    source: text('source').$type<'file' | 'data_url' | 'url'>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('uploads_tenant_idx').on(t.tenantId, t.id), index('uploads_shopper_idx').on(t.tenantId, t.shopperId), index('uploads_expiry_idx').on(t.expiresAt)],
);

/** Where an input image is, copied from its upload at submit so the job reads no upload row. */
export type BlobRef = { key: string; content_type: string; width: number; height: number };

export type GarmentRef = {
  upload_id: string;
  product_id?: string | undefined;
  category: 'tops' | 'bottoms' | 'one-pieces' | 'auto';
  sha256: string;
  /** Absent on rows created before it existed: the job then reads the upload. */
  blob?: BlobRef | undefined;
  /** Only on try-ons created with `style`: the garment's colour judged for that season (null: no colour read). */
  color_match?: TGarmentColorMatch | null | undefined;
};

export const tryons = pgTable(
  'tryons',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    keyId: text('key_id'),
    environment: text('environment').$type<'live' | 'test'>().notNull(),
    shopperId: text('shopper_id'),
    widgetSession: text('widget_session'),
    status: text('status').$type<TryonStatus>().notNull(),
    mode: text('mode').$type<'fast' | 'balanced' | 'quality'>().notNull(),
    requestedProvider: text('requested_provider'),
    personUploadId: text('person_upload_id').notNull(),
    /** The person photo's blob (see BlobRef); null on older rows. */
    personBlob: jsonb('person_blob').$type<BlobRef>(),
    garments: jsonb('garments').$type<GarmentRef[]>().notNull(),
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
    stage: text('stage'),
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
    index('tryons_tenant_idx').on(t.tenantId, t.id),
    // No index on status: every job changes it twice, and the job statements, which find their rows
    // by primary key, were planned through such an index instead, reading every entry of a status
    // (dead ones too, until vacuum): a cost that grew with each try-on done. The queue position
    // reads the waiting ones only (partial index); the analytics rollup reads by time.
    index('tryons_waiting_idx').on(t.queuedAt).where(sql`status = 'queued'`),
    index('tryons_queued_at_idx').on(t.queuedAt),
    index('tryons_shopper_idx').on(t.tenantId, t.shopperId),
    index('tryons_expiry_idx').on(t.expiresAt),
    // Cache hits share the result blob of the try-on that filled the cache: a blob is deleted only
    // when no try-on refers to it any more (purge, erasure).
    index('tryons_result_blob_idx').on(t.tenantId, t.resultBlobKey),
  ],
);

/** Every provider call made for a try-on: who, how long, what happened, what it cost. */
export const tryonAttempts = pgTable(
  'tryon_attempts',
  {
    id: text('id').primaryKey(),
    tryonId: text('tryon_id').notNull(),
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
    fidelityScore: doublePrecision('fidelity_score'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('tryon_attempts_tryon_idx').on(t.tryonId), index('tryon_attempts_provider_idx').on(t.provider, t.startedAt)],
);

/** Content-addressed results, per tenant (a cache shared across tenants would leak photos). */
export const tryonCache = pgTable(
  'tryon_cache',
  {
    tenantId: text('tenant_id').notNull(),
    cacheKey: text('cache_key').notNull(),
    tryonId: text('tryon_id').notNull(),
    resultBlobKey: text('result_blob_key').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    bytes: integer('bytes').notNull(),
    provider: text('provider').notNull(),
    model: text('model'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.cacheKey] }), index('tryon_cache_expiry_idx').on(t.expiresAt)],
);

export type UploadRow = typeof uploads.$inferSelect;
export type TryonRow = typeof tryons.$inferSelect;
export type AttemptRow = typeof tryonAttempts.$inferSelect;
