/**
 * A fake Replicate HTTP API (replicate.com/docs/reference/http): predictions for official models
 * (`/v1/models/{owner}/{name}/predictions`) and pinned versions (`/v1/predictions` + `version`),
 * polling, cancel, `/v1/account`, and the files API. Auth `Authorization: Bearer <token>`.
 * Errors in Replicate's shape `{title, detail, status}`; failed predictions carry `error` (a string).
 */
import type { ServerResponse } from 'node:http';
import { fakeId, sendJson, startFake, TINY_PNG, type FakeBase, type FakeScenario, type RecordedRequest } from './fake-server.js';

type Prediction = { id: string; model: string; version: string | undefined; input: unknown; scenario: FakeScenario; polls: number; canceled: boolean; createdAt: string };

export type FakeReplicate = FakeBase & {
  apiKey: string;
  outputImage: Buffer;
  predictions: Map<string, Prediction>;
  /** Files uploaded and not deleted yet. */
  files: Map<string, { bytes: Buffer; type: string }>;
};

export async function startFakeReplicate(opts: { apiKey?: string; outputImage?: Buffer } = {}): Promise<FakeReplicate> {
  const served = new Map<string, { bytes: Buffer; type: string }>();
  const uploads = new Map<string, { bytes: Buffer; type: string }>();
  const predictions = new Map<string, Prediction>();
  // eslint-disable-next-line prefer-const -- assigned once the server is up; the routes run later
  let fake: FakeReplicate & { nextScenario: () => FakeScenario };

  function statusOf(p: Prediction): string {
    const s = p.scenario;
    if (p.canceled) return 'canceled';
    if (p.polls === 0) return 'starting';
    if (s.kind === 'slow') return 'processing';
    if (s.kind === 'provider_error') return 'failed';
    if (s.kind === 'queued') {
      if (p.polls <= s.positions.length) return 'starting';
      if (p.polls === s.positions.length + 1) return 'processing';
    }
    return 'succeeded';
  }

  function view(p: Prediction) {
    const status = statusOf(p);
    const get = `${fake.url}/v1/predictions/${p.id}`;
    let output: string | null = null;
    if (status === 'succeeded') {
      served.set(`${p.id}.jpg`, { bytes: fake.outputImage, type: 'image/jpeg' });
      output = `${fake.url}/files/${p.id}.jpg`;
    }
    const message = p.scenario.kind === 'provider_error' ? (p.scenario.message ?? 'NSFW content detected in the output image. Try running it again, or try a different input.') : null;
    return {
      id: p.id, model: p.model, version: p.version ?? 'hidden', input: p.input, logs: '', output,
      error: status === 'failed' ? message : null, status, data_removed: false, created_at: p.createdAt,
      started_at: status === 'starting' ? null : p.createdAt, completed_at: ['succeeded', 'failed', 'canceled'].includes(status) ? p.createdAt : null,
      urls: { get, cancel: `${get}/cancel`, web: `https://replicate.example/p/${p.id}` },
      ...(status === 'succeeded' ? { metrics: { predict_time: 1.25 } } : {}),
    };
  }

  function create(req: RecordedRequest, res: ServerResponse, model: string) {
    const scenario = fake.nextScenario();
    if (scenario.kind === 'rate_limited') {
      const detail = `Request was throttled. Expected available in ${scenario.retryAfterSeconds} seconds.`;
      return sendJson(res, 429, { title: 'Request was throttled.', detail, status: 429 }, { 'retry-after': String(scenario.retryAfterSeconds) });
    }
    if (scenario.kind === 'server_error') return sendJson(res, scenario.status, { title: 'Internal Server Error', detail: 'Something went wrong', status: scenario.status });
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.input !== 'object' || b.input === null) return sendJson(res, 422, { title: 'Input validation failed', detail: 'input is required', status: 422 });
    if (model === '' && typeof b.version !== 'string') return sendJson(res, 422, { title: 'Invalid version or not permitted', detail: 'version is required', status: 422 });
    const p: Prediction = { id: fakeId('p'), model: model || 'community/model', version: b.version as string | undefined, input: b.input, scenario, polls: 0, canceled: false, createdAt: new Date().toISOString() };
    predictions.set(p.id, p);
    sendJson(res, 201, view(p));
  }

  const base = await startFake(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${fake.apiKey}`) {
      return sendJson(res, 401, { title: 'Unauthenticated', detail: 'You did not pass a valid authentication token', status: 401 });
    }
    if (req.method === 'GET' && req.path === '/v1/account') return sendJson(res, 200, { type: 'user', username: 'fake', name: 'Fake User', github_url: null });
    if (req.method === 'POST' && req.path === '/v1/files') {
      const form = req.body as FormData;
      const content = form.get('content');
      if (!(content instanceof Blob)) return sendJson(res, 400, { title: 'Bad request', detail: 'content is required', status: 400 });
      const id = fakeId('f');
      uploads.set(id, { bytes: Buffer.from(await content.arrayBuffer()), type: content.type });
      return sendJson(res, 201, {
        id, name: content instanceof File ? content.name : 'blob', content_type: content.type, size: content.size, etag: id, checksums: {}, metadata: {},
        created_at: new Date().toISOString(), expires_at: null, urls: { get: `${fake.url}/v1/files/${id}` },
      });
    }
    const file = /^\/v1\/files\/([^/]+)$/.exec(req.path);
    if (file && req.method === 'DELETE') {
      uploads.delete(file[1]!);
      res.writeHead(204).end();
      return;
    }
    const official = /^\/v1\/models\/([^/]+\/[^/]+)\/predictions$/.exec(req.path);
    if (official && req.method === 'POST') return create(req, res, official[1]!);
    if (req.path === '/v1/predictions' && req.method === 'POST') return create(req, res, '');
    const pm = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(req.path);
    const p = pm ? predictions.get(pm[1]!) : undefined;
    if (!pm || !p) return sendJson(res, 404, { title: 'Not found', detail: 'Not found.', status: 404 });
    if (pm[2] && req.method === 'POST') {
      if (!['succeeded', 'failed'].includes(statusOf(p))) p.canceled = true;
      return sendJson(res, 200, view(p));
    }
    if (!pm[2] && req.method === 'GET') {
      p.polls += 1;
      return sendJson(res, 200, view(p));
    }
    sendJson(res, 405, { title: 'Method not allowed', detail: 'Method not allowed', status: 405 });
  }, served);

  fake = Object.assign(base, { predictions, files: uploads, apiKey: opts.apiKey ?? 'r8_test_token', outputImage: opts.outputImage ?? TINY_PNG });
  return fake;
}
