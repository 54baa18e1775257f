/**
 * A fake FASHN API (docs.fashn.ai): `POST /v1/run` → `{id, error}`, `GET /v1/status/{id}` →
 * `{id, status, output, error: {name, message}}`, `GET /v1/credits`. Auth `Bearer`. API-level
 * errors `{error: "<Name>", message}`. Outputs are CDN URLs, or base64 when `return_base64` is set
 * (with a `data:` prefix unless `bareBase64` is on). Completed polls carry `x-fashn-credits-used`.
 * FASHN has no queue positions and no cancel endpoint.
 */
import { fakeId, sendJson, startFake, TINY_PNG, type FakeBase, type FakeScenario } from './fake-server.js';

type Prediction = { id: string; model: string; inputs: Record<string, unknown>; scenario: FakeScenario; polls: number };

export type FakeFashn = FakeBase & {
  apiKey: string;
  outputImage: Buffer;
  credits: number;
  /** Return base64 outputs without the `data:image/…;base64,` prefix. */
  bareBase64: boolean;
  predictions: Map<string, Prediction>;
};

export async function startFakeFashn(opts: { apiKey?: string; outputImage?: Buffer } = {}): Promise<FakeFashn> {
  const served = new Map<string, { bytes: Buffer; type: string }>();
  const predictions = new Map<string, Prediction>();
  // eslint-disable-next-line prefer-const -- assigned once the server is up; the routes run later
  let fake: FakeFashn & { nextScenario: () => FakeScenario };

  function statusOf(p: Prediction): string {
    const s = p.scenario;
    if (s.kind === 'slow') return p.polls === 1 ? 'starting' : 'processing';
    if (s.kind === 'provider_error') return 'failed';
    if (s.kind === 'queued') {
      if (p.polls <= s.positions.length) return 'in_queue';
      if (p.polls === s.positions.length + 1) return 'processing';
    }
    return 'completed';
  }

  const base = await startFake((req, res) => {
    if (req.headers.authorization !== `Bearer ${fake.apiKey}`) return sendJson(res, 401, { error: 'UnauthorizedAccess', message: 'Unauthorized: Invalid token' });
    if (req.method === 'GET' && req.path === '/v1/credits') {
      return sendJson(res, 200, { credits: { total: fake.credits, subscription: Math.min(fake.credits, 100), on_demand: Math.max(0, fake.credits - 100) } });
    }
    if (req.method === 'POST' && req.path === '/v1/run') {
      const scenario = fake.nextScenario();
      if (scenario.kind === 'rate_limited') {
        const name = scenario.code ?? 'RateLimitExceeded';
        const message = name === 'OutOfCredits' ? 'You have run out of API credits' : 'Too many requests, please slow down';
        return sendJson(res, 429, { error: name, message }, { 'retry-after': String(scenario.retryAfterSeconds) });
      }
      if (scenario.kind === 'server_error') return sendJson(res, scenario.status, { error: 'InternalServerError', message: 'Internal server error' });
      const b = (req.body ?? {}) as { model_name?: unknown; inputs?: Record<string, unknown> };
      if (typeof b.model_name !== 'string' || typeof b.inputs !== 'object' || !b.inputs?.model_image || !b.inputs.garment_image) {
        return sendJson(res, 400, { error: 'BadRequest', message: 'model_name and inputs.model_image, inputs.garment_image are required' });
      }
      const p: Prediction = { id: `${fakeId()}-u1`, model: b.model_name, inputs: b.inputs, scenario, polls: 0 };
      predictions.set(p.id, p);
      return sendJson(res, 200, { id: p.id, error: null });
    }
    const m = /^\/v1\/status\/([^/]+)$/.exec(req.path);
    const p = m && req.method === 'GET' ? predictions.get(m[1]!) : undefined;
    if (!p) return sendJson(res, 404, { error: 'NotFound', message: 'Prediction not found' });
    p.polls += 1;
    const status = statusOf(p);
    if (status === 'failed') {
      const name = p.scenario.kind === 'provider_error' ? (p.scenario.code ?? 'ContentModerationError') : 'PipelineError';
      const message = p.scenario.kind === 'provider_error' && p.scenario.message ? p.scenario.message : 'Prohibited content detected in the model image.';
      return sendJson(res, 200, { id: p.id, status, output: null, error: { name, message } });
    }
    if (status !== 'completed') return sendJson(res, 200, { id: p.id, status, output: null, error: null });
    let output: string;
    if (p.inputs.return_base64) {
      output = `${fake.bareBase64 ? '' : 'data:image/png;base64,'}${fake.outputImage.toString('base64')}`;
    } else {
      served.set(`${p.id}.png`, { bytes: fake.outputImage, type: 'image/png' });
      output = `${fake.url}/files/${p.id}.png`;
    }
    sendJson(res, 200, { id: p.id, status, output: [output], error: null }, { 'x-fashn-credits-used': '1' });
  }, served);

  fake = Object.assign(base, { predictions, apiKey: opts.apiKey ?? 'fa-test-key', outputImage: opts.outputImage ?? TINY_PNG, credits: 234, bareBase64: false });
  return fake;
}
