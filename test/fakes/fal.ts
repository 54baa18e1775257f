/**
 * A fake fal.ai queue (docs.fal.ai/model-apis/model-endpoints/queue). Submit at the full model id;
 * status/result/cancel only under `{owner}/{alias}` (the first two segments), as fal documents —
 * a request under the full nested id is answered 404, so an adapter that builds it wrongly fails.
 * Auth `Authorization: Key <key>`. Error shapes: model errors `{detail: [{loc, msg, type, input}]}`,
 * request errors `{detail, error_type}` + `X-Fal-Error-Type`.
 */
import type { ServerResponse } from 'node:http';
import { fakeId, sendJson, startFake, TINY_PNG, type FakeBase, type FakeScenario, type RecordedRequest } from './fake-server.js';

type Job = { id: string; model: string; app: string; scenario: FakeScenario; polls: number; canceled: boolean; input: unknown };

export type FakeFal = FakeBase & { apiKey: string; outputImage: Buffer; jobs: Map<string, Job> };

export async function startFakeFal(opts: { apiKey?: string; outputImage?: Buffer } = {}): Promise<FakeFal> {
  const files = new Map<string, { bytes: Buffer; type: string }>();
  const jobs = new Map<string, Job>();
  // eslint-disable-next-line prefer-const -- assigned once the server is up; the routes run later
  let fake: FakeFal & { nextScenario: () => FakeScenario };

  const urls = (job: Job) => {
    const r = `${fake.url}/${job.app}/requests/${job.id}`;
    return { request_id: job.id, response_url: r, status_url: `${r}/status`, cancel_url: `${r}/cancel` };
  };

  function statusOf(job: Job): { status: string; queue_position?: number } {
    const s = job.scenario;
    if (job.canceled) return { status: 'COMPLETED' };
    if (s.kind === 'slow') return { status: 'IN_PROGRESS' };
    if (s.kind === 'queued') {
      if (job.polls <= s.positions.length) return { status: 'IN_QUEUE', queue_position: s.positions[job.polls - 1]! };
      if (job.polls === s.positions.length + 1) return { status: 'IN_PROGRESS' };
    }
    return { status: 'COMPLETED' };
  }

  function submit(req: RecordedRequest, res: ServerResponse) {
    const model = req.path.slice(1);
    const scenario = fake.nextScenario();
    if (scenario.kind === 'rate_limited') return sendJson(res, 429, { detail: 'Too many concurrent requests' }, { 'retry-after': String(scenario.retryAfterSeconds) });
    if (scenario.kind === 'server_error') {
      const errorType = scenario.status === 503 ? 'runner_scheduling_failure' : 'internal_error';
      return sendJson(res, scenario.status, { detail: 'The request could not be processed', error_type: errorType }, { 'x-fal-error-type': errorType });
    }
    const job: Job = { id: fakeId('req-'), model, app: model.split('/').slice(0, 2).join('/'), scenario, polls: 0, canceled: false, input: req.body };
    jobs.set(job.id, job);
    sendJson(res, 200, { status: 'IN_QUEUE', queue_position: 0, ...urls(job) });
  }

  const base = await startFake((req, res) => {
    if (req.headers.authorization !== `Key ${fake.apiKey}`) return sendJson(res, 401, { detail: 'Invalid API key' });
    const m = /^\/([^/]+\/[^/]+)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(req.path);
    if (!m) {
      if (req.method === 'POST') return submit(req, res);
      return sendJson(res, 404, { detail: 'Not found' });
    }
    const [, app, id, suffix] = m;
    const job = jobs.get(id!);
    if (!job || job.app !== app) return sendJson(res, 404, { detail: 'Request not found' });
    if (suffix === '/cancel' && req.method === 'PUT') {
      job.canceled = true;
      return sendJson(res, 202, { status: 'CANCELLATION_REQUESTED' });
    }
    if (suffix === '/status' && req.method === 'GET') {
      job.polls += 1;
      return sendJson(res, 200, { ...statusOf(job), ...urls(job), logs: [] });
    }
    if (!suffix && req.method === 'GET') {
      if (statusOf(job).status !== 'COMPLETED') return sendJson(res, 400, { detail: 'Request is still in progress' });
      if (job.canceled) return sendJson(res, 400, { detail: 'Request was cancelled' });
      if (job.scenario.kind === 'provider_error') {
        const input = (job.input ?? {}) as Record<string, unknown>;
        const type = job.scenario.code ?? 'content_policy_violation';
        return sendJson(res, 422, {
          detail: [{ loc: ['body', 'model_image'], msg: job.scenario.message ?? 'The content was flagged by a content checker.', type, input: input.model_image ?? input.human_image_url }],
        }, { 'x-fal-retryable': 'false' });
      }
      const name = `${job.id}.png`;
      files.set(name, { bytes: fake.outputImage, type: 'image/png' });
      const file = { url: `${fake.url}/files/${name}`, content_type: 'image/png', file_name: name, file_size: fake.outputImage.length, width: 1, height: 1 };
      return sendJson(res, 200, job.model.includes('kling') ? { image: file } : { images: [file], metrics: { inference_time: 1.5 } });
    }
    sendJson(res, 405, { detail: 'Method not allowed' });
  }, files);

  fake = Object.assign(base, { jobs, apiKey: opts.apiKey ?? 'fal-test-key', outputImage: opts.outputImage ?? TINY_PNG });
  return fake;
}
