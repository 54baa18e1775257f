/** Generations: create (202), read, list, cancel, delete, and the Server-Sent Events stream of one. Secret keys only. */
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import { IdParam, listOf, problemResponses } from '../../../contracts/common.js';
import { CreateGenerationBody, ListGenerationsQuery } from '../../../contracts/generations.js';
import { keyPrincipal } from '../../platform/http/principal.js';
import type { App } from '../../platform/http/types.js';
import type { Config } from '../../config.js';
import type { PubSub } from '../../platform/cache/pubsub.js';
import type { GenerationCaller, GenerationService } from './service.js';
import type { GenerationPorts } from './ports.js';
import { FINAL_STATUSES, eventChannel, type GenerationEvent } from './events.js';

const tags = ['generation'];
const GenerationParams = IdParam('generation_id', 'gen');

/** JSON bodies carry up to three data URLs: base64 of the largest upload each, plus room for the rest. */
export const generationBodyLimit = (config: Config) => Math.ceil(config.images.maxBytes * 1.37 * 3) + 256 * 1024;

export function callerOf(req: FastifyRequest, ports: Pick<GenerationPorts, 'callerOf'>): GenerationCaller {
  const p = keyPrincipal(req.principal);
  return { tenantId: p.tenantId, keyId: p.keyId, environment: p.environment, intake: ports.callerOf(req) };
}

export function generationRoutes(app: App, { svc, ports, config, pubsub }: { svc: GenerationService; ports: GenerationPorts; config: Config; pubsub: PubSub }) {
  app.post(
    '/v1/generations',
    {
      config: { auth: 'secret' },
      bodyLimit: generationBodyLimit(config),
      schema: {
        tags,
        summary: 'Generate an image from a prompt and 0–3 reference images (asynchronous). Answered at once when the same request was made before.',
        body: CreateGenerationBody,
        response: { 202: Type.Ref('Generation'), ...problemResponses(400, 401, 403, 404, 408, 410, 413, 415, 422, 429, 503) },
      },
    },
    async (req, reply) => {
      const c = callerOf(req, ports);
      const row = await svc.create(c, req.body);
      return reply.code(202).header('location', `/v1/generations/${row.id}`).send(await svc.present(row, c.intake.baseUrl, false));
    },
  );

  app.get(
    '/v1/generations/:generation_id',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Get a generation with its result URL, timings and attempts', params: GenerationParams, response: { 200: Type.Ref('Generation'), ...problemResponses(401, 403, 404) } } },
    async (req) => {
      const c = callerOf(req, ports);
      return svc.present(await svc.getRow(c.tenantId, req.params.generation_id), c.intake.baseUrl, true);
    },
  );

  app.get(
    '/v1/generations',
    { config: { auth: 'secret' }, schema: { tags, summary: 'List generations, newest first', querystring: ListGenerationsQuery, response: { 200: listOf(Type.Ref('Generation')), ...problemResponses(400, 401, 403) } } },
    async (req) => {
      const c = callerOf(req, ports);
      const page = await svc.list(c.tenantId, { limit: req.query.limit, startingAfter: req.query.starting_after, status: req.query.status });
      return { object: 'list' as const, data: await Promise.all(page.data.map((r) => svc.present(r, c.intake.baseUrl, false))), has_more: page.hasMore };
    },
  );

  app.post(
    '/v1/generations/:generation_id/cancel',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Cancel a queued or running generation', params: GenerationParams, response: { 200: Type.Ref('Generation'), ...problemResponses(401, 403, 404, 409) } } },
    async (req) => {
      const c = callerOf(req, ports);
      return svc.present(await svc.cancel(c.tenantId, req.params.generation_id), c.intake.baseUrl, false);
    },
  );

  app.delete(
    '/v1/generations/:generation_id',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Delete a generation: its result, the reference images stored for it, and its record (a running one is canceled)', params: GenerationParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } } },
    async (req, reply) => {
      const c = callerOf(req, ports);
      await svc.erase(c.tenantId, req.params.generation_id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/generations/:generation_id/events',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Server-Sent Events: `status` events (status, stage, queue position) until the generation ends, then a `generation` event with the whole object',
        params: GenerationParams,
        produces: ['text/event-stream'],
      },
    },
    async (req, reply) => {
      const c = callerOf(req, ports);
      const row = await svc.getRow(c.tenantId, req.params.generation_id);
      const raw = reply.raw;
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'request-id': req.id,
      });
      let seq = 0;
      let closed = false;
      const send = (event: string, data: unknown) => {
        if (!closed) raw.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const live: { unsubscribe?: () => Promise<void>; positionTimer?: NodeJS.Timeout } = {};
      const heartbeat = setInterval(() => !closed && raw.write(': ping\n\n'), 15_000);
      const cleanup = () => {
        clearInterval(heartbeat);
        clearInterval(live.positionTimer);
        void live.unsubscribe?.();
      };
      const end = async () => {
        if (closed) return;
        const final = await svc.getRow(c.tenantId, row.id).catch(() => undefined);
        if (final) send('generation', await svc.present(final, c.intake.baseUrl, true));
        closed = true;
        cleanup();
        raw.end();
      };
      raw.on('close', () => {
        closed = true;
        cleanup();
      });
      let lastStatus: string = row.status;
      live.unsubscribe = await pubsub.subscribe(eventChannel(row.id), (msg) => {
        const e = JSON.parse(msg) as GenerationEvent;
        lastStatus = e.status;
        send('status', e);
        if (FINAL_STATUSES.has(e.status)) void end();
      });
      // The state now (after subscribing, so nothing is missed in between).
      const current = await svc.getRow(c.tenantId, row.id);
      lastStatus = current.status;
      const position = current.status === 'queued' ? await svc.queuePosition(current) : undefined;
      send('status', { id: current.id, status: current.status, stage: current.stage, ...(position !== undefined ? { queue_position: position } : {}), at: new Date().toISOString() });
      if (FINAL_STATUSES.has(current.status)) return end();
      live.positionTimer = setInterval(async () => {
        if (closed || lastStatus !== 'queued') return;
        const r = await svc.getRow(c.tenantId, row.id).catch(() => undefined);
        if (r?.status === 'queued') send('status', { id: r.id, status: 'queued', queue_position: await svc.queuePosition(r), at: new Date().toISOString() });
      }, 1_000);
    },
  );
}
