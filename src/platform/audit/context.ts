/** Who is acting in a request, as the audit trail names them (from the principal the auth hook set). */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../http/principal.js';
import type { AuditActor, AuditContext, AuditRequest } from './recorder.js';

export function auditActorOf(p: Principal | undefined): AuditActor {
  if (!p) return { kind: 'anonymous', id: null };
  if (p.kind === 'api_key') return { kind: 'api_key', id: p.keyId };
  if (p.kind === 'end_user') return { kind: 'end_user', id: p.userId };
  return { kind: p.role === 'operator' ? 'operator' : 'store_user', id: p.userId };
}

/** The request's id and address (the actor is added when known: a sign-in). */
export const auditRequestOf = (req: FastifyRequest): AuditRequest => ({ requestId: req.id, ip: req.ip });

/** The caller of an authenticated request, for the service calls it makes. */
export const auditContextOf = (req: FastifyRequest): AuditContext => ({ actor: auditActorOf(req.principal), requestId: req.id, ip: req.ip });
