/**
 * The mail driver: SMTP through nodemailer when `SMTP_URL` is set, otherwise the local outbox table
 * (embedded default) that operators read at `GET /admin/v1/outbox`. Neither the body nor the
 * recipient is ever logged (a reset mail's body is a credential).
 */
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import { AppError } from '../errors.js';
import { mailOutbox, type MailOutboxRow } from './tables.js';

export type Mail = { to: string; subject: string; text: string; kind: string; tenantId?: string | null | undefined };

export type MailConfig = { smtpUrl: string | undefined; from: string };

export type Mailer = {
  driver: 'smtp' | 'outbox';
  send(mail: Mail): Promise<void>;
  /** The outbox, newest first (empty with SMTP, which keeps nothing here). */
  listOutbox(opts: { limit: number; startingAfter?: string | undefined }): Promise<{ data: MailOutboxRow[]; hasMore: boolean }>;
  /** Erase what the outbox holds for this recipient of this tenant (a person's erasure). */
  eraseRecipient(tenantId: string | null, to: string): Promise<number>;
  close(): Promise<void>;
};

export async function createMailer({ config, db, clock, log }: { config: MailConfig; db: Db; clock: Clock; log: Logger }): Promise<Mailer> {
  const store = {
    async listOutbox(opts: { limit: number; startingAfter?: string | undefined }) {
      const rows = await db
        .select()
        .from(mailOutbox)
        .where(opts.startingAfter ? lt(mailOutbox.id, opts.startingAfter) : undefined)
        .orderBy(desc(mailOutbox.id))
        .limit(opts.limit + 1);
      return { data: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
    },
    async eraseRecipient(tenantId: string | null, to: string) {
      const rows = await db
        .delete(mailOutbox)
        .where(and(tenantId === null ? undefined : eq(mailOutbox.tenantId, tenantId), eq(mailOutbox.to, to.toLowerCase())))
        .returning({ id: mailOutbox.id });
      return rows.length;
    },
  };

  if (!config.smtpUrl) {
    return {
      driver: 'outbox',
      ...store,
      async send(mail) {
        const id = newId('mail');
        await db.insert(mailOutbox).values({ id, tenantId: mail.tenantId ?? null, to: mail.to.toLowerCase(), subject: mail.subject, text: mail.text, kind: mail.kind, createdAt: new Date(clock.now()) });
        log.info({ mail_id: id, mail_kind: mail.kind, tenant_id: mail.tenantId ?? undefined }, 'mail written to the local outbox');
      },
      close: async () => undefined,
    };
  }

  const nodemailer = await import('nodemailer');
  const transport = nodemailer.createTransport(config.smtpUrl);
  return {
    driver: 'smtp',
    ...store,
    async send(mail) {
      try {
        const info = await transport.sendMail({ from: config.from, to: mail.to, subject: mail.subject, text: mail.text });
        log.info({ mail_kind: mail.kind, tenant_id: mail.tenantId ?? undefined, smtp_message_id: info.messageId }, 'mail sent');
      } catch (e) {
        // The server's answer only: never the recipient or the body.
        log.warn({ mail_kind: mail.kind, tenant_id: mail.tenantId ?? undefined, smtp_code: (e as { responseCode?: number }).responseCode, err_code: (e as { code?: string }).code }, 'mail not sent');
        throw new AppError('MAIL_NOT_SENT', 'The mail server did not take the message; try again later.');
      }
    },
    close: async () => transport.close(),
  };
}
