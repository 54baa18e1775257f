/** Shopper photos stored once and reused across garments; deletion erases the photo and its results. */
import Type from 'typebox';
import { IdParam, problemResponses } from '../../../../contracts/common.js';
import { CreateUploadJson } from '../../../../contracts/tryons.js';
import { AppError } from '../../../platform/errors.js';
import type { App } from '../../../platform/http/types.js';
import type { Config } from '../../../config.js';
import type { TryonService } from '../service.js';
import { presentUpload } from '../present.js';
import { callerOf, uploadBodyLimit } from './caller.js';
import { readMultipart } from './multipart.js';

const tags = ['uploads'];

export function uploadRoutes(app: App, { svc, config }: { svc: TryonService; config: Config }) {
  app.post(
    '/v1/uploads',
    {
      config: { auth: 'key' },
      bodyLimit: uploadBodyLimit(config),
      schema: {
        tags,
        summary: 'Store a photo once (multipart `file`, a data URL or an https URL) and reuse its id',
        body: CreateUploadJson,
        response: { 201: Type.Ref('Upload'), ...problemResponses(400, 401, 403, 404, 408, 413, 415, 422, 429) },
      },
      preValidation: async (req) => {
        if (!req.isMultipart()) return;
        const { fields, files } = await readMultipart(req, config.images.maxBytes);
        req.uploadedFiles = files;
        req.body = { ...(fields.kind?.[0] ? { kind: fields.kind[0] } : {}), ...(fields.shopper_id?.[0] ? { shopper_id: fields.shopper_id[0] } : {}) } as never;
      },
    },
    async (req, reply) => {
      const c = callerOf(req, config);
      const body = req.body;
      const file = req.uploadedFiles?.get('file:0'); // the multipart part named `file`
      const sources = [file ? 'file' : undefined, body.data_url ? 'data_url' : undefined, body.url ? 'url' : undefined].filter(Boolean);
      if (sources.length !== 1) throw new AppError('VALIDATION_FAILED', 'Send exactly one of: a multipart `file`, `data_url` or `url`.');
      const src = file ? { file } : body.data_url ? { data_url: body.data_url } : { url: body.url! };
      const up = await svc.createUpload(c, src, body.kind ?? 'person', body.shopper_id ?? null);
      return reply.code(201).send(presentUpload(up));
    },
  );

  app.get(
    '/v1/uploads/:upload_id',
    { config: { auth: 'key' }, schema: { tags, summary: 'Get an upload', params: IdParam('upload_id', 'upl'), response: { 200: Type.Ref('Upload'), ...problemResponses(401, 403, 404, 410) } } },
    async (req) => presentUpload(await svc.getUpload(callerOf(req, config), req.params.upload_id)),
  );

  app.delete(
    '/v1/uploads/:upload_id',
    {
      config: { auth: 'key' },
      schema: { tags, summary: 'Erase a photo and every try-on result made from it', params: IdParam('upload_id', 'upl'), response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    },
    async (req, reply) => {
      await svc.deleteUpload(callerOf(req, config), req.params.upload_id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/v1/shoppers/:shopper_id',
    {
      config: { auth: 'key' },
      schema: {
        tags: ['privacy'],
        summary: "Erase a shopper's photos and results: uploads, try-ons, style analyses (with their selfies) and quiz results",
        params: Type.Object({ shopper_id: Type.String({ pattern: '^[A-Za-z0-9_.:@-]{1,128}$' }) }),
        response: {
          200: Type.Object({
            object: Type.Literal('shopper_erasure'),
            shopper_id: Type.String(),
            uploads_erased: Type.Integer(),
            tryons_erased: Type.Integer(),
            style_analyses_erased: Type.Integer(),
            quiz_results_erased: Type.Integer(),
          }),
          ...problemResponses(401, 403),
        },
      },
    },
    async (req) => {
      const r = await svc.eraseShopper(callerOf(req, config), req.params.shopper_id);
      return {
        object: 'shopper_erasure' as const,
        shopper_id: req.params.shopper_id,
        uploads_erased: r.uploads,
        tryons_erased: r.tryons,
        style_analyses_erased: r.styleAnalyses,
        quiz_results_erased: r.quizResults,
      };
    },
  );
}
