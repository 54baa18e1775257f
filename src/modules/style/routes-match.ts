/**
 * `/v1/style/quiz`, `/v1/style/quiz-results`, `/v1/style/color-matches`: widget endpoints (a
 * secret key, or a publishable key from an allowed origin with its `probador-session` header when
 * it reads or makes a shopper's result). Other tenants' results answer 404.
 */
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { problemResponses } from '../../../contracts/common.js';
import { ColorMatchBody, ColorMatches, Quiz, QuizResult, QuizResultBody } from '../../../contracts/style.js';
import { keyOrEndUser } from '../../platform/http/principal.js';
import type { App } from '../../platform/http/types.js';
import type { MatchCaller, StyleMatchService } from './service-match.js';

const tags = ['style'];

export type StyleMatchRouteDeps = {
  svc: StyleMatchService;
  /** The widget session of a publishable-key request (null for a secret key; 400 when the header is missing). */
  widgetSession: (req: FastifyRequest) => string | null;
};

export function styleMatchRoutes(app: App, deps: StyleMatchRouteDeps) {
  const { svc } = deps;
  const callerOf = (req: FastifyRequest): MatchCaller => {
    let session: string | null | undefined;
    return { tenantId: keyOrEndUser(req.principal).tenantId, widgetSession: () => (session === undefined ? (session = deps.widgetSession(req)) : session) };
  };

  app.get(
    '/v1/style/quiz',
    {
      config: { auth: 'key_or_end_user' },
      schema: {
        tags,
        summary: 'The colour quiz: questions and options in English and Spanish',
        description: 'Answer with `POST /v1/style/quiz-results`. Ids are stable within a quiz `version`; which axes (temperature, value, chroma, contrast) each question moves is listed.',
        response: { 200: Quiz, ...problemResponses(401, 403, 429) },
      },
    },
    async () => svc.quiz(),
  );

  app.post(
    '/v1/style/quiz-results',
    {
      config: { auth: 'key_or_end_user' },
      schema: {
        tags,
        summary: 'Score quiz answers: the colour answer (season, palette…) without measured colours, fused with a photo analysis when one is named',
        description:
          'The answer has the shape of a photo analysis’s colour answer with `measured: null` and white balance `none`; its confidence grows with how many questions are answered and how consistently. ' +
          'With `analysis_id` (a style analysis, or an earlier quiz result) the two are fused, each weighted by its confidence: `source: fused`. ' +
          '`color.tie_breakers` names the questions that would separate the two most likely seasons when they are close.',
        body: QuizResultBody,
        response: { 201: QuizResult, ...problemResponses(400, 401, 403, 404, 409, 422, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await svc.createQuizResult(callerOf(req), req.body)),
  );

  app.get(
    '/v1/style/quiz-results/:quiz_result_id',
    {
      config: { auth: 'key_or_end_user' },
      schema: {
        tags,
        summary: 'Get a quiz result',
        params: Type.Object({ quiz_result_id: Type.String({ pattern: '^qzr_[0-9A-Za-z]{1,64}$', maxLength: 80 }) }),
        response: { 200: QuizResult, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req) => svc.getQuizResult(callerOf(req), req.params.quiz_result_id),
  );

  app.post(
    '/v1/style/color-matches',
    {
      config: { auth: 'key_or_end_user' },
      schema: {
        tags,
        summary: 'Does this colour suit me: colours or catalog products scored against a season’s palette (flatters / neutral / avoid, with the ΔE2000 behind it)',
        description:
          'Whose palette: `season`, or `analysis_id` (a style analysis or quiz result: its 12-season answer). What: `colors` (hex) and/or `product_ids` (their garment colour, read when the product was saved), or `catalog` to rank the whole catalog’s active products (the best `limit`, optionally one verdict). ' +
          'Each item: `verdict` (flatters when within ΔE2000 10 of a best colour or neutral and nearer to it than to any colour to avoid; avoid the other way round; neutral otherwise), `score` 0–1, `delta_e`, and the `nearest` palette colour. ' +
          'Products that cannot be scored are listed in `skipped` (not_found, no_color, color_pending), not failed.',
        body: ColorMatchBody,
        response: { 200: ColorMatches, ...problemResponses(400, 401, 403, 404, 409, 422, 429) },
      },
    },
    async (req) => svc.colorMatches(callerOf(req), req.body),
  );
}
