/** `/v1/flows` (drafts, validation, versions, publish, rollback, the test run) and `/v1/flow-sessions`: secret keys or the dashboard's people; other tenants' ids answer 404. */
import Type from 'typebox';
import { IdParam, ListQuery, listOf, problemResponses, StringEnum } from '../../../../contracts/common.js';
import { CreateFlowBody, PatchFlowBody, RollbackFlowBody, TestFlowBody, TestFlowResult, ValidateFlowBody, ValidationResult } from '../../../../contracts/flows.js';
import type { App } from '../../../platform/http/types.js';
import { tenantOf } from '../bots/index.js';
import { presentSession, type FlowsService } from './service.js';
import type { createFlowTester } from './test-run.js';

const tags = ['commerce'];
const FlowParams = IdParam('flow_id', 'flw');
const VersionParams = Type.Object({ ...FlowParams.properties, version: Type.Integer({ minimum: 1 }) });
const SessionParams = IdParam('session_id', 'fls');
const FlowRef = Type.Ref('Flow');
const VersionRef = Type.Ref('FlowVersion');
const SessionRef = Type.Ref('FlowSession');
const FlowListQuery = Type.Object({ ...ListQuery.properties, bot_id: Type.Optional(Type.String({ pattern: '^bot_[0-9A-Za-z]{1,64}$' })) });
const VersionListQuery = Type.Object({ limit: ListQuery.properties.limit, starting_after: Type.Optional(Type.Integer({ minimum: 1, description: 'Cursor: the last version number of the previous page' })) });
const SessionListQuery = Type.Object({
  ...ListQuery.properties,
  conversation_id: Type.Optional(Type.String({ pattern: '^cnv_[0-9A-Za-z]{1,64}$' })),
  flow_id: Type.Optional(Type.String({ pattern: '^flw_[0-9A-Za-z]{1,64}$' })),
  status: Type.Optional(StringEnum(['active', 'completed', 'expired', 'exited', 'handed_over', 'failed'] as const)),
});

export function flowRoutes(app: App, { flows, test }: { flows: FlowsService; test: ReturnType<typeof createFlowTester> }) {
  app.post(
    '/v1/flows',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Create a flow: its name, the bot it drives (one flow per bot), and a draft definition (a greeting if none)',
        body: CreateFlowBody,
        response: { 201: FlowRef, ...problemResponses(400, 401, 403, 404, 409, 422, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await flows.create(tenantOf(req), req.body)),
  );

  app.get(
    '/v1/flows',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'List flows, oldest first', querystring: FlowListQuery, response: { 200: listOf(FlowRef), ...problemResponses(400, 401, 403, 429) } } },
    async (req) => {
      const page = await flows.list(tenantOf(req), req.query);
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );

  app.post(
    '/v1/flows/validate',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Check a definition without saving it: errors and warnings, each located by a JSON pointer', body: ValidateFlowBody, response: { 200: ValidationResult, ...problemResponses(400, 401, 403, 429) } },
    },
    async (req) => flows.validate(req.body.definition),
  );

  app.get(
    '/v1/flows/:flow_id',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Get a flow with its draft and the draft’s errors', params: FlowParams, response: { 200: FlowRef, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => flows.read(tenantOf(req), req.params.flow_id),
  );

  app.patch(
    '/v1/flows/:flow_id',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Change a flow: its name, its bot (null unbinds), its draft (saved even with errors; publish needs none)', params: FlowParams, body: PatchFlowBody, response: { 200: FlowRef, ...problemResponses(400, 401, 403, 404, 409, 422, 429) } },
    },
    async (req) => flows.patch(tenantOf(req), req.params.flow_id, req.body),
  );

  app.delete(
    '/v1/flows/:flow_id',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Delete a flow and its versions (its running sessions end; their conversations go to the inbox)', params: FlowParams, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req, reply) => {
      await flows.remove(tenantOf(req), req.params.flow_id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/flows/:flow_id/publish',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Publish the draft as the next version: new conversations run it (running ones keep theirs); 422 FLOW_INVALID lists the errors', params: FlowParams, response: { 200: FlowRef, ...problemResponses(400, 401, 403, 404, 422, 429) } },
    },
    async (req) => flows.publish(tenantOf(req), req.params.flow_id),
  );

  app.post(
    '/v1/flows/:flow_id/rollback',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Publish an earlier version again', params: FlowParams, body: RollbackFlowBody, response: { 200: FlowRef, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => flows.rollback(tenantOf(req), req.params.flow_id, req.body.version),
  );

  app.get(
    '/v1/flows/:flow_id/versions',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'The flow’s versions, newest first', params: FlowParams, querystring: VersionListQuery, response: { 200: listOf(VersionRef), ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => {
      const page = await flows.versions(tenantOf(req), req.params.flow_id, req.query);
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/flows/:flow_id/versions/:version',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'One version of a flow', params: VersionParams, response: { 200: VersionRef, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => flows.version(tenantOf(req), req.params.flow_id, req.params.version),
  );

  app.post(
    '/v1/flows/:flow_id/test',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Run a script of shopper inputs through the draft (or a version) and get the transcript; nothing is sent, no order is stored',
        params: FlowParams,
        body: TestFlowBody,
        response: { 200: TestFlowResult, ...problemResponses(400, 401, 403, 404, 413, 415, 422, 429) },
      },
      bodyLimit: 16 * 1024 * 1024,
    },
    async (req) => test(tenantOf(req), req.params.flow_id, req.body),
  );

  app.get(
    '/v1/flow-sessions',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'Flow sessions, newest first (by conversation, flow or status)', querystring: SessionListQuery, response: { 200: listOf(SessionRef), ...problemResponses(400, 401, 403, 429) } } },
    async (req) => {
      const page = await flows.sessions(tenantOf(req), req.query);
      return { object: 'list' as const, data: page.data.map(presentSession), has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/flow-sessions/:session_id',
    { config: { auth: 'tenant' }, schema: { tags, summary: 'A flow session: its step, variables and cart', params: SessionParams, response: { 200: SessionRef, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => presentSession(await flows.session(tenantOf(req), req.params.session_id)),
  );
}
