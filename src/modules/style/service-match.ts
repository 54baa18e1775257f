/**
 * Quiz results (`qzr_…`) and colour matching: the use-cases behind routes-match.ts. Tenant id
 * first; a result made with a publishable key is visible only to its widget session (as try-ons).
 *
 * Ids given as `analysis_id` resolve here when they are quiz results (`qzr_…`); any other id goes
 * to the `getColorAnswer` port (a photo analysis of the style module's analysis service, wired in
 * index.ts/app.ts).
 */
import { and, eq, inArray, isNull, lte, or } from 'drizzle-orm';
import type { Static } from 'typebox';
import type { ColorMatchBody, QuizResultBody, TColorAnswer, TColorMatch, TQuizResult, TSeason12 } from '../../../contracts/style.js';
import type { Db } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Clock } from '../../platform/clock.js';
import { QUIZ_VERSION } from './quiz-data.js';
import { publicQuiz, quizColorAnswer, scoreQuiz } from './quiz.js';
import { certaintyOf, fuseColorAnswers } from './fusion.js';
import { FIT_SCORE, FIT_STRIDE, FIT_VERDICT, fitOffset, matchColor, matchFromFit, verdictCode, type Match } from './color-match.js';
import { labOfHex } from './palettes.js';
import { userOfScope } from './people/scope.js';
import { quizResults, type QuizResultRow } from './tables-match.js';

type Lab = { l: number; a: number; b: number };

export type StyleMatchPorts = {
  /** A photo analysis's colour answer, or null when there is none with this id that the caller may see (tenant; a publishable key's widget session). */
  getColorAnswer: (c: { tenantId: string; widgetSession: string | null }, analysisId: string) => Promise<TColorAnswer | null>;
  /** The tenant's retention (quiz results are deleted when it ends; process-only: after the shortest window). */
  getTenant: (tenantId: string) => Promise<{ retention: 'process-only' | '1h' | '24h' | '7d' }>;
  retentionMs: Record<'process-only' | '1h' | '24h' | '7d', number>;
  /** Catalog products' garment colours (missing ids left out), with their stored palette fit when current. */
  productColors: (tenantId: string, productIds: string[]) => Promise<{ product_id: string; color: { hex: string; lab: Lab } | null; read: boolean; fit: number[] | null }[]>;
  /** The catalog's active products ranked by one number of their stored fit (one query). */
  rankByColorFit: (
    tenantId: string,
    q: { from: number; length: number; orderAt: number; whereAt?: number | undefined; whereValue?: number | undefined; limit: number },
  ) => Promise<{ data: { productId: string; hex: string; fit: number[] }[]; hasMore: boolean }>;
};

/** Who asks: the tenant, and the widget session for a publishable key (null for a secret key). */
export type MatchCaller = { tenantId: string; widgetSession: () => string | null };

type ColorMatchesOut = { object: 'list'; season: TSeason12; data: TColorMatch[]; skipped: { product_id: string; reason: 'not_found' | 'no_color' | 'color_pending' }[]; has_more: boolean };

function present(r: QuizResultRow): TQuizResult {
  return { id: r.id, object: 'style_quiz_result', source: r.source, color: r.color, analysis_id: r.analysisId, created_at: r.createdAt.toISOString() };
}

const matchOut = (color: string, productId: string | null, m: Match): TColorMatch => ({ color, product_id: productId, verdict: m.verdict, score: m.score, delta_e: m.delta_e, nearest: m.nearest });

export function createStyleMatchService(deps: { db: Db; clock: Clock }, ports: StyleMatchPorts) {
  const { db, clock } = deps;

  async function findQuizResult(c: MatchCaller, id: string): Promise<QuizResultRow> {
    const [row] = await db
      .select()
      .from(quizResults)
      .where(and(eq(quizResults.tenantId, c.tenantId), eq(quizResults.id, id)));
    const session = c.widgetSession();
    if (!row || (session !== null && row.widgetSession !== session)) throw new AppError('QUIZ_RESULT_NOT_FOUND', `Quiz result ${id} not found.`);
    return row;
  }

  /** The colour answer an `analysis_id` names: a quiz result of ours, or a photo analysis through the port. */
  async function colorAnswerOf(c: MatchCaller, id: string): Promise<TColorAnswer> {
    if (id.startsWith('qzr_')) return (await findQuizResult(c, id)).color;
    const answer = await ports.getColorAnswer({ tenantId: c.tenantId, widgetSession: c.widgetSession() }, id);
    if (!answer) throw new AppError('STYLE_ANALYSIS_NOT_FOUND', `Style analysis ${id} not found.`);
    return answer;
  }

  return {
    quiz: publicQuiz,

    async createQuizResult(c: MatchCaller, body: Static<typeof QuizResultBody>): Promise<TQuizResult> {
      const score = scoreQuiz(body.answers);
      let color = quizColorAnswer(score);
      let certainty = score.certainty;
      let source: 'quiz' | 'fused' = 'quiz';
      if (body.analysis_id) {
        const photo = await colorAnswerOf(c, body.analysis_id);
        const fused = fuseColorAnswers(photo, { color, certainty, olive: score.olive, answered: score.answered });
        color = fused.color;
        certainty = fused.certainty;
        source = 'fused';
      }
      const tenant = await ports.getTenant(c.tenantId);
      const [row] = await db
        .insert(quizResults)
        .values({
          id: newId('quizResult', clock.now()),
          tenantId: c.tenantId,
          shopperId: body.shopper_id ?? null,
          widgetSession: c.widgetSession(),
          userId: userOfScope(c.widgetSession()),
          source,
          quizVersion: QUIZ_VERSION,
          answers: body.answers,
          certainty,
          color,
          analysisId: body.analysis_id ?? null,
          createdAt: new Date(clock.now()),
          expiresAt: new Date(clock.now() + ports.retentionMs[tenant.retention]),
        })
        .returning();
      return present(row!);
    },

    getQuizResult: async (c: MatchCaller, id: string) => present(await findQuizResult(c, id)),

    /**
     * A quiz result's own answer for fusing with a photo analysis: its answers scored again (a
     * result already fused with a photo would count that photo twice). 404 QUIZ_RESULT_NOT_FOUND
     * for another tenant's or another widget session's id.
     */
    async quizForFusion(c: MatchCaller, id: string) {
      const row = await findQuizResult(c, id);
      const score = scoreQuiz(row.answers);
      return { color: quizColorAnswer(score), certainty: score.certainty, olive: score.olive, answered: score.answered };
    },

    /** A shopper's quiz results (a publishable key: its widget session's), for DELETE /v1/shoppers/:id. */
    async eraseShopper(tenantId: string, shopperId: string, widgetSession: string | null): Promise<number> {
      const conds = [eq(quizResults.tenantId, tenantId), eq(quizResults.shopperId, shopperId)];
      if (widgetSession) conds.push(eq(quizResults.widgetSession, widgetSession));
      return (await db.delete(quizResults).where(and(...conds)).returning({ id: quizResults.id })).length;
    },

    /** Retention: quiz results whose tenant's retention has ended (rows from before `expires_at`: after 7 days). */
    async purgeExpired(limit = 1000): Promise<number> {
      const now = clock.now();
      const due = db
        .select({ id: quizResults.id })
        .from(quizResults)
        .where(or(lte(quizResults.expiresAt, new Date(now)), and(isNull(quizResults.expiresAt), lte(quizResults.createdAt, new Date(now - ports.retentionMs['7d'])))))
        .limit(limit);
      return (await db.delete(quizResults).where(inArray(quizResults.id, due)).returning({ id: quizResults.id })).length;
    },

    /** How certain a stored answer is (for tools and tests): the quiz result's own figure, or read back from the answer. */
    certaintyOf,

    async colorMatches(c: MatchCaller, body: Static<typeof ColorMatchBody>): Promise<ColorMatchesOut> {
      if ((body.season === undefined) === (body.analysis_id === undefined)) {
        throw new AppError('VALIDATION_FAILED', 'Give either season or analysis_id (a style analysis or quiz result id), not both.');
      }
      const wantsItems = (body.colors?.length ?? 0) + (body.product_ids?.length ?? 0) > 0;
      if (body.catalog ? wantsItems : !wantsItems) {
        throw new AppError('VALIDATION_FAILED', 'Give colors and/or product_ids (at least one), or catalog alone.');
      }
      const season: TSeason12 = body.season ?? (await colorAnswerOf(c, body.analysis_id!)).season12.season;
      const off = fitOffset(season);
      const out: ColorMatchesOut = { object: 'list', season, data: [], skipped: [], has_more: false };

      if (body.catalog) {
        const verdict = body.catalog.verdict;
        const page = await ports.rankByColorFit(c.tenantId, {
          from: off,
          length: FIT_STRIDE,
          orderAt: off + FIT_SCORE,
          whereAt: verdict ? off + FIT_VERDICT : undefined,
          whereValue: verdict ? verdictCode(verdict) : undefined,
          limit: body.catalog.limit ?? 50,
        });
        out.data = page.data.map((r) => matchOut(r.hex, r.productId, matchFromFit(season, r.fit)));
        out.has_more = page.hasMore;
        return out;
      }

      for (const hex of body.colors ?? []) {
        const h = (hex.startsWith('#') ? hex : `#${hex}`).toLowerCase();
        out.data.push(matchOut(h, null, matchColor(season, labOfHex(h)!)));
      }
      const ids = [...new Set(body.product_ids ?? [])];
      if (ids.length > 0) {
        const byId = new Map((await ports.productColors(c.tenantId, ids)).map((p) => [p.product_id, p]));
        for (const id of ids) {
          const p = byId.get(id);
          if (!p) out.skipped.push({ product_id: id, reason: 'not_found' });
          else if (!p.read) out.skipped.push({ product_id: id, reason: 'color_pending' });
          else if (!p.color) out.skipped.push({ product_id: id, reason: 'no_color' });
          else out.data.push(matchOut(p.color.hex, id, p.fit ? matchFromFit(season, p.fit.slice(off, off + FIT_STRIDE)) : matchColor(season, p.color.lab)));
        }
      }
      return out;
    },
  };
}

export type StyleMatchService = ReturnType<typeof createStyleMatchService>;
