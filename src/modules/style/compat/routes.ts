/**
 * The older Synthia Style API's paths (FastAPI), served over the style module so that its React
 * frontend only changes its base URL (docs/compat/style-api.md):
 *
 *   POST /api/v1/facial-analysis/analyze          → a `face` analysis (POST /v1/style/analyses), its flat answer
 *   POST /api/v1/chromatic-analysis/analyze       → a `color` analysis of the photo, or the colour quiz
 *                                                   (`answers`), or both fused
 *   GET  /api/v1/cache/health                     → the cache driver's write-read-delete round trip
 *   GET  /api/v1/cache/metrics                    → the tenant's hit ratio and times, from its analyses
 *   POST|DELETE /api/v1/cache/invalidate/:namespace              → the tenant's analysis entries (secret key)
 *   POST|DELETE /api/v1/cache/invalidate/analysis/:image_hash    → the tenant's entries of one photo
 *   DELETE /api/v1/cache/keys/:pattern            → the same, by the older `analysis:*` patterns
 *
 * A photo comes as a multipart file (`file`, or `image`) or as base64 in JSON (`image` or
 * `image_data`, with or without a `data:` prefix); it goes through the same intake, analyser and
 * cache as the new API's. Errors are the platform's problem+json (its `detail` is the message the
 * older FastAPI errors carried in `detail`).
 */
import Type from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { problemResponses } from '../../../../contracts/common.js';
import {
  COMPAT_CACHE_NAMESPACES,
  CompatAnalyzeBody,
  CompatCacheHealth,
  CompatCacheMetrics,
  CompatChromaticAnalysis,
  CompatFacialAnalysis,
  CompatInvalidation,
  CompatQuery,
  type TCompatAnalyzeBody,
} from '../../../../contracts/style-compat.js';
import type { TAnalysisKind, TCreateAnalysisBody } from '../../../../contracts/style.js';
import { AppError } from '../../../platform/errors.js';
import type { EndUserPrincipal, KeyPrincipal } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import type { Caches } from '../../../platform/cache/cache.js';
import type { Db } from '../../../platform/db/client.js';
import type { Clock } from '../../../platform/clock.js';
import type { Config } from '../../../config.js';
import type { StyleCaller, StyleService } from '../service.js';
import type { StyleMatchService } from '../service-match.js';
import type { StylePorts } from '../ports.js';
import { dualRoute, ensureWidgetSession, type CompatTenant } from '../../../platform/http/compat-access.js';
import { chromaticAnswer, chromaticQuizAnswer, facialAnswer, langOf } from './mapping.js';
import { tenantCacheFigures } from './figures.js';

const tags = ['style-api (compatibility)'];
const FILE_FIELDS = new Set(['file', 'image']);
const TEXT_FIELDS = new Set(['image', 'image_data', 'answers', 'shopper_id']);
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
/** The largest multipart text field (a small base64 photo, a data URL, the quiz answers). */
const FIELD_BYTES = 64 * 1024;

export type StyleCompatDeps = {
  svc: StyleService;
  match: StyleMatchService;
  ports: StylePorts;
  config: Config;
  db: Db;
  caches: Caches;
  clock: Clock;
  /** The default tenant's row (cached by the caller), for requests without a key. */
  compatTenant: (tenantId: string) => Promise<CompatTenant | undefined>;
};

/** A request body as read (JSON or multipart): the photo (a reference for the intake), quiz answers, a shopper id. */
type Input = { image?: string; answers?: { question: string; option: string }[]; shopperId?: string; files: Map<string, Buffer> };

/** Raw base64 (the older frontend's JSON) → the bytes, as a multipart file of the intake; data URLs, upload ids and https URLs as they are. */
function imageRef(value: string, files: Map<string, Buffer>, ports: Pick<StylePorts, 'multipartRef'>, maxBytes: number): string {
  const v = value.trim();
  if (v.startsWith('data:') || v.startsWith('https://') || v.startsWith('http://') || /^upl_[0-9A-Za-z]{1,64}$/.test(v)) return v;
  const compact = v.replace(/\s+/g, '');
  if (!BASE64.test(compact)) throw new AppError('VALIDATION_FAILED', 'image: expected the photo as base64 (or a data: URL, an upload id or an https URL).');
  const bytes = Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
  if (bytes.length === 0) throw new AppError('VALIDATION_FAILED', 'image: the base64 holds no bytes.');
  if (bytes.length > maxBytes) throw new AppError('IMAGE_TOO_LARGE', `The image is larger than ${maxBytes} bytes.`);
  files.set('image:0', bytes);
  return ports.multipartRef('image', 0);
}

function answersOf(a: TCompatAnalyzeBody['answers']): { question: string; option: string }[] | undefined {
  if (a === undefined) return undefined;
  const list = Array.isArray(a) ? a : Object.entries(a).map(([question, option]) => ({ question, option }));
  if (list.length === 0) throw new AppError('VALIDATION_FAILED', 'answers: give at least one answer.');
  if (list.length > 50) throw new AppError('VALIDATION_FAILED', 'answers: at most 50.');
  return list;
}

function fromJson(body: TCompatAnalyzeBody | undefined, ports: Pick<StylePorts, 'multipartRef'>, maxBytes: number): Input {
  const files = new Map<string, Buffer>();
  const b = body ?? {};
  if (b.image !== undefined && b.image_data !== undefined) throw new AppError('VALIDATION_FAILED', 'Send the photo in `image` or in `image_data`, not both.');
  const raw = b.image ?? b.image_data;
  const answers = answersOf(b.answers);
  return { ...(raw !== undefined ? { image: imageRef(raw, files, ports, maxBytes) } : {}), ...(answers ? { answers } : {}), ...(b.shopper_id ? { shopperId: b.shopper_id } : {}), files };
}

/** Multipart: one file (`file` or `image`), and the text fields `image` / `image_data` (base64 up to 64 KiB), `answers` (JSON), `shopper_id`; other text fields are ignored. */
async function fromMultipart(req: FastifyRequest, ports: Pick<StylePorts, 'multipartRef'>, maxBytes: number): Promise<Input> {
  const fields: Record<string, string> = {};
  const files = new Map<string, Buffer>();
  try {
    // Text fields are small (64 KiB each, 20 at most: ~1.3 MB held at worst); a photo comes as the file.
    for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: FIELD_BYTES, parts: 21 } })) {
      if (part.type === 'file') {
        if (!FILE_FIELDS.has(part.fieldname)) throw new AppError('VALIDATION_FAILED', `The photo goes in the \`file\` field (got "${part.fieldname.slice(0, 40)}").`);
        const bytes = await part.toBuffer();
        if (bytes.length === 0) throw new AppError('VALIDATION_FAILED', 'The uploaded file is empty.');
        files.set('image:0', bytes);
      } else if (TEXT_FIELDS.has(part.fieldname)) {
        if (part.valueTruncated) throw new AppError('VALIDATION_FAILED', `The form field ${part.fieldname} is longer than ${FIELD_BYTES / 1024} KiB: send the photo as a file in \`file\`.`);
        if (fields[part.fieldname] !== undefined) throw new AppError('VALIDATION_FAILED', `The field ${part.fieldname} is given twice.`);
        // A part typed application/json arrives parsed.
        fields[part.fieldname] = typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
      }
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('IMAGE_TOO_LARGE', `The image is larger than ${maxBytes} bytes.`);
    if (code === 'FST_FILES_LIMIT') throw new AppError('VALIDATION_FAILED', 'Send one photo.');
    if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw new AppError('VALIDATION_FAILED', 'Too many form fields.');
    if (code === 'FST_INVALID_JSON_FIELD_ERROR') throw new AppError('VALIDATION_FAILED', 'A form field typed application/json is not valid JSON.');
    throw new AppError('VALIDATION_FAILED', 'The multipart body could not be read.');
  }
  let answers: TCompatAnalyzeBody['answers'];
  if (fields.answers !== undefined) {
    try {
      answers = JSON.parse(fields.answers) as TCompatAnalyzeBody['answers'];
    } catch {
      throw new AppError('VALIDATION_FAILED', 'answers: expected JSON ({"question": "option"} or [{"question", "option"}]).');
    }
    const isPairs = Array.isArray(answers) && answers.every((x) => typeof x === 'object' && x !== null && typeof (x as { question?: unknown }).question === 'string' && typeof (x as { option?: unknown }).option === 'string');
    const isRecord = !Array.isArray(answers) && typeof answers === 'object' && answers !== null && Object.values(answers).every((v) => typeof v === 'string');
    if (!isPairs && !isRecord) throw new AppError('VALIDATION_FAILED', 'answers: expected {"question": "option"} or [{"question", "option"}].');
  }
  const text = fields.image ?? fields.image_data;
  if (files.size > 0 && text !== undefined) throw new AppError('VALIDATION_FAILED', 'Send the photo as a file or as base64, not both.');
  const image = files.size > 0 ? ports.multipartRef('image', 0) : text !== undefined ? imageRef(text, files, ports, maxBytes) : undefined;
  const list = answersOf(answers);
  return { ...(image ? { image } : {}), ...(list ? { answers: list } : {}), ...(fields.shopper_id ? { shopperId: fields.shopper_id.slice(0, 200) } : {}), files };
}

declare module 'fastify' {
  interface FastifyRequest {
    styleCompatInput?: Input;
  }
}

type Handler = (req: FastifyRequest, reply: FastifyReply, p: KeyPrincipal | EndUserPrincipal) => Promise<unknown>;

export async function styleCompatRoutes(app: App, d: StyleCompatDeps) {
  const { svc, match, ports, config, db, caches, clock } = d;
  const maxBytes = config.images.maxBytes;

  /** One path and method, with a key and for the default tenant (platform/http/compat-access.ts). */
  // The analyses also take a signed-in end user (their token as the Bearer): what they make is theirs.
  function route(scope: App, method: 'GET' | 'POST' | 'DELETE', url: string, auth: 'key' | 'secret', options: Record<string, unknown>, handler: Handler, endUser = false) {
    dualRoute(scope, { method, url, auth, endUser, options, defaultTenantId: () => config.style.compatDefaultTenant, lookup: d.compatTenant }, handler);
  }

  const callerOf = (req: FastifyRequest, p: KeyPrincipal | EndUserPrincipal): StyleCaller => {
    const files = req.styleCompatInput?.files;
    // A signed-in end user: the intake scopes what they make to them (`user:<id>`), with the key that came along.
    if (p.kind === 'end_user') return { tenantId: p.tenantId, keyId: p.key?.keyId ?? null, environment: p.key?.environment ?? 'live', intake: ports.callerOf(req), files };
    ensureWidgetSession(req, p);
    return { tenantId: p.tenantId, keyId: p.keyId === 'default-tenant' ? null : p.keyId, environment: p.environment, intake: ports.callerOf(req), files };
  };

  /** A photo analysis of the given kinds (fused with a quiz result when given), presented. */
  async function analysePhoto(c: StyleCaller, input: Input, kinds: TAnalysisKind[], quizResultId?: string) {
    const body: TCreateAnalysisBody = { image: input.image!, kinds, ...(input.shopperId ? { shopper_id: input.shopperId } : {}), ...(quizResultId ? { quiz_result_id: quizResultId } : {}) };
    const row = await svc.create(c, body);
    return { analysis: await svc.present(row, null), imageHash: row.imageSha256 };
  }

  const readInput = async (req: FastifyRequest) => {
    req.styleCompatInput = req.isMultipart() ? await fromMultipart(req, ports, maxBytes) : fromJson(req.body as TCompatAnalyzeBody | undefined, ports, maxBytes);
  };
  const lang = (req: FastifyRequest) => langOf((req.query as { lang?: string }).lang, req.headers['accept-language']);
  const analyzeOptions = (summary: string, description: string, response: unknown) => ({
    bodyLimit: Math.ceil(maxBytes * 1.37) + 64 * 1024,
    schema: { tags, summary, description, querystring: CompatQuery, body: CompatAnalyzeBody, response: { 200: response, ...problemResponses(400, 401, 403, 404, 408, 413, 415, 422, 429, 503) } },
    preValidation: async (req: FastifyRequest) => {
      if (!req.isMultipart()) return;
      await readInput(req);
      req.body = {} as never;
    },
  });

  await app.register(async (scope: App) => {
    await scope.register(multipart, { limits: { fileSize: maxBytes, files: 1 } });

    route(
      scope,
      'POST',
      '/api/v1/facial-analysis/analyze',
      'key',
      analyzeOptions(
        'The older facial analysis: face shape, confidence, measurements and recommendations of a selfie',
        'The photo as a multipart file (`file`) or base64 in JSON (`image` / `image_data`). Computed by the offline analyser and cached as `POST /v1/style/analyses` with `kinds: ["face"]` (`cached: true` on a repeat). Without an API key the request acts for the configured default tenant (docs/compat/style-api.md).',
        CompatFacialAnalysis,
      ),
      async (req, _reply, p) => {
        const t0 = performance.now();
        if (!req.styleCompatInput) await readInput(req);
        const input = req.styleCompatInput!;
        if (input.answers) throw new AppError('VALIDATION_FAILED', 'answers: the quiz belongs to /api/v1/chromatic-analysis/analyze.');
        if (!input.image) throw new AppError('VALIDATION_FAILED', 'Send the photo: a multipart file in `file`, or base64 in `image`.');
        const { analysis, imageHash } = await analysePhoto(callerOf(req, p), input, ['face']);
        return facialAnswer(analysis, lang(req), { imageHash, tookMs: performance.now() - t0, now: clock.now() });
      },
      true,
    );

    route(
      scope,
      'POST',
      '/api/v1/chromatic-analysis/analyze',
      'key',
      analyzeOptions(
        'The older chromatic analysis: season, undertone, palette — from a selfie, from the colour quiz (`answers`), or both fused',
        'The photo as a multipart file (`file`) or base64 in JSON (`image` / `image_data`), and/or `answers` to the colour quiz (`GET /v1/style/quiz`: `{"veins": "green", …}`). A photo is analysed and cached as `POST /v1/style/analyses` with `kinds: ["color"]`; with answers too, its colour answer is fused with the quiz result (`quiz_result_id`).',
        CompatChromaticAnalysis,
      ),
      async (req, _reply, p) => {
        const t0 = performance.now();
        if (!req.styleCompatInput) await readInput(req);
        const input = req.styleCompatInput!;
        if (!input.image && !input.answers) throw new AppError('VALIDATION_FAILED', 'Send the photo (a multipart file in `file`, or base64 in `image`) or the quiz `answers`.');
        const c = callerOf(req, p);
        const quiz = input.answers
          ? await match.createQuizResult({ tenantId: c.tenantId, widgetSession: () => c.intake.widgetSession }, { answers: input.answers, ...(input.shopperId ? { shopper_id: input.shopperId } : {}) })
          : undefined;
        if (!input.image) return chromaticQuizAnswer(quiz!, lang(req), { tookMs: performance.now() - t0, now: clock.now() });
        const { analysis, imageHash } = await analysePhoto(c, input, ['color'], quiz?.id);
        return chromaticAnswer(analysis, lang(req), { imageHash, tookMs: performance.now() - t0, now: clock.now() });
      },
      true,
    );
  });

  app.get(
    '/api/v1/cache/health',
    { config: { auth: 'none' }, schema: { tags, summary: 'The older cache health check: a write, read and delete round trip on the cache (Redis when configured)', response: { 200: CompatCacheHealth, 503: CompatCacheHealth } } },
    async (_req, reply) => {
      const t0 = performance.now();
      const base = { driver: caches.driver, redis_connected: false };
      try {
        await caches.ping();
        return { status: 'healthy' as const, ...base, redis_connected: caches.driver === 'redis', latency_ms: Math.round((performance.now() - t0) * 100) / 100, timestamp: new Date(clock.now()).toISOString() };
      } catch (e) {
        reply.log.warn({ err: { message: (e as Error).message } }, 'cache health check failed');
        return reply.code(503).send({ status: 'unhealthy', ...base, latency_ms: Math.round(performance.now() - t0), error: 'The cache did not answer the round trip.', timestamp: new Date(clock.now()).toISOString() });
      }
    },
  );

  route(
    app,
    'GET',
    '/api/v1/cache/metrics',
    'key',
    { schema: { tags, summary: "The older cache metrics, for the caller's tenant: hit ratio, requests, times (from its style analyses)", response: { 200: CompatCacheMetrics, ...problemResponses(401, 403, 429, 503) } } },
    async (_req, _reply, p) => ({ tenant_id: p.tenantId, ...(await tenantCacheFigures(db, p.tenantId, new Date(clock.now()))), driver: caches.driver, timestamp: new Date(clock.now()).toISOString() }),
  );

  /** Drop the tenant's analysis entries (all, or one photo's); the other namespaces of the older backend hold nothing here. */
  async function invalidate(tenantId: string, namespace: (typeof COMPAT_CACHE_NAMESPACES)[number], imageHash?: string) {
    const pattern = imageHash ? `analysis:${imageHash}` : `${namespace}:*`;
    const now = new Date(clock.now()).toISOString();
    if (namespace !== 'analysis' && namespace !== 'all') {
      return { success: true, namespace, pattern, invalidated: 0, message: `Nothing is cached under ${namespace} here: user data, sessions, recommendations and settings are read fresh.`, timestamp: now };
    }
    const removed = await svc.cache.invalidate({ prefix: imageHash ? `${tenantId}:${imageHash}:` : `${tenantId}:` });
    return { success: true, namespace, pattern, invalidated: removed, message: `${removed} cached analysis ${removed === 1 ? 'entry' : 'entries'} of this tenant removed.`, timestamp: now };
  }

  const Namespace = Type.Object({ namespace: Type.Enum(COMPAT_CACHE_NAMESPACES) });
  const ImageHash = Type.Object({ image_hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of the photo, hex (`image_hash` of an analysis answer)' }) });
  const Pattern = Type.Object({ pattern: Type.String({ pattern: '^(analysis|user|recommendations|config|session):(\\*|[0-9a-f]{64}\\*?)$', description: '`analysis:*`, `analysis:<image_hash>`, `user:*` …' }) });
  const invalidationResponses = { 200: CompatInvalidation, ...problemResponses(400, 401, 403, 429) };
  for (const method of ['POST', 'DELETE'] as const) {
    route(
      app,
      method,
      '/api/v1/cache/invalidate/:namespace',
      'secret',
      { schema: { tags, summary: "The older cache invalidation: drop the tenant's cached analyses (`analysis` or `all`); the older backend's other namespaces hold nothing here", params: Namespace, response: invalidationResponses } },
      async (req, _reply, p) => invalidate(p.tenantId, (req.params as { namespace: (typeof COMPAT_CACHE_NAMESPACES)[number] }).namespace),
    );
    route(
      app,
      method,
      '/api/v1/cache/invalidate/analysis/:image_hash',
      'secret',
      { schema: { tags, summary: "Drop the tenant's cached analyses of one photo (its `image_hash`)", params: ImageHash, response: invalidationResponses } },
      async (req, _reply, p) => invalidate(p.tenantId, 'analysis', (req.params as { image_hash: string }).image_hash),
    );
  }
  route(
    app,
    'DELETE',
    '/api/v1/cache/keys/:pattern',
    'secret',
    { schema: { tags, summary: 'The older key-pattern delete (`analysis:*`, `analysis:<image_hash>`): the same as the invalidation paths, for the tenant', params: Pattern, response: invalidationResponses } },
    async (req, _reply, p) => {
      const [ns, rest] = (req.params as { pattern: string }).pattern.split(':') as [(typeof COMPAT_CACHE_NAMESPACES)[number], string];
      const hash = rest.replace(/\*$/, '');
      return invalidate(p.tenantId, ns, ns === 'analysis' && hash ? hash : undefined);
    },
  );
}
