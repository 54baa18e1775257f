/**
 * Bot analytics API, for a store's secret keys and its dashboard users (operators name the tenant
 * in `probador-tenant`), like the try-on analytics: `GET /v1/bots/analytics` (messages, error rate
 * per provider, response time, conversion), `GET /v1/flows/analytics` (every flow's sessions) and
 * `GET /v1/flows/:flow_id/analytics` (drop-off and completion per step). Each answers JSON, or CSV
 * with `Accept: text/csv` / `?format=csv`. Another store's bot or flow is 404.
 */
import Type, { type TSchema } from 'typebox';
import { and, eq } from 'drizzle-orm';
import { IdParam, problemResponses } from '../../../../contracts/common.js';
import { BotAnalytics, BotAnalyticsQuery, FlowAnalytics, FlowAnalyticsList, FlowAnalyticsListQuery, FlowAnalyticsQuery, type TBotAnalyticsQuery } from '../../../../contracts/bot-analytics.js';
import { AppError } from '../../../platform/errors.js';
import type { App } from '../../../platform/http/types.js';
import type { Db } from '../../../platform/db/client.js';
import type { Clock } from '../../../platform/clock.js';
import { resolveRange, sendCsv, wantsCsv } from '../../analytics/index.js';
import { tenantOf } from '../bots/index.js';
import { bots } from '../tables.js';
import { botAnalytics } from './queries.js';
import { flowAnalytics, flowAnalyticsList } from './flow-queries.js';

const tags = ['commerce'];
const csvOr = (json: TSchema) => ({ content: { 'application/json': { schema: json }, 'text/csv': { schema: Type.String() } } });
const FlowParams = IdParam('flow_id', 'flw');
const MESSAGE_COLUMNS = ['messages_in', 'messages_out', 'out_failed', 'error_rate', 'replies', 'response_p50_ms', 'response_p95_ms', 'response_avg_ms'] as const;

async function assertBot(db: Db, tenantId: string, botId: string) {
  const [row] = await db.select({ id: bots.id }).from(bots).where(and(eq(bots.tenantId, tenantId), eq(bots.id, botId)));
  if (!row) throw new AppError('BOT_NOT_FOUND');
}

export function botAnalyticsRoutes(app: App, { db, clock }: { db: Db; clock: Clock }) {
  app.get(
    '/v1/bots/analytics',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Bot figures per hour/day: messages in and out, failures and error rate per provider, response time p50/p95, conversations and conversion to orders',
        querystring: BotAnalyticsQuery,
        response: { 200: csvOr(BotAnalytics), ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const tenantId = tenantOf(req);
      const q = req.query as TBotAnalyticsQuery;
      if (q.bot_id) await assertBot(db, tenantId, q.bot_id);
      const r = await botAnalytics(db, tenantId, q.bot_id ?? null, resolveRange(q, clock.now()));
      if (!wantsCsv(req)) return r;
      if (q.breakdown === 'provider') return sendCsv(reply, 'bot-analytics-providers', ['t', 'provider', ...MESSAGE_COLUMNS], r.byPointProvider.map((p) => [p.t, p.provider, ...MESSAGE_COLUMNS.map((c) => p[c])]));
      return sendCsv(
        reply,
        'bot-analytics',
        ['t', ...MESSAGE_COLUMNS, 'conversations', 'converted', 'conversion_rate'],
        r.points.map((p) => [p.t, ...MESSAGE_COLUMNS.map((c) => p[c]), p.conversations, p.converted, p.conversion_rate]),
      );
    },
  );

  app.get(
    '/v1/flows/analytics',
    {
      config: { auth: 'tenant' },
      schema: { tags, operationId: 'flows.analytics.list', summary: 'Every flow with its sessions: completed, dropped off, handed over, active (for the version its report defaults to)', querystring: FlowAnalyticsListQuery, response: { 200: csvOr(FlowAnalyticsList), ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (req, reply) => {
      const tenantId = tenantOf(req);
      if (req.query.bot_id) await assertBot(db, tenantId, req.query.bot_id);
      const r = await flowAnalyticsList(db, tenantId, { botId: req.query.bot_id, period: req.query.period }, clock.now());
      if (!wantsCsv(req)) return r;
      return sendCsv(
        reply,
        'flows',
        ['flow_id', 'name', 'bot_id', 'version', 'sessions', 'completed', 'dropped_off', 'handed_over', 'active', 'completion_rate'],
        r.data.map((f) => [f.flow_id, f.name, f.bot_id, f.version, f.sessions, f.completed, f.dropped_off, f.handed_over, f.active, f.completion_rate]),
      );
    },
  );

  app.get(
    '/v1/flows/:flow_id/analytics',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Drop-off and completion per step of a flow version (exact counts from its sessions)',
        params: FlowParams,
        querystring: FlowAnalyticsQuery,
        response: { 200: csvOr(FlowAnalytics), ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const r = await flowAnalytics(db, tenantOf(req), req.params.flow_id, { version: req.query.version, period: req.query.period }, clock.now());
      if (!wantsCsv(req)) return r;
      return sendCsv(
        reply,
        `flow-${r.flow_id}-v${r.version ?? 0}`,
        ['step_id', 'type', 'title', 'reached', 'dropped_off', 'drop_off_rate', 'handed_over', 'active', 'completed', 'completion_rate'],
        r.steps.map((s) => [s.step_id, s.type, s.title, s.reached, s.dropped_off, s.drop_off_rate, s.handed_over, s.active, s.completed, s.completion_rate]),
      );
    },
  );
}
