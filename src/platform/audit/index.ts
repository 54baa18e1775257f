/**
 * The audit trail (who did what): the table, the writer every module gets as `deps.audit`, the
 * request's actor, the queries, the API and the retention purge. Platform code: it names no module;
 * the labels of people and keys come in through a port (`AuditLabels`, wired in app.ts).
 */
export { auditEvents, AUDIT_ACTOR_KINDS, type AuditActorKind, type AuditEventRow } from './tables.js';
export {
  createAuditLog,
  scrubDetails,
  truncateIp,
  SYSTEM_ACTOR,
  CLI_ACTOR,
  NO_REQUEST,
  type AuditLog,
  type AuditActor,
  type AuditContext,
  type AuditRequest,
  type AuditEntry,
} from './recorder.js';
export { auditActorOf, auditContextOf, auditRequestOf } from './context.js';
export { listAuditEvents, purgeAuditEvents, countAuditEvents, type AuditFilter } from './query.js';
export { auditRoutes, AUDIT_CSV_MAX, type AuditLabels } from './routes.js';
