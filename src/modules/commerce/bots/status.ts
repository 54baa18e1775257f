/**
 * `GET /v1/bots/:id/status` (per connection: its state, its breaker, its health from recent
 * traffic — sends ok and failed in the last N minutes, the last error — and, with `?probe=true`, a
 * live health call) and `GET /v1/bots/:id/qr` (pairing a linked device: a QR string and PNG, or a
 * pairing code with `?phone=`).
 */
import { AppError } from '../../../platform/errors.js';
import { IdParam, problemResponses } from '../../../../contracts/common.js';
import { BotQr, BotQrQuery, BotStatus, BotStatusQuery } from '../../../../contracts/commerce.js';
import type { App } from '../../../platform/http/types.js';
import type { CommerceCore } from '../core.js';
import { convRepo } from '../conversations/index.js';
import { tenantOf } from './routes.js';

const tags = ['commerce'];
const BotParams = IdParam('id', 'bot');
type Breaker = 'closed' | 'open' | 'half_open' | 'isolated';

export function createBotStatus(core: CommerceCore, breakerState: (connectionId: string) => string) {
  return {
    async status(tenantId: string, botId: string, q: { probe?: boolean | undefined; window_minutes: number }) {
      await core.bots.getBot(tenantId, botId);
      const conns = await core.bots.connectionsOf(tenantId, botId);
      const since = new Date(core.now().getTime() - q.window_minutes * 60_000);
      return {
        bot_id: botId,
        connections: await Promise.all(
          conns.map(async (c) => {
            const traffic = await convRepo.trafficOf(core.db, tenantId, c.id, since);
            let probe = null;
            const driver = core.registry.get(c.provider);
            if (q.probe && c.enabled && driver) {
              try {
                const h = await driver.health(core.bots.contextOf(c), AbortSignal.timeout(10_000));
                probe = { ok: h.ok, latency_ms: h.latencyMs, detail: h.detail ?? null };
              } catch (e) {
                probe = { ok: false, latency_ms: 0, detail: (e as Error).message.slice(0, 200) };
              }
            }
            return {
              id: c.id,
              provider: c.provider,
              enabled: c.enabled,
              unofficial: core.bots.isUnofficial(c.provider),
              state: c.state,
              breaker: breakerState(c.id) as Breaker,
              traffic: { window_minutes: q.window_minutes, sent: traffic.sent, failed: traffic.failed, last_error: c.lastError, last_error_at: c.lastErrorAt?.toISOString() ?? null },
              probe,
            };
          }),
        ),
      };
    },

    async qr(tenantId: string, botId: string, q: { connection_id?: string | undefined; phone?: string | undefined }) {
      await core.bots.getBot(tenantId, botId);
      const conns = await core.bots.connectionsOf(tenantId, botId);
      const conn = q.connection_id ? conns.find((c) => c.id === q.connection_id) : conns.find((c) => core.registry.get(c.provider)?.connect);
      if (q.connection_id && !conn) throw new AppError('CONNECTION_NOT_FOUND', `Connection ${q.connection_id} not found on bot ${botId}.`);
      const driver = conn ? core.registry.get(conn.provider) : undefined;
      if (!conn || !driver?.connect) throw new AppError('CONNECTION_NOT_LINKABLE', `Bot ${botId} has no connection that pairs by QR code (baileys, evolution).`);
      const r = await driver.connect(core.bots.contextOf(conn), { pairingPhone: q.phone, signal: AbortSignal.timeout(30_000) });
      return {
        connection_id: conn.id,
        provider: conn.provider,
        unofficial: core.bots.isUnofficial(conn.provider),
        state: r.state,
        qr: r.qr ?? null,
        qr_png: r.qr ? await (await import('qrcode')).default.toDataURL(r.qr, { margin: 1, width: 300 }) : null, // qrcode loads on first use
        pairing_code: r.pairingCode ?? null,
      };
    },
  };
}

export type BotStatusService = ReturnType<typeof createBotStatus>;

export function botStatusRoutes(app: App, { core, breakerState }: { core: CommerceCore; breakerState: (connectionId: string) => string }) {
  const svc = createBotStatus(core, breakerState);
  app.get(
    '/v1/bots/:id/status',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Per connection: state, breaker, health from recent traffic, and with ?probe=true a live health check', params: BotParams, querystring: BotStatusQuery, response: { 200: BotStatus, ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (req) => svc.status(tenantOf(req), req.params.id, req.query),
  );
  app.get(
    '/v1/bots/:id/qr',
    {
      config: { auth: 'tenant' },
      schema: { tags, summary: 'Pair a linked device (Baileys, unofficial; Evolution): a QR string and PNG, or a pairing code with ?phone=', params: BotParams, querystring: BotQrQuery, response: { 200: BotQr, ...problemResponses(400, 401, 403, 404, 422, 429) } },
    },
    async (req) => svc.qr(tenantOf(req), req.params.id, req.query),
  );
  return svc;
}
