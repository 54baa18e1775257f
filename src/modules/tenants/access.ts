import { AppError } from '../../platform/errors.js';
import type { Principal } from '../../platform/http/principal.js';

/**
 * May this signed-in person act on this tenant? Operators: any tenant. Tenant users: their own,
 * and only owners for writes. Anyone else gets 404 (never 403), so ids do not leak.
 */
export function assertTenantAccess(p: Principal | undefined, tenantId: string, need: 'read' | 'write' = 'read') {
  if (!p || p.kind !== 'user') throw new AppError('UNAUTHENTICATED');
  if (p.role === 'operator') return;
  if (p.tenantId !== tenantId) throw new AppError('TENANT_NOT_FOUND', `Tenant ${tenantId} not found.`);
  if (need === 'write' && p.role !== 'owner') throw new AppError('FORBIDDEN', 'Only the tenant owner can do this.');
}
