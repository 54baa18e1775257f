/**
 * The older Tryon Backend's API, served over the generation module so that one of its clients only
 * changes its base URL (and uses the key it is given, in the same `x-client-key` header):
 *
 *   POST /generate              → POST /v1/generations, then waits on the bus up to
 *                                 PROBADOR_GENERATION_COMPAT_WAIT_MS: 200 with the finished record,
 *                                 or 202 with its id and status (poll GET /generate/:id)
 *   GET  /generate/:id          → the record
 *   GET  /metrics               → with `x-client-key`: the client's own figures; without it the
 *                                 route is Prometheus as before (platform/http/health.ts)
 *   GET  /metrics/client/:id    → a client's figures: a key sees only its own tenant (others 404),
 *                                 an operator (Bearer JWT) any tenant
 *
 * Every answer is `{success, data, error, timestamp}`, errors too (envelope.ts).
 */
import Type from 'typebox';
import { LegacyEnvelope, LegacyGenerateBody } from '../../../../contracts/generations.js';
import { AppError } from '../../../platform/errors.js';
import type { App } from '../../../platform/http/types.js';
import type { Db } from '../../../platform/db/client.js';
import type { Clock } from '../../../platform/clock.js';
import type { Config } from '../../../config.js';
import type { GenerationService } from '../service.js';
import type { GenerationPorts } from '../ports.js';
import { callerOf, generationBodyLimit } from '../routes.js';
import { ok, registerEnvelopeErrors, sendEnvelopeFailure } from './envelope.js';
import { legacyRecord, toGenerationBody } from './mapping.js';
import { generationFigures } from './figures.js';

const tags = ['tryon-backend (compatibility)'];
const responses = { 200: LegacyEnvelope, 202: LegacyEnvelope };
/** The older ids were free text (`client_001`); anything id-like is looked up, the rest is 404 too. */
const ClientParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const GenerateParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/**
 * How a generation that ended without an image is answered: 422 when the input was refused
 * (content policy, a bad reference), 410 when a reference image was gone, 409 when it was
 * canceled, 502 when the providers failed. `code` is the generation's own error code.
 */
function failureStatus(status: string, errorCode: string | null): number {
  if (status === 'canceled') return 409;
  if (errorCode === 'CONTENT_REFUSED' || errorCode === 'INPUT_REFUSED') return 422;
  if (errorCode === 'INPUT_GONE') return 410;
  return 502;
}

/**
 * A constraint on the `x-client-key` header, so the older API's `GET /metrics` (with the header)
 * and the Prometheus `GET /metrics` (without) are two routes on one path. Derived per request only
 * once a route uses it (find-my-way builds its deriver from the strategies in use).
 */
function registerClientKeyConstraint(app: App) {
  if (app.hasConstraintStrategy('clientKey')) return;
  app.addConstraintStrategy({
    name: 'clientKey',
    storage() {
      const handlers = new Map<string, unknown>();
      return { get: (k: string) => (handlers.get(k) ?? null) as never, set: (k: string, v: unknown) => void handlers.set(k, v) };
    },
    deriveConstraint: (req: { headers: Record<string, unknown> }) => (req.headers['x-client-key'] === undefined ? undefined : 'present') as never,
    mustMatchWhenDerived: false,
  });
}

export function compatRoutes(app: App, deps: { svc: GenerationService; ports: GenerationPorts; config: Config; db: Db; clock: Clock }) {
  const { svc, ports, config, db, clock } = deps;
  const now = () => clock.now();
  registerClientKeyConstraint(app);

  async function figures(tenantId: string, extra: Record<string, unknown>) {
    const name = await ports.tenantName(tenantId);
    if (name === undefined) throw new AppError('TENANT_NOT_FOUND', `Client ${tenantId} not found.`);
    return {
      clientId: tenantId,
      clientName: name,
      ...extra,
      ...(await generationFigures(db, tenantId)),
      tryons: ports.tryonSummary ? await ports.tryonSummary(tenantId) : null,
    };
  }

  void app.register(async (scope: App) => {
    registerEnvelopeErrors(scope, now);

    scope.post(
      '/generate',
      {
        config: { auth: 'secret' },
        bodyLimit: generationBodyLimit(config),
        schema: {
          tags,
          summary: 'The older POST /generate: a prompt (+ service, model, width, height, reference images). 200 with the image when it is ready within the wait, else 202 with the id',
          body: LegacyGenerateBody,
          response: responses,
        },
      },
      async (req, reply) => {
        const c = callerOf(req, ports);
        const created = await svc.create(c, toGenerationBody(req.body), 'compat');
        const row = await svc.waitForFinal(c.tenantId, created.id, config.generation.compatWaitMs);
        const data = legacyRecord(await svc.present(row, c.intake.baseUrl, false), c.tenantId);
        if (row.status === 'queued' || row.status === 'processing') return reply.code(202).header('location', `/generate/${row.id}`).send(ok(data, now()));
        if (row.status === 'succeeded') return reply.code(200).send(ok(data, now()));
        // Finished without an image: the record, and the status of what went wrong.
        const failure = { status: failureStatus(row.status, row.errorCode), code: row.errorCode ?? row.status.toUpperCase(), message: row.errorMessage ?? `The generation ended ${row.status}.` };
        return sendEnvelopeFailure(reply, req, failure, now(), data);
      },
    );

    scope.get(
      '/generate/:id',
      { config: { auth: 'secret' }, schema: { tags, summary: 'The older GET /generate/:id: one generation record', params: GenerateParams, response: responses } },
      async (req) => {
        const c = callerOf(req, ports);
        const row = await svc.getRow(c.tenantId, req.params.id);
        return ok(legacyRecord(await svc.present(row, c.intake.baseUrl, false), c.tenantId), now());
      },
    );

    scope.get(
      '/metrics',
      {
        constraints: { clientKey: 'present' },
        config: { auth: 'secret' },
        // Same path as the Prometheus route: kept out of the OpenAPI document (docs/compat/tryon-backend.md describes it).
        schema: { hide: true, response: responses },
      },
      async (req) => {
        const c = callerOf(req, ports);
        return ok(await figures(c.tenantId, { clientKeyId: c.keyId }), now());
      },
    );

    scope.get(
      '/metrics/client/:id',
      {
        config: { auth: 'tenant' },
        schema: { tags, summary: "The older GET /metrics/client/:id: a client's figures. A key sees its own tenant only; an operator any", params: ClientParams, response: responses },
      },
      async (req) => {
        const p = req.principal;
        const id = req.params.id;
        const mayRead = p?.kind === 'user' && p.role === 'operator' ? true : p?.tenantId === id;
        if (!mayRead) throw new AppError('TENANT_NOT_FOUND', `Client ${id} not found.`);
        return ok(await figures(id, {}), now());
      },
    );
  });
}
