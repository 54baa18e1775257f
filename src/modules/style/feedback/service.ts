/**
 * Style feedback: made on an analysis the caller may see (its tenant; with a publishable key, its
 * widget session) once the analysis has succeeded — once per widget session (409
 * STYLE_FEEDBACK_EXISTS names the one to edit), any number with a secret key; read, listed per analysis, edited and deleted
 * by whoever could make it (a secret key: any of the tenant's; a widget session: its own).
 * Other tenants' (and other sessions') feedback and analyses are 404.
 */
import { AppError } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { Deps } from '../../../deps.js';
import type { TCreateFeedbackBody, TStyleFeedback, TUpdateFeedbackBody } from '../../../../contracts/style-feedback.js';
import type { StyleAnalysisRow } from '../tables.js';
import * as repo from './repository.js';
import type { NewStyleFeedback, StyleFeedbackRow } from './tables.js';

/** Who gives feedback: the key's tenant and id, the widget session of a publishable key. `userId` waits for end-user accounts. */
export type FeedbackCaller = { tenantId: string; keyId: string | null; widgetSession: string | null; userId?: string | null };

export type FeedbackPorts = {
  /** The analysis, if the caller may see it (else STYLE_ANALYSIS_NOT_FOUND). */
  analysisOf: (tenantId: string, id: string, widgetSession: string | null) => Promise<StyleAnalysisRow>;
};

export function presentFeedback(r: StyleFeedbackRow): TStyleFeedback {
  return {
    id: r.id,
    object: 'style_feedback',
    analysis_id: r.analysisId,
    user_id: r.userId,
    rating: r.rating,
    feels_right: r.feelsRight,
    correction: { season: r.correctedSeason as TStyleFeedback['correction']['season'], face_shape: r.correctedFaceShape as TStyleFeedback['correction']['face_shape'] },
    comment: r.comment,
    predicted: { season: r.predictedSeason as TStyleFeedback['predicted']['season'], monk: r.predictedMonk, face_shape: r.predictedFaceShape as TStyleFeedback['predicted']['face_shape'] },
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

/** What an analysis answered, as feedback records it. */
export const predictionOf = (a: StyleAnalysisRow) => ({
  predictedSeason: a.color?.season12.season ?? null,
  predictedMonk: a.color?.measured?.skin.monk ?? null,
  predictedFaceShape: a.face?.shape ?? null,
});

export function createFeedbackService(deps: Pick<Deps, 'db' | 'clock'>, ports: FeedbackPorts) {
  const { db, clock } = deps;

  /** The feedback, if the caller may see it: its tenant, and a widget session its own only. */
  async function getRow(c: FeedbackCaller, id: string) {
    const row = await repo.findFeedback(db, c.tenantId, id);
    if (!row || (c.widgetSession !== null && row.widgetSession !== c.widgetSession)) throw new AppError('STYLE_FEEDBACK_NOT_FOUND', `Style feedback ${id} not found.`);
    return row;
  }

  async function create(c: FeedbackCaller, analysisId: string, body: TCreateFeedbackBody) {
    const analysis = await ports.analysisOf(c.tenantId, analysisId, c.widgetSession);
    if (analysis.status !== 'succeeded') throw new AppError('STYLE_ANALYSIS_NOT_FINISHED', `Style analysis ${analysisId} is ${analysis.status}: feedback is given on a finished analysis.`);
    const exists = (id: string) => new AppError('STYLE_FEEDBACK_EXISTS', `This widget session already gave feedback ${id} on analysis ${analysis.id}: edit it with PATCH /v1/style/feedback/${id}.`);
    if (c.widgetSession) {
      const earlier = await repo.findSessionFeedback(db, c.tenantId, analysis.id, c.widgetSession);
      if (earlier) throw exists(earlier.id);
    }
    const now = new Date(clock.now());
    const row = await repo
      .insertFeedback(db, c.tenantId, {
        id: newId('styleFeedback'),
        analysisId: analysis.id,
        userId: c.userId ?? null,
        keyId: c.keyId,
        widgetSession: c.widgetSession,
        rating: body.rating ?? null,
        feelsRight: body.feels_right,
        correctedSeason: body.correction?.season ?? null,
        correctedFaceShape: body.correction?.face_shape ?? null,
        comment: body.comment ?? null,
        ...predictionOf(analysis),
        createdAt: now,
        updatedAt: now,
      })
      .catch(async (e: unknown) => {
        // Two at once from the same session: the unique index lets one in.
        const earlier = repo.isUniqueViolation(e) && c.widgetSession ? await repo.findSessionFeedback(db, c.tenantId, analysis.id, c.widgetSession) : undefined;
        throw earlier ? exists(earlier.id) : e;
      });
    return presentFeedback(row);
  }

  async function list(c: FeedbackCaller, analysisId: string, q: { limit: number; startingAfter?: string | undefined }) {
    // The analysis must be visible first: another tenant's (or session's) is 404, not an empty list.
    await ports.analysisOf(c.tenantId, analysisId, c.widgetSession);
    const page = await repo.listFeedback(db, c.tenantId, analysisId, { ...q, widgetSession: c.widgetSession });
    return { object: 'list' as const, data: page.data.map(presentFeedback), has_more: page.hasMore };
  }

  /** A signed-in end user's own feedback, on all their analyses (or one), newest first. */
  async function listMine(tenantId: string, userId: string, q: { limit: number; startingAfter?: string | undefined; analysisId?: string | undefined }) {
    const page = await repo.listUserFeedback(db, tenantId, userId, q);
    return { data: page.data.map(presentFeedback), hasMore: page.hasMore };
  }

  async function update(c: FeedbackCaller, id: string, body: TUpdateFeedbackBody) {
    await getRow(c, id);
    const patch: Partial<NewStyleFeedback> = { updatedAt: new Date(clock.now()) };
    if (body.rating !== undefined) patch.rating = body.rating;
    if (body.feels_right !== undefined) patch.feelsRight = body.feels_right;
    if (body.comment !== undefined) patch.comment = body.comment;
    if (body.correction !== undefined) {
      patch.correctedSeason = body.correction?.season ?? null;
      patch.correctedFaceShape = body.correction?.face_shape ?? null;
    }
    const row = await repo.updateFeedback(db, c.tenantId, id, patch);
    if (!row) throw new AppError('STYLE_FEEDBACK_NOT_FOUND', `Style feedback ${id} not found.`);
    return presentFeedback(row);
  }

  async function remove(c: FeedbackCaller, id: string) {
    await getRow(c, id);
    if (!(await repo.deleteFeedback(db, c.tenantId, id))) throw new AppError('STYLE_FEEDBACK_NOT_FOUND', `Style feedback ${id} not found.`);
  }

  return { get: async (c: FeedbackCaller, id: string) => presentFeedback(await getRow(c, id)), create, list, listMine, update, remove };
}

export type FeedbackService = ReturnType<typeof createFeedbackService>;
