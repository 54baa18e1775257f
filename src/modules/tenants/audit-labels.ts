/**
 * Names for the audit trail's actors, looked up when the trail is read (platform/audit keeps ids
 * only: a person's email is personal data and is not copied into the trail). An operator sees every
 * label; a store sees its own people's emails and its keys' prefixes, and an operator as "Operator".
 */
import type { Db } from '../../platform/db/client.js';
import { findKeysByIds } from './repository.js';
import { findUsersByIds } from './users-repository.js';

export async function auditLabels(db: Db, viewerTenant: string | null, actors: { kind: string; id: string }[]): Promise<Map<string, string>> {
  const ids = (kind: string[]) => [...new Set(actors.filter((a) => kind.includes(a.kind)).map((a) => a.id))];
  const out = new Map<string, string>();
  for (const u of await findUsersByIds(db, ids(['operator', 'store_user']))) {
    if (viewerTenant === null || u.tenantId === viewerTenant) out.set(u.id, u.email);
    else if (u.role === 'operator') out.set(u.id, 'Operator');
  }
  for (const k of await findKeysByIds(db, viewerTenant, ids(['api_key']))) out.set(k.id, k.name ? `${k.prefix}… (${k.name})` : `${k.prefix}…`);
  return out;
}
