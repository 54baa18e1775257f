/**
 * The realtime WebSocket on a listening server: tickets, a tenant's events and only its own,
 * topic filters, refusals before the upgrade, and (on PostgreSQL + Redis) an event published on
 * one node reaching a socket on another.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bearer, createTestApp, problem, usingPostgres, usingRedis, type TestApp } from '../../../test/harness.js';
import { readTicket, issueTicket } from './stream.js';

type Frame = { type: string; event?: { type: string; topics: string[]; data: Record<string, unknown> }; code?: string };

/** A socket that collects frames; `next(pred)` waits for the first matching frame not yet taken. */
function open(url: string) {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (raw) => {
    frames.push(JSON.parse(String(raw)) as Frame);
    for (const w of waiters.splice(0)) w();
  });
  let taken = 0;
  return {
    ws,
    frames,
    opened: new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    async next(pred: (f: Frame) => boolean, ms = 3000): Promise<Frame> {
      const until = Date.now() + ms;
      for (;;) {
        const i = frames.findIndex((f, k) => k >= taken && pred(f));
        if (i >= 0) {
          taken = i + 1;
          return frames[i]!;
        }
        if (Date.now() > until) throw new Error(`no matching frame; got ${JSON.stringify(frames)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
  };
}

describe('realtime WebSocket', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function ticketUrl(key: string) {
    const res = await t.app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: bearer(key) });
    expect(res.statusCode).toBe(201);
    const body = res.json() as { ticket: string; url: string };
    return `${base.replace(/^http/, 'ws')}/v1/realtime?ticket=${encodeURIComponent(body.ticket)}`;
  }

  it("streams a tenant's events, and only its own", async () => {
    const a = open(await ticketUrl(t.tenantA.secretKey));
    const b = open(await ticketUrl(t.tenantB.secretKey));
    await Promise.all([a.opened, b.opened]);
    await a.next((f) => f.type === 'ready');
    await b.next((f) => f.type === 'ready');
    await t.deps.realtime.publish(t.tenantA.id, 'message.created', { message_id: 'msg_1' }, ['conversation:cnv_1']);
    await t.deps.realtime.publish(t.tenantB.id, 'message.created', { message_id: 'msg_2' }, ['conversation:cnv_2']);
    expect((await a.next((f) => f.type === 'event')).event).toMatchObject({ type: 'message.created', data: { message_id: 'msg_1' } });
    expect((await b.next((f) => f.type === 'event')).event).toMatchObject({ data: { message_id: 'msg_2' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(a.frames.filter((f) => f.type === 'event')).toHaveLength(1);
    a.ws.close();
    b.ws.close();
  });

  it('narrows to subscribed topics, answers pings and refuses bad frames', async () => {
    const s = open(await ticketUrl(t.tenantA.secretKey));
    await s.opened;
    await s.next((f) => f.type === 'ready');
    s.ws.send(JSON.stringify({ type: 'subscribe', topics: ['conversation:cnv_9'] }));
    await s.next((f) => f.type === 'subscribed');
    await t.deps.realtime.publish(t.tenantA.id, 'message.created', { n: 1 }, ['conversation:cnv_1']);
    await t.deps.realtime.publish(t.tenantA.id, 'message.created', { n: 2 }, ['conversation:cnv_9', 'bot:bot_1']);
    expect((await s.next((f) => f.type === 'event')).event?.data).toEqual({ n: 2 });
    s.ws.send('not json');
    expect((await s.next((f) => f.type === 'error')).code).toBe('BAD_FRAME');
    s.ws.send(JSON.stringify({ type: 'subscribe', topics: 'all' }));
    expect((await s.next((f) => f.type === 'error')).code).toBe('BAD_FRAME');
    s.ws.send(JSON.stringify({ type: 'ping' }));
    await s.next((f) => f.type === 'pong');
    expect(s.frames.filter((f) => f.type === 'event')).toHaveLength(1);
    s.ws.close();
  });

  it('a dashboard user gets a ticket for their tenant; publishable keys and strangers get none', async () => {
    const op = await t.app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: { ...t.operatorAuth, 'probador-tenant': t.tenantA.id } });
    expect(op.statusCode).toBe(201);
    problem(await t.app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin } }), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
    problem(await t.app.inject({ method: 'POST', url: '/v1/realtime/tickets' }), 401, 'UNAUTHENTICATED');
  });

  it('refuses the upgrade without a good ticket: missing, forged, expired', async () => {
    const secret = 'another-install-secret';
    const forged = issueTicket(secret, t.tenantA.id, 'key_x', Date.now()).ticket;
    for (const q of ['', `?ticket=${forged}`, '?ticket=abc.def']) {
      const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/realtime${q}`);
      const res = await new Promise<{ status: number; ctype: string }>((resolve) =>
        ws.on('unexpected-response', (_req, r) => resolve({ status: r.statusCode ?? 0, ctype: String(r.headers['content-type']) })),
      );
      expect(res.status).toBe(401);
      expect(res.ctype).toMatch(/^application\/problem\+json/);
    }
    const old = issueTicket(secret, t.tenantA.id, 'key_x', Date.now() - 61_000).ticket;
    expect(readTicket(secret, old, Date.now())).toBeNull();
    expect(readTicket(secret, issueTicket(secret, t.tenantA.id, 'key_x', Date.now()).ticket, Date.now())?.t).toBe(t.tenantA.id);
  });
});

describe.runIf(usingPostgres() && usingRedis())('realtime across two nodes', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await createTestApp();
    b = await createTestApp({ sameDataAs: a });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('an event published on node B reaches a socket on node A', async () => {
    const baseA = await a.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await a.app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: bearer(a.tenantA.secretKey) });
    const s = open(`${baseA.replace(/^http/, 'ws')}/v1/realtime?ticket=${encodeURIComponent((res.json() as { ticket: string }).ticket)}`);
    await s.opened;
    await s.next((f) => f.type === 'ready');
    await b.deps.realtime.publish(a.tenantA.id, 'order.status_changed', { order_id: 'ord_1' });
    expect((await s.next((f) => f.type === 'event')).event).toMatchObject({ type: 'order.status_changed', data: { order_id: 'ord_1' } });
    s.ws.close();
  });
});
