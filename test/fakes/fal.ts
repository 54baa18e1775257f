/**
 * A fake fal.ai queue (docs.fal.ai/model-apis/model-endpoints/queue). Submit at the full model id;
 * status/result/cancel only under `{owner}/{alias}` (the first two segments), as fal documents —
 * a request under the full nested id is answered 404, so an adapter that builds it wrongly fails.
 * Auth `Authorization: Key <key>`. Error shapes: model errors `{detail: [{loc, msg, type, input}]}`,
 * request errors `{detail, error_type}` + `X-Fal-Error-Type`.
 * Image generation models (fal-ai/nano-banana[/edit], fal-ai/flux/dev[/image-to-image]) check their
 * documented input at submit (422 with the missing or wrong field, as fal's schema validation
 * answers) and answer in their output shapes; the `nsfw` provider_error code makes FLUX's safety
 * checker flag the image (`has_nsfw_concepts: [true]`).
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

  /** The documented input of the generation models: the field a real endpoint would refuse, if any. */
  function invalidInput(model: string, input: Record<string, unknown>): { loc: string[]; msg: string; type: string } | undefined {
    const missing = (field: string) => ({ loc: ['body', field], msg: 'Field required', type: 'missing' });
    const RATIOS = ['21:9', '16:9', '3:2', '4:3', '5:4', '1:1', '4:5', '3:4', '2:3', '9:16', 'auto'];
    if (!/^fal-ai\/(nano-banana|flux\/dev)/.test(model)) return undefined;
    if (typeof input.prompt !== 'string' || !input.prompt) return missing('prompt');
    if (model === 'fal-ai/nano-banana/edit') {
      if (!Array.isArray(input.image_urls) || input.image_urls.length === 0) return missing('image_urls');
    } else if (model === 'fal-ai/nano-banana') {
      if ('image_urls' in input) return { loc: ['body', 'image_urls'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' };
    }
    if (model.startsWith('fal-ai/nano-banana') && input.aspect_ratio !== undefined && !RATIOS.includes(String(input.aspect_ratio))) {
      return { loc: ['body', 'aspect_ratio'], msg: `Input should be ${RATIOS.join(', ')}`, type: 'enum' };
    }
    if (model === 'fal-ai/flux/dev/image-to-image' && typeof input.image_url !== 'string') return missing('image_url');
    if (model === 'fal-ai/flux/dev' && input.image_size !== undefined) {
      const size = input.image_size as { width?: unknown; height?: unknown };
      if (typeof size !== 'object' || !Number.isInteger(size.width) || !Number.isInteger(size.height)) return { loc: ['body', 'image_size'], msg: 'Input should be a valid image size', type: 'value_error' };
    }
    return undefined;
  }

  function submit(req: RecordedRequest, res: ServerResponse) {
    const model = req.path.slice(1);
    const bad = invalidInput(model, (req.body ?? {}) as Record<string, unknown>);
    if (bad) return sendJson(res, 422, { detail: [{ ...bad, input: null }] });
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
      if (job.scenario.kind === 'provider_error' && job.scenario.code === 'nsfw' && job.model.startsWith('fal-ai/flux')) {
        const name = `${job.id}.png`;
        files.set(name, { bytes: fake.outputImage, type: 'image/png' });
        return sendJson(res, 200, { images: [{ url: `${fake.url}/files/${name}`, content_type: 'image/png', width: 1, height: 1 }], has_nsfw_concepts: [true], seed: 7, prompt: '' });
      }
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
      if (job.model.includes('kling')) return sendJson(res, 200, { image: file });
      if (job.model.startsWith('fal-ai/nano-banana')) return sendJson(res, 200, { images: [file], description: 'Here is the image you asked for.' });
      if (job.model.startsWith('fal-ai/flux')) return sendJson(res, 200, { images: [file], has_nsfw_concepts: [false], seed: 1234, prompt: String((job.input as { prompt?: unknown })?.prompt ?? ''), timings: { inference: 1.2 } });
      return sendJson(res, 200, { images: [file], metrics: { inference_time: 1.5 } });
    }
    sendJson(res, 405, { detail: 'Method not allowed' });
  }, files);

  fake = Object.assign(base, { jobs, apiKey: opts.apiKey ?? 'fal-test-key', outputImage: opts.outputImage ?? TINY_PNG });
  return fake;
}
