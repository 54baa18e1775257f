/**
 * The realtime WebSocket: `GET /v1/realtime?ticket=…` streams one tenant's events (the live inbox:
 * new messages, statuses, assignments, order changes) as JSON frames, from whichever node
 * published them (the bus fans out through Redis).
 *
 * Browsers cannot put an `Authorization` header on a WebSocket, so a socket is opened with a
 * ticket: `POST /v1/realtime/tickets` (a secret key, or a signed-in dashboard user for their
 * tenant) answers a signed ticket valid for 60 s; the upgrade is refused 401 problem+json without a
 * good one. Tickets are HMAC-SHA256 over the tenant, the caller and the expiry with a per-install
 * secret (`realtime_secret` in platform settings).
 *
 * Frames: the server sends `{"type":"ready"}` then every event
 * `{"type":"event","event":{id,type,topics,at,data}}`; the client may send
 * `{"type":"subscribe","topics":["conversation:cnv_…"]}` to narrow the stream (an empty list: all of
 * the tenant's events) and `{"type":"ping"}` (answered `pong`). The server pings every 25 s and
 * drops a socket that did not answer the previous ping, and closes (1013) a socket whose unsent
 * frames pass 1 MiB (a slow consumer cannot hold the node's memory).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import websocket from '@fastify/websocket';
import Type from 'typebox';
import type { WebSocket } from 'ws';
import { AppError } from '../errors.js';
import { problemResponses } from '../../../contracts/common.js';
import { tenantIdOf } from '../http/principal.js';
import type { App } from '../http/types.js';
import type { RealtimeBus, RealtimeEvent } from './bus.js';

const TICKET_TTL_MS = 60_000;
const MAX_BUFFERED_BYTES = 1024 * 1024;
const PING_EVERY_MS = 25_000;
const MAX_TOPICS = 100;

export type RealtimeStreamOptions = {
  bus: RealtimeBus;
  /** The HMAC secret for tickets (read once, e.g. from platform settings). */
  secret: () => Promise<string>;
  now?: () => number;
  pingEveryMs?: number;
};

type Ticket = { t: string; who: string; exp: number; n: string };

function sign(secret: string, body: string) {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

export function issueTicket(secret: string, tenantId: string, who: string, now: number): { ticket: string; expiresAt: Date } {
  const exp = now + TICKET_TTL_MS;
  const body = Buffer.from(JSON.stringify({ t: tenantId, who, exp, n: randomBytes(8).toString('base64url') } satisfies Ticket)).toString('base64url');
  return { ticket: `${body}.${sign(secret, body)}`, expiresAt: new Date(exp) };
}

/** The ticket's tenant and caller, or null when it is malformed, forged or expired. */
export function readTicket(secret: string, ticket: string, now: number): Ticket | null {
  const dot = ticket.indexOf('.');
  if (dot <= 0 || ticket.length > 2048) return null;
  const body = ticket.slice(0, dot);
  const given = Buffer.from(ticket.slice(dot + 1));
  const expected = Buffer.from(sign(secret, body));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const t = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Ticket;
    if (typeof t.t !== 'string' || typeof t.exp !== 'number' || t.exp < now) return null;
    return t;
  } catch {
    return null;
  }
}

const TicketResponse = Type.Object({
  object: Type.Literal('realtime_ticket'),
  ticket: Type.String(),
  url: Type.String({ description: 'The WebSocket URL with the ticket (ws:// or wss://)' }),
  expires_at: Type.String({ format: 'date-time' }),
});

export async function registerRealtimeStream(app: App, opts: RealtimeStreamOptions) {
  const now = opts.now ?? Date.now;
  const pingEvery = opts.pingEveryMs ?? PING_EVERY_MS;
  let secret: string | undefined;
  const getSecret = async () => (secret ??= await opts.secret());
  await app.register(websocket, { options: { maxPayload: 16 * 1024 } });

  app.post(
    '/v1/realtime/tickets',
    {
      config: { auth: 'tenant' },
      schema: {
        tags: ['realtime'],
        summary: 'A 60-second ticket to open the realtime WebSocket (the live inbox) for your tenant',
        response: { 201: TicketResponse, ...problemResponses(401, 403, 429) },
      },
    },
    async (req, reply) => {
      const tenantId = tenantIdOf(req.principal);
      const p = req.principal!;
      const who = p.kind === 'api_key' ? p.keyId : p.userId;
      const { ticket, expiresAt } = issueTicket(await getSecret(), tenantId, who, now());
      const base = req.server.linkBase().replace(/^http/, 'ws');
      return reply.code(201).send({ object: 'realtime_ticket', ticket, url: `${base}/v1/realtime?ticket=${ticket}`, expires_at: expiresAt.toISOString() });
    },
  );

  app.get(
    '/v1/realtime',
    {
      websocket: true,
      config: { auth: 'none' },
      schema: {
        tags: ['realtime'],
        summary: 'The realtime WebSocket: your tenant’s events as JSON frames (open with a ticket)',
        querystring: Type.Object({ ticket: Type.String({ minLength: 1, maxLength: 2048 }) }),
        response: { ...problemResponses(400, 401) },
      },
      preValidation: async (req) => {
        const q = req.query as { ticket?: string };
        const t = q.ticket ? readTicket(await getSecret(), q.ticket, now()) : null;
        if (!t) throw new AppError('UNAUTHENTICATED', 'Open the realtime socket with a fresh ticket from POST /v1/realtime/tickets (valid for 60 s).');
        (req as unknown as { realtimeTenant: string }).realtimeTenant = t.t;
      },
    },
    async (socket: WebSocket, req) => {
      const tenantId = (req as unknown as { realtimeTenant: string }).realtimeTenant;
      let topics: Set<string> | null = null;
      let alive = true;
      const send = (frame: unknown) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          socket.close(1013, 'slow consumer');
          return;
        }
        socket.send(JSON.stringify(frame));
      };
      const onEvent = (e: RealtimeEvent) => {
        if (topics && !e.topics.some((t) => topics!.has(t))) return;
        send({ type: 'event', event: { id: e.id, type: e.type, topics: e.topics, at: e.at, data: e.data } });
      };
      // Attach handlers before the subscription resolves, so no frame or close is missed.
      const sub: { off?: () => void } = {};
      let closed = false;
      socket.on('message', (raw) => {
        let m: { type?: unknown; topics?: unknown };
        try {
          m = JSON.parse(String(raw)) as typeof m;
        } catch {
          return send({ type: 'error', code: 'BAD_FRAME', message: 'Frames are JSON objects.' });
        }
        if (m.type === 'ping') return send({ type: 'pong' });
        if (m.type === 'subscribe') {
          if (!Array.isArray(m.topics) || m.topics.length > MAX_TOPICS || !m.topics.every((t) => typeof t === 'string' && t.length <= 100)) {
            return send({ type: 'error', code: 'BAD_FRAME', message: `topics: up to ${MAX_TOPICS} strings such as "conversation:cnv_…".` });
          }
          topics = m.topics.length === 0 ? null : new Set(m.topics as string[]);
          return send({ type: 'subscribed', topics: m.topics });
        }
        send({ type: 'error', code: 'BAD_FRAME', message: 'Unknown frame type (subscribe, ping).' });
      });
      socket.on('pong', () => (alive = true));
      const ping = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, pingEvery);
      ping.unref();
      socket.on('close', () => {
        closed = true;
        clearInterval(ping);
        sub.off?.();
      });
      sub.off = await opts.bus.subscribe(tenantId, onEvent);
      if (closed) return sub.off();
      send({ type: 'ready', tenant_id: tenantId });
    },
  );
}
