/** Try-ons: create (202), read, list, cancel, and the Server-Sent Events stream of a job. */
import Type from 'typebox';
import { IdParam, listOf, problemResponses } from '../../../../contracts/common.js';
import { CreateTryonBody, ListTryonsQuery, type TCreateTryonBody } from '../../../../contracts/tryons.js';
import type { App } from '../../../platform/http/types.js';
import type { Config } from '../../../config.js';
import type { PubSub } from '../../../platform/cache/pubsub.js';
import type { TryonService } from '../service.js';
import { eventChannel, type TryonEvent } from '../events.js';
import { callerOf, uploadBodyLimit } from './caller.js';
import { fileRef, readMultipart } from './multipart.js';

const tags = ['try-on'];
const TryonParams = IdParam('tryon_id', 'try');
const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'expired']);

/**
 * A multipart try-on: `person` file, `garment` files (the n-th `product_id` field names the n-th
 * file's product), `garment_image` URL fields, then garments of a catalog product alone: the
 * `product_id` fields past the garment files. `category` fields follow the garments' order; other
 * fields are text; `style_season` or `style_analysis_id` is the JSON body's `style`.
 */
function multipartBody(fields: Record<string, string[]>, files: Map<string, Buffer>): TCreateTryonBody {
  const garments: TCreateTryonBody['garments'] = [];
  const categoryAt = (i: number) => (fields.category?.[i] ? { category: fields.category[i] as 'tops' } : {});
  let nFiles = 0;
  for (; files.has(`garment:${nFiles}`); nFiles++) {
    garments.push({ image: fileRef('garment', nFiles), ...categoryAt(nFiles), ...(fields.product_id?.[nFiles] ? { product_id: fields.product_id[nFiles] } : {}) });
  }
  for (const url of fields.garment_image ?? []) garments.push({ image: url, ...categoryAt(garments.length) });
  for (const productId of (fields.product_id ?? []).slice(nFiles)) if (productId) garments.push({ product_id: productId, ...categoryAt(garments.length) });
  const person = files.has('person:0') ? fileRef('person') : fields.person?.[0];
  return {
    ...(person ? { person } : {}),
    garments,
    ...(fields.mode?.[0] ? { mode: fields.mode[0] as 'fast' } : {}),
    ...(fields.provider?.[0] ? { provider: fields.provider[0] } : {}),
    ...(fields.shopper_id?.[0] ? { shopper_id: fields.shopper_id[0] } : {}),
    ...(fields.style_season?.[0] || fields.style_analysis_id?.[0]
      ? { style: { ...(fields.style_season?.[0] ? { season: fields.style_season[0] } : {}), ...(fields.style_analysis_id?.[0] ? { analysis_id: fields.style_analysis_id[0] } : {}) } }
      : {}),
  } as TCreateTryonBody;
}

export function tryonRoutes(app: App, { svc, config, pubsub }: { svc: TryonService; config: Config; pubsub: PubSub }) {
  app.post(
    '/v1/tryons',
    {
      config: { auth: 'key' },
      bodyLimit: uploadBodyLimit(config),
      schema: {
        tags,
        summary: 'Start a try-on: a person and 1 to 3 garments. Answered at once when the same inputs were rendered before.',
        description:
          'With `style` (`{ "season": "deep_winter" }`, or `{ "analysis_id": "sta_…" }` — a style analysis or quiz result of yours), each garment also carries `color_match`: its colour (the catalog product’s stored colour, or read from the image) judged against that season’s palette — verdict flatters / neutral / avoid, score, ΔE2000, the nearest palette colour. An unknown analysis is a 404 and one without a colour answer a 422, before anything is queued.',
        body: CreateTryonBody,
        response: { 202: Type.Ref('Tryon'), ...problemResponses(400, 401, 403, 404, 408, 410, 413, 415, 422, 429) },
      },
      preValidation: async (req) => {
        if (!req.isMultipart()) return;
        const { fields, files } = await readMultipart(req, config.images.maxBytes);
        req.uploadedFiles = files;
        req.body = multipartBody(fields, files) as never;
      },
    },
    async (req, reply) => {
      const c = callerOf(req, config);
      const row = await svc.createTryon({ ...c, files: req.uploadedFiles }, req.body);
      return reply.code(202).header('location', `/v1/tryons/${row.id}`).send(await svc.present(row, c, false));
    },
  );

  app.get(
    '/v1/tryons/:tryon_id',
    { config: { auth: 'key' }, schema: { tags, summary: 'Get a try-on with its result URL, timings and attempts', params: TryonParams, response: { 200: Type.Ref('Tryon'), ...problemResponses(401, 403, 404) } } },
    async (req) => {
      const c = callerOf(req, config);
      return svc.present(await svc.getTryonRow(c, req.params.tryon_id), c, true);
    },
  );

  app.get(
    '/v1/tryons',
    { config: { auth: 'key' }, schema: { tags, summary: 'List try-ons, newest first', querystring: ListTryonsQuery, response: { 200: listOf(Type.Ref('Tryon')), ...problemResponses(400, 401, 403) } } },
    async (req) => {
      const c = callerOf(req, config);
      const q = req.query;
      const page = await svc.listTryons(c, {
        limit: q.limit,
        startingAfter: q.starting_after,
        status: q.status,
        shopperId: q.shopper_id,
        createdGte: q.created_gte ? new Date(q.created_gte) : undefined,
        createdLt: q.created_lt ? new Date(q.created_lt) : undefined,
      });
      return { object: 'list' as const, data: await Promise.all(page.data.map((r) => svc.present(r, c, false))), has_more: page.hasMore };
    },
  );

  app.post(
    '/v1/tryons/:tryon_id/cancel',
    { config: { auth: 'key' }, schema: { tags, summary: 'Cancel a queued or running try-on', params: TryonParams, response: { 200: Type.Ref('Tryon'), ...problemResponses(401, 403, 404, 409) } } },
    async (req) => {
      const c = callerOf(req, config);
      return svc.present(await svc.cancelTryon(c, req.params.tryon_id), c, false);
    },
  );

  app.get(
    '/v1/tryons/:tryon_id/events',
    {
      config: { auth: 'key' },
      schema: {
        tags,
        summary: 'Server-Sent Events: `status` events (status, stage, queue position) until the try-on ends, then a `tryon` event with the whole object',
        params: TryonParams,
        produces: ['text/event-stream'],
      },
    },
    async (req, reply) => {
      const c = callerOf(req, config);
      const row = await svc.getTryonRow(c, req.params.tryon_id);
      const raw = reply.raw;
      const headers: Record<string, string> = {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'request-id': req.id,
      };
      if (c.principal.origin) {
        headers['access-control-allow-origin'] = c.principal.origin;
        headers.vary = 'Origin';
      }
      reply.hijack();
      raw.writeHead(200, headers);
      let seq = 0;
      let closed = false;
      const send = (event: string, data: unknown) => {
        if (!closed) raw.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      // Filled in below; the cleanup may run before either exists.
      const live: { unsubscribe?: () => Promise<void>; positionTimer?: NodeJS.Timeout } = {};
      const heartbeat = setInterval(() => !closed && raw.write(': ping\n\n'), 15_000);
      const end = async () => {
        if (closed) return;
        const final = await svc.getTryonRow(c, row.id).catch(() => undefined);
        if (final) send('tryon', await svc.present(final, c, true));
        closed = true;
        cleanup();
        raw.end();
      };
      const cleanup = () => {
        clearInterval(heartbeat);
        clearInterval(live.positionTimer);
        void live.unsubscribe?.();
      };
      raw.on('close', () => {
        closed = true;
        cleanup();
      });
      let lastStatus = row.status;
      live.unsubscribe = await pubsub.subscribe(eventChannel(row.id), (msg) => {
        const e = JSON.parse(msg) as TryonEvent;
        lastStatus = e.status as typeof lastStatus;
        send('status', e);
        if (TERMINAL.has(e.status)) void end();
      });
      // The state now (after subscribing, so nothing is missed in between).
      const current = await svc.getTryonRow(c, row.id);
      lastStatus = current.status;
      const position = current.status === 'queued' ? await svc.queuePosition(current) : undefined;
      send('status', { id: current.id, status: current.status, stage: current.stage, ...(position !== undefined ? { queue_position: position } : {}), at: new Date().toISOString() });
      if (TERMINAL.has(current.status)) return end();
      live.positionTimer = setInterval(async () => {
        if (closed || lastStatus !== 'queued') return;
        const r = await svc.getTryonRow(c, row.id).catch(() => undefined);
        if (r?.status === 'queued') send('status', { id: r.id, status: 'queued', queue_position: await svc.queuePosition(r), at: new Date().toISOString() });
      }, 1_000);
    },
  );
}

