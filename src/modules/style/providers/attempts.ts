/** The style router's attempts as `style_attempts` rows (tenant id first, as every repository function). */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../../platform/db/client.js';
import { newId } from '../../../platform/ids.js';
import type { AttemptRecord } from '../../../platform/providers/router.js';
import { styleAttempts, type NewStyleAttempt } from '../tables-gemini.js';

export function attemptRow(tenantId: string, analysisId: string, a: AttemptRecord): NewStyleAttempt {
  return {
    id: newId('attempt'),
    analysisId,
    tenantId,
    analyser: a.provider,
    model: a.model ?? null,
    step: a.step,
    hedged: a.hedged,
    outcome: a.outcome,
    errorClass: a.errorClass ?? null,
    errorMessage: a.errorMessage ?? null,
    latencyMs: Math.round(a.latencyMs),
    costUsd: a.costUsd,
    startedAt: a.startedAt,
  };
}

export async function insertStyleAttempts(db: Db, rows: NewStyleAttempt[]) {
  if (rows.length > 0) await db.insert(styleAttempts).values(rows);
}

export function listStyleAttempts(db: Db, tenantId: string, analysisId: string) {
  return db.select().from(styleAttempts).where(and(eq(styleAttempts.tenantId, tenantId), eq(styleAttempts.analysisId, analysisId))).orderBy(asc(styleAttempts.startedAt), asc(styleAttempts.id));
}
