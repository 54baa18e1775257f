/**
 * The older Synthia Style API's feedback and files paths, for the signed-in end user (their access
 * token as `Authorization: Bearer`, as `/api/v1/users/profile`), over the style module's feedback
 * (fbk_) and the people's files (ufl_) — docs/compat/style-api.md:
 *
 *   POST   /api/v1/feedback                 → feedback on one of the user's analyses (POST /v1/style/analyses/:id/feedback)
 *   GET    /api/v1/feedback                 → the user's feedback, newest first (`limit`, `starting_after`, `analysis_id`)
 *   GET|PUT|DELETE /api/v1/feedback/:id     → one of theirs (GET|PATCH|DELETE /v1/style/feedback/:id)
 *   POST   /api/v1/files/upload             → a multipart image (POST /v1/account/files)
 *   GET|DELETE /api/v1/files/:id            → one of their files
 *
 * Answers in the older flat snake_case; errors are the platform's problem+json. Another user's or
 * another tenant's ids are 404.
 */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { IdParam, problemResponses } from '../../../../contracts/common.js';
import {
  CompatFeedback,
  CompatFeedbackBody,
  CompatFeedbackList,
  CompatFeedbackListQuery,
  CompatFeedbackUpdate,
  CompatFile,
  type TCompatFeedbackBody,
  type TCompatFeedbackUpdate,
} from '../../../../contracts/style-compat.js';
import type { TStyleFeedback, TUpdateFeedbackBody } from '../../../../contracts/style-feedback.js';
import { AppError } from '../../../platform/errors.js';
import { endUserPrincipal, endUserScope } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import type { Config } from '../../../config.js';
import type { FeedbackCaller, FeedbackService } from '../feedback/index.js';
import { readUserFileUpload, type Person, type StylePeople } from '../people/index.js';

const tags = ['style-api (compatibility)'];
const auth = { auth: 'end_user' as const };
const FeedbackParams = IdParam('feedback_id', 'fbk');
const FileParams = IdParam('file_id', 'ufl');

export type StyleCompatPeopleDeps = { feedback: FeedbackService; files: StylePeople['files']; config: Config };

/** The older flat feedback item from the new API's feedback. */
export function compatFeedbackItem(f: TStyleFeedback) {
  return {
    feedback_id: f.id,
    analysis_id: f.analysis_id,
    user_id: f.user_id ?? '',
    rating: f.rating,
    feels_right: f.feels_right,
    is_accurate: f.feels_right === 'yes' ? true : f.feels_right === 'no' ? false : null,
    corrected_season: f.correction.season,
    corrected_face_shape: f.correction.face_shape,
    comment: f.comment,
    predicted_season: f.predicted.season,
    predicted_face_shape: f.predicted.face_shape,
    predicted_monk: f.predicted.monk,
    created_at: f.created_at,
    updated_at: f.updated_at,
  };
}

/** `feels_right`, or the yes/no `is_accurate`; both given must agree. */
function feelsRightOf(b: { feels_right?: 'yes' | 'no' | 'unsure' | undefined; is_accurate?: boolean | undefined }) {
  const fromBool = b.is_accurate === undefined ? undefined : b.is_accurate ? 'yes' : 'no';
  if (b.feels_right !== undefined && fromBool !== undefined && b.feels_right !== fromBool) throw new AppError('VALIDATION_FAILED', `feels_right (${b.feels_right}) and is_accurate (${b.is_accurate}) disagree: send one.`);
  return b.feels_right ?? fromBool;
}

export async function styleCompatPeopleRoutes(app: App, { feedback, files, config }: StyleCompatPeopleDeps) {
  const person = (req: FastifyRequest): Person => {
    const p = endUserPrincipal(req.principal);
    return { tenantId: p.tenantId, userId: p.userId };
  };
  /** The user as the feedback service sees a caller: their records are scoped `user:<usr_id>`. */
  const caller = (req: FastifyRequest): FeedbackCaller => {
    const p = endUserPrincipal(req.principal);
    return { tenantId: p.tenantId, keyId: p.key?.keyId ?? null, widgetSession: endUserScope(p.userId), userId: p.userId };
  };
  const one = (f: TStyleFeedback) => ({ success: true, ...compatFeedbackItem(f) });

  app.post(
    '/api/v1/feedback',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Older Style API: feedback on one of your analyses — does it feel right, a rating 1–5, a correction (as POST /v1/style/analyses/:id/feedback)',
        description: 'One per analysis and user (a second is 409 naming the one to edit with PUT /api/v1/feedback/:id). A rating alone is recorded as `feels_right: unsure`.',
        body: CompatFeedbackBody,
        response: { 201: CompatFeedback, ...problemResponses(400, 401, 403, 404, 409, 422, 429) },
      },
    },
    async (req, reply) => {
      const b = req.body as TCompatFeedbackBody;
      const feels = feelsRightOf(b);
      if (feels === undefined && b.rating === undefined) throw new AppError('VALIDATION_FAILED', 'Say whether the analysis feels right (`feels_right` or `is_accurate`) or give a `rating`.');
      const correction = b.corrected_season !== undefined || b.corrected_face_shape !== undefined ? { ...(b.corrected_season ? { season: b.corrected_season } : {}), ...(b.corrected_face_shape ? { face_shape: b.corrected_face_shape } : {}) } : undefined;
      const fb = await feedback.create(caller(req), b.analysis_id, {
        feels_right: feels ?? 'unsure',
        ...(b.rating !== undefined ? { rating: b.rating } : {}),
        ...(correction ? { correction } : {}),
        ...(b.comment !== undefined ? { comment: b.comment } : {}),
      });
      return reply.code(201).header('location', `/api/v1/feedback/${fb.id}`).send(one(fb));
    },
  );

  app.get(
    '/api/v1/feedback',
    { config: auth, schema: { tags, operationId: 'api.feedback.list', summary: 'Older Style API: your feedback, newest first (all your analyses, or one with `analysis_id`)', querystring: CompatFeedbackListQuery, response: { 200: CompatFeedbackList, ...problemResponses(400, 401, 403, 429) } } },
    async (req) => {
      const p = person(req);
      const q = req.query as { limit: number; starting_after?: string; analysis_id?: string };
      const page = await feedback.listMine(p.tenantId, p.userId, { limit: q.limit, startingAfter: q.starting_after, analysisId: q.analysis_id });
      const items = page.data.map(compatFeedbackItem);
      return { success: true, feedback: items, count: items.length, has_more: page.hasMore, next_cursor: page.hasMore ? (items.at(-1)?.feedback_id ?? null) : null };
    },
  );

  app.get(
    '/api/v1/feedback/:feedback_id',
    { config: auth, schema: { tags, summary: 'Older Style API: one piece of your feedback', params: FeedbackParams, response: { 200: CompatFeedback, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => one(await feedback.get(caller(req), (req.params as { feedback_id: string }).feedback_id)),
  );

  app.put(
    '/api/v1/feedback/:feedback_id',
    {
      config: auth,
      schema: { tags, summary: 'Older Style API: edit your feedback (the fields given change; `null` clears the rating, a correction or the comment)', params: FeedbackParams, body: CompatFeedbackUpdate, response: { 200: CompatFeedback, ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (req) => {
      const c = caller(req);
      const id = (req.params as { feedback_id: string }).feedback_id;
      const b = req.body as TCompatFeedbackUpdate;
      const patch: TUpdateFeedbackBody = {};
      const feels = feelsRightOf(b);
      if (feels !== undefined) patch.feels_right = feels;
      if (b.rating !== undefined) patch.rating = b.rating;
      if (b.comment !== undefined) patch.comment = b.comment;
      if (b.corrected_season !== undefined || b.corrected_face_shape !== undefined) {
        // The service replaces the correction whole: keep the part not named.
        const now = (await feedback.get(c, id)).correction;
        const season = b.corrected_season === undefined ? now.season : b.corrected_season;
        const shape = b.corrected_face_shape === undefined ? now.face_shape : b.corrected_face_shape;
        patch.correction = season || shape ? { ...(season ? { season } : {}), ...(shape ? { face_shape: shape } : {}) } : null;
      }
      if (Object.keys(patch).length === 0) throw new AppError('VALIDATION_FAILED', 'Nothing to change: send rating, feels_right, is_accurate, corrected_season, corrected_face_shape or comment.');
      return one(await feedback.update(c, id, patch));
    },
  );

  app.delete(
    '/api/v1/feedback/:feedback_id',
    { config: auth, schema: { tags, summary: 'Older Style API: delete your feedback', params: FeedbackParams, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req, reply) => {
      await feedback.remove(caller(req), (req.params as { feedback_id: string }).feedback_id);
      return reply.code(204).send(null);
    },
  );

  const fileAnswer = (f: Awaited<ReturnType<StylePeople['files']['get']>>, filename: string | null = null) => ({
    success: true,
    file_id: f.id,
    filename,
    kind: f.kind,
    content_type: f.content_type,
    size: f.bytes,
    width: f.width,
    height: f.height,
    url: f.url,
    url_expires_at: f.url_expires_at,
    uploaded_at: f.created_at,
    expires_at: f.expires_at,
  });
  const maxBytes = config.images.maxBytes;

  await app.register(async (scope: App) => {
    await scope.register(multipart, { limits: { fileSize: maxBytes, files: 1 } });
    scope.post(
      '/api/v1/files/upload',
      {
        config: auth,
        bodyLimit: maxBytes + 128 * 1024,
        schema: {
          tags,
          summary: 'Older Style API: upload an image (multipart: the file in `file`, optionally `kind` photo|garment) — as POST /v1/account/files',
          description: 'JPEG, PNG or WebP, read from the bytes (the declared type is not trusted; else 415), up to the upload size limit (413); normalised (metadata dropped) and kept for the store\'s retention. Other form fields are ignored.',
          consumes: ['multipart/form-data'],
          response: { 201: CompatFile, ...problemResponses(400, 401, 403, 413, 415, 422, 429) },
        },
      },
      async (req, reply) => {
        const up = await readUserFileUpload(req, { maxBytes, otherFields: 'ignore' });
        const f = await files.create(person(req), { bytes: up.bytes, kind: up.kind }, app.linkBase());
        return reply.code(201).header('location', `/api/v1/files/${f.id}`).send(fileAnswer(f, up.filename));
      },
    );
  });

  app.get(
    '/api/v1/files/:file_id',
    { config: auth, schema: { tags, summary: 'Older Style API: one of your uploaded files, with a short-lived link', params: FileParams, response: { 200: CompatFile, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => fileAnswer(await files.get(person(req), (req.params as { file_id: string }).file_id, app.linkBase())),
  );

  app.delete(
    '/api/v1/files/:file_id',
    { config: auth, schema: { tags, summary: 'Older Style API: delete one of your uploaded files (the image and its record)', params: FileParams, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req, reply) => {
      await files.remove(person(req), (req.params as { file_id: string }).file_id);
      return reply.code(204).send(null);
    },
  );
}
