/**
 * The audit trail's API: `GET /admin/v1/audit` (operators: every tenant's and the platform's events,
 * `tenant_id` to narrow) and `GET /v1/audit` (a store's own: its secret key, or its people in the
 * dashboard; operators name the tenant in `probador-tenant`). Filters by action (exact or `key.*`),
 * actor, target and time; `limit` + `starting_after`; CSV with `Accept: text/csv` or `format=csv`.
 */
import Type from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { listOf, problemResponses } from '../../../contracts/common.js';
import { AuditEvent, AuditQuery, OperatorAuditQuery, type TAuditEvent, type TAuditQuery } from '../../../contracts/audit.js';
import { AppError } from '../errors.js';
import { tenantIdOf } from '../http/principal.js';
import { sendCsv, wantsCsv } from '../http/csv.js';
import type { App } from '../http/types.js';
import type { Db } from '../db/client.js';
import { listAuditEvents, type AuditFilter } from './query.js';
import type { AuditEventRow } from './tables.js';

/** Labels for actors, looked up when read: `viewerTenant` null is an operator (every label), else a store (its own people and keys). */
export type AuditLabels = (viewerTenant: string | null, actors: { kind: string; id: string }[]) => Promise<Map<string, string>>;

/** A CSV export holds at most this many events (newest first). */
export const AUDIT_CSV_MAX = 10_000;

const CSV_HEADER = ['at', 'id', 'tenant_id', 'action', 'actor_kind', 'actor_id', 'actor_label', 'target_type', 'target_id', 'request_id', 'ip', 'details'];

function present(r: AuditEventRow, labels: Map<string, string>): TAuditEvent {
  return {
    id: r.id,
    object: 'audit_event',
    at: r.at.toISOString(),
    tenant_id: r.tenantId,
    action: r.action,
    actor: { kind: r.actorKind, id: r.actorId, label: (r.actorId && labels.get(r.actorId)) ?? null },
    target: r.targetType && r.targetId ? { type: r.targetType, id: r.targetId } : null,
    request_id: r.requestId,
    ip: r.ip,
    details: r.details,
  };
}

function filterOf(q: TAuditQuery): Omit<AuditFilter, 'tenantId'> {
  const time = (name: 'from' | 'to') => {
    const v = q[name];
    if (v === undefined) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw new AppError('VALIDATION_FAILED', `${name} is not a date-time.`);
    return d;
  };
  const from = time('from');
  const to = time('to');
  if (from && to && from >= to) throw new AppError('VALIDATION_FAILED', 'from must be before to.');
  return { action: q.action, actorKind: q.actor_kind, actorId: q.actor_id, targetId: q.target_id, from, to };
}

export function auditRoutes(app: App, { db, labels }: { db: Db; labels: AuditLabels }) {
  app.addSchema(AuditEvent);
  const response = { 200: { content: { 'application/json': { schema: listOf(Type.Ref('AuditEvent')) }, 'text/csv': { schema: Type.String() } } }, ...problemResponses(400, 401, 403, 404, 429) };

  const answer = async (req: FastifyRequest, reply: FastifyReply, viewerTenant: string | null, filter: AuditFilter, q: TAuditQuery) => {
    const labelled = async (rows: AuditEventRow[]) => {
      const actors = rows.filter((r) => r.actorId).map((r) => ({ kind: r.actorKind, id: r.actorId! }));
      return actors.length ? labels(viewerTenant, actors) : new Map<string, string>();
    };
    if (wantsCsv(req)) {
      const rows: AuditEventRow[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await listAuditEvents(db, filter, { limit: Math.min(1000, AUDIT_CSV_MAX - rows.length), startingAfter: after });
        rows.push(...page.data);
        if (!page.hasMore || rows.length >= AUDIT_CSV_MAX) break;
        after = page.data[page.data.length - 1]!.id;
      }
      const names = await labelled(rows);
      const events = rows.map((r) => present(r, names));
      return sendCsv(
        reply,
        'audit',
        CSV_HEADER,
        events.map((e) => [e.at, e.id, e.tenant_id, e.action, e.actor.kind, e.actor.id, e.actor.label, e.target?.type, e.target?.id, e.request_id, e.ip, JSON.stringify(e.details)]),
      );
    }
    const page = await listAuditEvents(db, filter, { limit: q.limit, startingAfter: q.starting_after });
    const names = await labelled(page.data);
    return { object: 'list' as const, data: page.data.map((r) => present(r, names)), has_more: page.hasMore };
  };

  app.get(
    '/admin/v1/audit',
    {
      config: { auth: 'operator' },
      schema: { tags: ['audit'], summary: 'The audit trail of every tenant and the platform, newest first (JSON or CSV)', querystring: OperatorAuditQuery, response },
    },
    async (req, reply) => answer(req, reply, null, { ...filterOf(req.query), tenantId: req.query.tenant_id }, req.query),
  );

  app.get(
    '/v1/audit',
    {
      config: { auth: 'tenant' },
      schema: { tags: ['audit'], summary: "The store's audit trail, newest first (JSON or CSV)", querystring: AuditQuery, response },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req.principal, 'read');
      return answer(req, reply, tenantId, { ...filterOf(req.query), tenantId }, req.query);
    },
  );
}
