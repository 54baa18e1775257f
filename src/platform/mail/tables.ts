import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The local outbox: where mail goes when no SMTP server is configured (the embedded default), for
 * operators to read (`GET /admin/v1/outbox`). Holds what the mail said (a reset link is in it), so
 * only operators read it, and a person's erasure deletes their mail here.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: text('id').primaryKey(),
    /** The tenant the mail was sent for (null: the platform's own). */
    tenantId: text('tenant_id'),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    /** What kind of mail, e.g. `password_reset` (for filtering; never the token). */
    kind: text('kind').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('mail_outbox_to_idx').on(t.tenantId, t.to)],
);

export type MailOutboxRow = typeof mailOutbox.$inferSelect;
