/** Operators read the local outbox (the embedded default's mail): GET /admin/v1/outbox. */
import Type from 'typebox';
import { ListQuery, listOf, problemResponses, Timestamp } from '../../../contracts/common.js';
import type { App } from '../http/types.js';
import type { Mailer } from './mailer.js';

const OutboxMail = Type.Object({
  id: Type.String(),
  object: Type.Literal('mail'),
  tenant_id: Type.Union([Type.String(), Type.Null()]),
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  kind: Type.String(),
  created_at: Timestamp,
});

export function outboxRoutes(app: App, { mailer }: { mailer: Mailer }) {
  app.get(
    '/admin/v1/outbox',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['operations'],
        summary: 'Mail kept in the local outbox (no SMTP server configured), newest first',
        querystring: ListQuery,
        response: { 200: Type.Intersect([listOf(OutboxMail), Type.Object({ driver: Type.Union([Type.Literal('smtp'), Type.Literal('outbox')]) })]), ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => {
      const page = await mailer.listOutbox({ limit: req.query.limit, startingAfter: req.query.starting_after });
      return {
        object: 'list' as const,
        driver: mailer.driver,
        has_more: page.hasMore,
        data: page.data.map((m) => ({ id: m.id, object: 'mail' as const, tenant_id: m.tenantId, to: m.to, subject: m.subject, text: m.text, kind: m.kind, created_at: m.createdAt.toISOString() })),
      };
    },
  );
}
