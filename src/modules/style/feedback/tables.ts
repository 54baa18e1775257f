/**
 * Feedback on a style analysis (`fbk_…`): a rating, "does this feel right", an optional correction
 * (season, face shape) and a comment. What the analysis predicted is copied in when the feedback is
 * made (an analysis does not change once finished), so the agreement figures group plain columns.
 * Deleted with its analysis (DELETE, the shopper's erasure): the foreign key cascades.
 * One per analysis for a widget session (and, with accounts, for an end user): they edit theirs;
 * a store's secret key may relay any number (its own users' answers).
 */
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { styleAnalyses } from '../tables.js';

export const styleFeedback = pgTable(
  'style_feedback',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    analysisId: text('analysis_id')
      .notNull()
      .references(() => styleAnalyses.id, { onDelete: 'cascade' }),
    /** The end user who gave it, once end-user accounts sign requests (`usr_…`); null for a store's key. */
    userId: text('user_id'),
    keyId: text('key_id'),
    /** sha256 of the widget session for publishable keys (that session alone sees and edits it); null for secret keys. */
    widgetSession: text('widget_session'),
    rating: smallint('rating'),
    feelsRight: text('feels_right').$type<'yes' | 'no' | 'unsure'>().notNull(),
    correctedSeason: text('corrected_season'),
    correctedFaceShape: text('corrected_face_shape'),
    comment: text('comment'),
    predictedSeason: text('predicted_season'),
    predictedMonk: integer('predicted_monk'),
    predictedFaceShape: text('predicted_face_shape'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('style_feedback_analysis_idx').on(t.tenantId, t.analysisId, t.id),
    index('style_feedback_created_idx').on(t.tenantId, t.createdAt),
    index('style_feedback_user_idx').on(t.tenantId, t.userId),
    uniqueIndex('style_feedback_session_uniq').on(t.analysisId, t.widgetSession).where(sql`${t.widgetSession} is not null`),
    uniqueIndex('style_feedback_user_uniq').on(t.analysisId, t.userId).where(sql`${t.userId} is not null`),
  ],
);

export type StyleFeedbackRow = typeof styleFeedback.$inferSelect;
export type NewStyleFeedback = typeof styleFeedback.$inferInsert;
