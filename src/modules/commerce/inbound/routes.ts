/**
 * `GET|POST /hooks/whatsapp/:connection_id`: where providers call in (no key: the provider's own
 * signature, checked by the driver on the raw body before anything is parsed or stored). Bodies
 * are kept raw (JSON, form, anything) up to 1 MB in this scope only. Then: the driver's parse,
 * the ledger (each event once) and a job per stored event, and the ack. Unknown connection → 404;
 * bad signature → 401/403; malformed body → 400; oversized → 413; never a 5xx for a bad body.
 */
import Type from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../platform/errors.js';
import type { App } from '../../../platform/http/types.js';
import { problemResponses } from '../../../../contracts/common.js';
import type { CommerceCore } from '../core.js';
import { ChannelError, type ConnectionContext, type WebhookRequest } from '../channels/index.js';
import type { ConnectionRow } from '../tables.js';
import type { Ingest } from './ingest.js';
import type { WebhookConnections } from './webhook-connections.js';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
const Params = Type.Object({ connection_id: Type.String({ maxLength: 80 }) });

/** Run one provider request through verify → parse → ledger; shared by the route and the simulator's shopper API. */
export function createWebhookHandler(core: CommerceCore, ingest: Ingest) {
  /** `ctx`: the connection's context when the caller has it already (the route's cache); opened here otherwise. */
  return async function handle(conn: ConnectionRow, req: WebhookRequest, ctx: ConnectionContext = core.bots.contextOf(conn)): Promise<{ status: number; contentType: string; body: string }> {
    const driver = core.registry.get(conn.provider);
    if (!driver) throw new AppError('CONNECTION_NOT_FOUND', `Connection ${conn.id} has no driver on this server.`);
    const verdict = driver.verifyWebhook(ctx, req);
    if (verdict.action === 'respond') return { status: verdict.status, contentType: verdict.contentType, body: verdict.body };
    if (verdict.action === 'reject') throw new AppError(verdict.status === 401 ? 'WEBHOOK_SIGNATURE_INVALID' : 'WEBHOOK_VERIFICATION_FAILED', verdict.reason.slice(0, 200));
    if (req.method === 'GET') return { status: 200, contentType: 'text/plain', body: 'ok' };
    let events;
    try {
      events = driver.parseWebhook(ctx, req);
    } catch (e) {
      // Hostile or malformed bodies are the sender's problem, never a 5xx.
      const detail = e instanceof ChannelError ? e.message : 'the body is not the provider’s webhook shape';
      core.log.info({ connection_id: conn.id, provider: conn.provider, err: { message: (e as Error).message?.slice(0, 200) } }, 'webhook body refused');
      throw new AppError('WEBHOOK_PAYLOAD_INVALID', detail.slice(0, 300));
    }
    await ingest.ingest(conn, events);
    return driver.webhookAck?.() ?? { status: 200, contentType: 'application/json', body: '{"ok":true}' };
  };
}

export function registerWebhookRoutes(app: App, handle: ReturnType<typeof createWebhookHandler>, connections: WebhookConnections) {
  void app.register(async (scope: FastifyInstance) => {
    // Raw bodies here only: the signature is over the exact bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));
    const route = async (req: FastifyRequest<{ Params: { connection_id: string } }>, reply: FastifyReply) => {
      const conn = /^con_[0-9A-Za-z]{1,64}$/.test(req.params.connection_id) ? await connections.get(req.params.connection_id) : undefined;
      if (!conn) throw new AppError('CONNECTION_NOT_FOUND', `No connection ${req.params.connection_id.slice(0, 80)}.`);
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      const out = await handle(conn.row, {
        method: req.method === 'GET' ? 'GET' : 'POST',
        url: `${req.server.linkBase()}${req.url}`,
        query: req.query as Record<string, string | undefined>,
        headers,
        rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      }, conn.ctx);
      return reply.code(out.status).type(out.contentType).send(out.body);
    };
    // Not rate limited per address: a provider sends every tenant's traffic from a few addresses (Meta's
    // 80 messages/s per number), and a 429 makes it retry and then drop. A forged request costs one HMAC and stores nothing.
    const schema = { tags: ['commerce'], hide: false, params: Params, response: { ...problemResponses(400, 401, 403, 404, 413, 429) } };
    scope.get('/hooks/whatsapp/:connection_id', { config: { auth: 'none', rateLimit: false }, schema: { ...schema, summary: 'A provider’s webhook verification (Meta’s hub.challenge)' } }, route);
    scope.post('/hooks/whatsapp/:connection_id', { config: { auth: 'none', rateLimit: false }, bodyLimit: WEBHOOK_BODY_LIMIT, schema: { ...schema, summary: 'A provider’s webhook: messages, statuses, connection events' } }, route);
  });
}
