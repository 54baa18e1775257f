/**
 * Style analyses: create (201 finished, or 202 queued for Gemini), read, list, delete, and the
 * Server-Sent Events stream of one. Secret keys, and publishable keys from the tenant's allowed origins with the widget's
 * `probador-session` header (they see only their session's analyses).
 */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { IdParam, listOf, problemResponses } from '../../../contracts/common.js';
import { ANALYSIS_KINDS, CreateAnalysisBody, ListAnalysesQuery, type TCreateAnalysisBody } from '../../../contracts/style.js';
import { AppError } from '../../platform/errors.js';
import { keyOrEndUser } from '../../platform/http/principal.js';
import type { App } from '../../platform/http/types.js';
import type { PubSub } from '../../platform/cache/pubsub.js';
import type { Config } from '../../config.js';
import type { StyleCaller, StyleService } from './service.js';
import type { StylePorts } from './ports.js';
import { FINAL_STATUSES, eventChannel, type StyleAnalysisEvent } from './events.js';

const tags = ['style'];
const AnalysisParams = IdParam('analysis_id', 'sta');

export function callerOf(req: FastifyRequest, ports: Pick<StylePorts, 'callerOf'>): StyleCaller {
  const p = keyOrEndUser(req.principal);
  return { tenantId: p.tenantId, keyId: p.keyId, environment: p.environment, intake: ports.callerOf(req) };
}

/** A multipart create: the file in `image` (or `image` as a text field), `kinds` (repeated or comma-separated), `shopper_id`, `analyser`, `quiz_result_id`. */
async function readMultipartBody(req: FastifyRequest, maxBytes: number, ports: Pick<StylePorts, 'multipartRef'>): Promise<{ body: TCreateAnalysisBody; files: Map<string, Buffer> }> {
  const fields: Record<string, string[]> = {};
  const files = new Map<string, Buffer>();
  try {
    for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 16 * 1024, parts: 12 } })) {
      if (!/^[a-z_]{1,32}$/.test(part.fieldname)) throw new AppError('VALIDATION_FAILED', `Unexpected form field "${part.fieldname.slice(0, 40)}".`);
      if (part.type === 'file') {
        if (part.fieldname !== 'image') throw new AppError('VALIDATION_FAILED', 'The selfie goes in the `image` file field.');
        files.set('image:0', await part.toBuffer());
      } else (fields[part.fieldname] ??= []).push(String(part.value));
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('IMAGE_TOO_LARGE', `The image is larger than ${maxBytes} bytes.`);
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw new AppError('VALIDATION_FAILED', 'Too many form parts: one `image` file and a few fields.');
    throw new AppError('VALIDATION_FAILED', 'The multipart body could not be read.');
  }
  for (const k of Object.keys(fields)) if (!['kinds', 'shopper_id', 'analyser', 'image', 'quiz_result_id'].includes(k)) throw new AppError('VALIDATION_FAILED', `Unexpected form field "${k}".`);
  const analyser = fields.analyser?.[0];
  if (analyser !== undefined && analyser !== 'local' && analyser !== 'gemini') throw new AppError('VALIDATION_FAILED', 'analyser: must be local or gemini.');
  const kinds = (fields.kinds ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  for (const k of kinds) if (!(ANALYSIS_KINDS as readonly string[]).includes(k)) throw new AppError('VALIDATION_FAILED', `kinds: "${k.slice(0, 20)}" is not one of ${ANALYSIS_KINDS.join(', ')}.`);
  const image = files.has('image:0') ? ports.multipartRef('image', 0) : fields.image?.[0];
  return {
    body: {
      ...(image ? { image } : {}),
      ...(kinds.length ? { kinds: [...new Set(kinds)] as TCreateAnalysisBody['kinds'] } : {}),
      ...(fields.shopper_id?.[0] ? { shopper_id: fields.shopper_id[0] } : {}),
      ...(analyser ? { analyser } : {}),
      ...(fields.quiz_result_id?.[0] ? { quiz_result_id: fields.quiz_result_id[0] } : {}),
    } as TCreateAnalysisBody,
    files,
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    styleFiles?: Map<string, Buffer>;
  }
}

export async function styleRoutes(app: App, { svc, ports, config, pubsub }: { svc: StyleService; ports: StylePorts; config: Config; pubsub: PubSub }) {
  // Multipart only on the create route (its parser and hook would otherwise run on every route).
  await app.register(async (scope: App) => {
    await scope.register(multipart, { limits: { fileSize: config.images.maxBytes, files: 1 } });
    scope.post(
      '/v1/style/analyses',
      {
        config: { auth: 'key_or_end_user' },
        bodyLimit: Math.ceil(config.images.maxBytes * 1.37) + 64 * 1024,
        schema: {
          tags,
          summary: 'Analyse a selfie: face shape, colour season, quality. The offline analyser answers at once (201); `analyser: gemini` is queued (202) and finishes on the events stream, by poll or webhook. A repeat of the same image, kinds and analyser is answered from the cache (`cached: true`).',
          description:
            'JSON (`image`: an upload id, a data URL or an https URL) or multipart (the file in `image`; `kinds`, `shopper_id`, `analyser`, `quiz_result_id` as fields). A photo that cannot be trusted is still a result: `quality.retake` is true, the answers it affects are null and each issue has a code, a message and a tip in English and Spanish — with `analyser: gemini` too, when the offline check already withholds every kind asked for (no provider call). `gemini` falls back to the offline analyser on any provider error or invalid answer (`analyser.name` says which answered). `quiz_result_id` fuses the colour answer with that quiz result (`source: fused`). `color.tie_breakers` names the quiz questions that would separate the two most likely seasons when they are close. The selfie is kept as long as the tenant\'s retention allows (`selfie`); with process-only retention only until the analysis is made.',
          body: CreateAnalysisBody,
          response: { 201: Type.Ref('StyleAnalysis'), 202: Type.Ref('StyleAnalysis'), ...problemResponses(400, 401, 403, 404, 408, 410, 413, 415, 422, 429, 503) },
        },
        preValidation: async (req) => {
          if (!req.isMultipart()) return;
          const { body, files } = await readMultipartBody(req, config.images.maxBytes, ports);
          req.styleFiles = files;
          req.body = body as never;
        },
      },
      async (req, reply) => {
        const c = { ...callerOf(req, ports), files: req.styleFiles };
        const row = await svc.create(c, req.body);
        return reply
          .code(row.status === 'queued' ? 202 : 201)
          .header('location', `/v1/style/analyses/${row.id}`)
          .send(await svc.present(row, c.intake.baseUrl));
      },
    );
  });

  app.get(
    '/v1/style/analyses/:analysis_id',
    { config: { auth: 'key_or_end_user' }, schema: { tags, summary: 'Get a style analysis, with the analyser calls its job made (`attempts`)', params: AnalysisParams, response: { 200: Type.Ref('StyleAnalysis'), ...problemResponses(401, 403, 404) } } },
    async (req) => {
      const c = callerOf(req, ports);
      return svc.present(await svc.getRow(c.tenantId, req.params.analysis_id, c.intake.widgetSession), c.intake.baseUrl, { attempts: true });
    },
  );

  app.get(
    '/v1/style/analyses',
    { config: { auth: 'key_or_end_user' }, schema: { tags, summary: 'List style analyses, newest first (a publishable key: its widget session\'s only)', querystring: ListAnalysesQuery, response: { 200: listOf(Type.Ref('StyleAnalysis')), ...problemResponses(400, 401, 403) } } },
    async (req) => {
      const c = callerOf(req, ports);
      const page = await svc.list(c.tenantId, c.intake.widgetSession, { limit: req.query.limit, startingAfter: req.query.starting_after, shopperId: req.query.shopper_id });
      return { object: 'list' as const, data: await Promise.all(page.data.map((r) => svc.present(r, c.intake.baseUrl))), has_more: page.hasMore };
    },
  );

  app.delete(
    '/v1/style/analyses/:analysis_id',
    { config: { auth: 'key_or_end_user' }, schema: { tags, summary: 'Delete a style analysis: the selfie stored for it and the record', params: AnalysisParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } } },
    async (req, reply) => {
      const c = callerOf(req, ports);
      await svc.erase(c.tenantId, req.params.analysis_id, c.intake.widgetSession);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/style/analyses/:analysis_id/events',
    {
      config: { auth: 'key_or_end_user' },
      schema: { tags, summary: 'Server-Sent Events: `status` events until the analysis is finished, then an `analysis` event with the whole object', params: AnalysisParams, produces: ['text/event-stream'] },
    },
    async (req, reply) => {
      const c = callerOf(req, ports);
      const row = await svc.getRow(c.tenantId, req.params.analysis_id, c.intake.widgetSession);
      const raw = reply.raw;
      reply.hijack();
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no', 'request-id': req.id });
      let seq = 0;
      let closed = false;
      const send = (event: string, data: unknown) => {
        if (!closed) raw.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const live: { unsubscribe?: () => Promise<void> } = {};
      const heartbeat = setInterval(() => !closed && raw.write(': ping\n\n'), 15_000);
      const cleanup = () => {
        clearInterval(heartbeat);
        void live.unsubscribe?.();
      };
      const end = async () => {
        if (closed) return;
        const final = await svc.getRow(c.tenantId, row.id, c.intake.widgetSession).catch(() => undefined);
        if (final) send('analysis', await svc.present(final, c.intake.baseUrl));
        closed = true;
        cleanup();
        raw.end();
      };
      raw.on('close', () => {
        closed = true;
        cleanup();
      });
      live.unsubscribe = await pubsub.subscribe(eventChannel(row.id), (msg) => {
        const e = JSON.parse(msg) as StyleAnalysisEvent;
        send('status', e);
        if (FINAL_STATUSES.has(e.status)) void end();
      });
      // The state now (after subscribing, so nothing is missed in between).
      const current = await svc.getRow(c.tenantId, row.id, c.intake.widgetSession);
      send('status', { id: current.id, status: current.status, at: new Date().toISOString() });
      if (FINAL_STATUSES.has(current.status)) await end();
    },
  );
}
