import { lt, or, isNotNull, and } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { refreshTokens } from './tables.js';

/** Delete refresh tokens that expired, or were used/revoked, more than a day ago. */
export async function purgeRefreshTokens(db: Db, now: number): Promise<number> {
  const dayAgo = new Date(now - 24 * 3600 * 1000);
  const rows = await db
    .delete(refreshTokens)
    .where(
      or(
        lt(refreshTokens.expiresAt, dayAgo),
        and(isNotNull(refreshTokens.revokedAt), lt(refreshTokens.revokedAt, dayAgo)),
        and(isNotNull(refreshTokens.usedAt), lt(refreshTokens.usedAt, dayAgo)),
      ),
    )
    .returning({ id: refreshTokens.id });
  return rows.length;
}
