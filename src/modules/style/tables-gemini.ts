import { boolean, doublePrecision, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Every analyser call made for a style analysis (the Gemini adapter, the offline analyser it falls
 * back to): who, which model, how long, what happened (error class), what it cost. Written by the
 * `style.analyse` job (analyse-job.ts) through the style router; no foreign key, like
 * generation_attempts: the analysis row may be erased while its attempts stay for the figures.
 */
export const styleAttempts = pgTable(
  'style_attempts',
  {
    id: text('id').primaryKey(),
    analysisId: text('analysis_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    /** `gemini` or `local`. */
    analyser: text('analyser').notNull(),
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
  (t) => [index('style_attempts_analysis_idx').on(t.tenantId, t.analysisId), index('style_attempts_analyser_idx').on(t.analyser, t.startedAt)],
);

export type StyleAttemptRow = typeof styleAttempts.$inferSelect;
export type NewStyleAttempt = typeof styleAttempts.$inferInsert;
