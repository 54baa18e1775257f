/**
 * Bot analytics' rollup: one row per (tenant, bot, 5-minute bucket, provider) with the message
 * counts, the response-time samples (count, sum and a log-bucket histogram, as the try-on rollups
 * keep latency) and the conversations started in the bucket with how many an order names. The
 * `commerce_bot_stats_state` row says when the rollup last ran (reads take newer buckets live).
 */
import { sql } from 'drizzle-orm';
import { bigint, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const botStats = pgTable(
  'commerce_bot_stats',
  {
    tenantId: text('tenant_id').notNull(),
    botId: text('bot_id').notNull(),
    bucket: timestamp('bucket', { withTimezone: true }).notNull(),
    /** The message's channel provider; '' for none (not sent yet, refused) and for conversation figures. */
    provider: text('provider').notNull(),
    messagesIn: integer('messages_in').notNull().default(0),
    messagesOut: integer('messages_out').notNull().default(0),
    outFailed: integer('out_failed').notNull().default(0),
    /** First replies made in the bucket (by the reply's provider) and their response times. */
    replies: integer('replies').notNull().default(0),
    replyMsSum: doublePrecision('reply_ms_sum').notNull().default(0),
    /** Latency bucket (analytics' LATENCY_BASE log buckets) → replies. */
    replyHist: jsonb('reply_hist').$type<Record<string, number>>().notNull().default(sql`'{}'::jsonb`),
    /** Conversations started in the bucket (provider ''), and of those, how many an order names. */
    conversations: integer('conversations').notNull().default(0),
    converted: integer('converted').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.bucket, t.botId, t.provider] }), index('commerce_bot_stats_bucket_idx').on(t.bucket)],
);
export type BotStatsRow = typeof botStats.$inferSelect;

export const botStatsState = pgTable('commerce_bot_stats_state', {
  name: text('name').primaryKey(),
  /** The `now` of the last rollup. */
  upTo: timestamp('up_to', { withTimezone: true }).notNull(),
  /** Rollups run so far (for logs and tests). */
  runs: bigint('runs', { mode: 'number' }).notNull().default(0),
});
