/**
 * Ids derived from another id, the same every time: a job that runs twice (a worker killed
 * mid-way) inserts the same message row (on conflict do nothing) and so sends one reply. The time
 * part of the source id is kept (ids still sort by time); the rest is a hash of (source, purpose).
 */
import { createHash } from 'node:crypto';
import { ID_PREFIXES, type IdKind } from '../../platform/ids.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function derivedId(kind: IdKind, sourceId: string, purpose: string): string {
  const body = sourceId.slice(sourceId.indexOf('_') + 1);
  const time = body.slice(0, 10).padEnd(10, '0');
  const h = createHash('sha256').update(`${sourceId}\u0000${purpose}`).digest();
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[h[i]! & 31];
  return `${ID_PREFIXES[kind]}_${time}${rand}`;
}
