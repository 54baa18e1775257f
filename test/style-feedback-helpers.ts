/**
 * Style analyses as the analyser leaves them, written straight into style_analyses with known
 * seasons, Monk levels, face shapes and dates (only what feedback and the style figures read is
 * filled in), for the feedback and style-figures tests. The analyser itself is tested elsewhere;
 * the face models would cost seconds an analysis.
 */
import { createHash } from 'node:crypto';
import { newId } from '../src/platform/ids.js';
import { styleAnalyses } from '../src/modules/style/tables.js';
import type { TColorAnswer, TFaceAnswer } from '../contracts/style.js';
import type { TestApp } from './harness.js';

export type Seed = {
  season?: string | null;
  monk?: number | null;
  shape?: string | null;
  status?: 'succeeded' | 'queued' | 'failed';
  at?: number;
  tenantId?: string;
  /** The widget session (its header value) of a publishable key that made it. */
  session?: string;
  retake?: boolean;
  cached?: boolean;
  source?: 'photo' | 'quiz' | 'fused';
  shopperId?: string;
};

/** An analysis of tenant A (or `tenantId`), succeeded, soft autumn, Monk 5, oval, now — unless told otherwise. */
export async function insertAnalysis(t: TestApp, s: Seed = {}): Promise<string> {
  const id = newId('styleAnalysis');
  const at = new Date(s.at ?? t.clock.now());
  const season = s.season === undefined ? 'soft_autumn' : s.season;
  const color = season ? ({ season12: { season, confidence: 0.7 }, measured: s.monk === null ? null : { skin: { monk: s.monk ?? 5 } } } as unknown as TColorAnswer) : null;
  const shape = s.shape === undefined ? 'oval' : s.shape;
  await t.deps.db.insert(styleAnalyses).values({
    id,
    tenantId: s.tenantId ?? t.tenantA.id,
    environment: 'live',
    shopperId: s.shopperId ?? null,
    widgetSession: s.session ? createHash('sha256').update(s.session).digest('hex') : null,
    status: s.status ?? 'succeeded',
    kinds: 'color,face',
    source: s.source ?? 'photo',
    analyserName: 'local',
    analyserVersion: 'test-1',
    imageSha256: id,
    face: shape ? ({ shape } as unknown as TFaceAnswer) : null,
    color,
    quality: { score: 0.9, retake: s.retake ?? false, issues: [] },
    cached: s.cached ?? false,
    createdAt: at,
    completedAt: at,
    updatedAt: at,
  });
  return id;
}
