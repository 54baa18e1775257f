/**
 * The style module's quiz results (`qzr_…`): the answers as given and the colour answer they
 * made (alone, or fused with a photo analysis). No images, no measured colours of the quiz's own;
 * still personal data: deleted when the tenant's retention ends (`expires_at`) or the shopper is erased.
 */
import { index, jsonb, pgTable, real, text, timestamp } from 'drizzle-orm/pg-core';
import type { TColorAnswer } from '../../../contracts/style.js';

export const quizResults = pgTable(
  'style_quiz_results',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    shopperId: text('shopper_id'),
    /** SHA-256 of the widget session that made it with a publishable key: only that session reads it back. */
    widgetSession: text('widget_session'),
    /** The signed-in end user (`usr_…`) who made it (their widget session is then `user:<id>`). */
    userId: text('user_id'),
    source: text('source').$type<'quiz' | 'fused'>().notNull(),
    quizVersion: text('quiz_version').notNull(),
    answers: jsonb('answers').$type<{ question: string; option: string }[]>().notNull(),
    /** The certainty the answer was classified with (what a later fusion weighs it by). */
    certainty: real('certainty').notNull(),
    color: jsonb('color').$type<TColorAnswer>().notNull(),
    /** The photo analysis (or earlier quiz result) it was fused with. */
    analysisId: text('analysis_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** When the tenant's retention ends for it (the maintenance purge deletes it then); null on rows made before retention applied (purged after 7 days). */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (t) => [index('style_quiz_results_tenant_idx').on(t.tenantId, t.id), index('style_quiz_results_shopper_idx').on(t.tenantId, t.shopperId), index('style_quiz_results_expiry_idx').on(t.expiresAt), index('style_quiz_results_user_idx').on(t.tenantId, t.userId, t.id)],
);

export type QuizResultRow = typeof quizResults.$inferSelect;
