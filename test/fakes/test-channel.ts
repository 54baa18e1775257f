/**
 * A tiny channel driver for the commerce core's tests (the real Meta/Twilio/Evolution/Baileys
 * drivers are tested against their own fakes): sends are recorded and can be made to fail with a
 * given ChannelError reason; its webhook is JSON `{ events: [...] }` signed with the connection's
 * `app_secret` (`x-test-signature: sha256=<hex>`), entries it cannot read are skipped (the valid
 * ones in a batch are kept), and `GET ?challenge=` answers the challenge (a verification handshake).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ChannelError, type ChannelDriver, type ChannelFailure, type ChannelProvider, type InboundEvent, type SendRequest } from '../../src/modules/commerce/index.js';

export type TestChannel = ChannelDriver & {
  sent: { connectionId: string; req: Omit<SendRequest, 'signal'> }[];
  /** Per connection id: fail every send with this reason (retryAfterMs for rate limits). */
  failures: Map<string, { reason: ChannelFailure; retryAfterMs?: number }>;
};

export const signTestBody = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export function testChannel(provider: ChannelProvider, opts: { official: boolean; templates?: boolean }): TestChannel {
  const sent: TestChannel['sent'] = [];
  const failures: TestChannel['failures'] = new Map();
  let n = 0;
  return {
    provider,
    sent,
    failures,
    capabilities: () => ({ templates: opts.templates ?? opts.official, buttons: true, lists: true, products: true, media: true, official: opts.official }),
    validateCredentials(c) {
      if (!c.app_secret) throw new ChannelError(provider, 'bad_request', 'missing app_secret');
    },
    async send(conn, req) {
      const f = failures.get(conn.id);
      if (f) throw new ChannelError(provider, f.reason, `${provider}: test failure ${f.reason}`, { retryAfterMs: f.retryAfterMs });
      const { signal: _s, ...rest } = req;
      sent.push({ connectionId: conn.id, req: rest });
      return { providerMessageId: `${provider}.${conn.id}.${++n}`, status: 'sent' };
    },
    verifyWebhook(conn, req) {
      if (req.method === 'GET') return req.query.challenge ? { action: 'respond', status: 200, contentType: 'text/plain', body: req.query.challenge } : { action: 'reject', status: 403, reason: 'no challenge' };
      const want = Buffer.from(signTestBody(conn.credentials.app_secret ?? '', req.rawBody.toString('utf8')));
      const got = Buffer.from(req.headers['x-test-signature'] ?? '');
      return want.length === got.length && timingSafeEqual(want, got) ? { action: 'accept' } : { action: 'reject', status: 401, reason: 'bad signature' };
    },
    parseWebhook(_conn, req) {
      let body: unknown;
      try {
        body = JSON.parse(req.rawBody.toString('utf8'));
      } catch {
        throw new ChannelError(provider, 'bad_request', 'not JSON');
      }
      const events = (body as { events?: unknown }).events;
      if (!Array.isArray(events)) throw new ChannelError(provider, 'bad_request', 'events must be an array');
      const out: InboundEvent[] = [];
      for (const e of events as Record<string, unknown>[]) {
        if (typeof e !== 'object' || e === null) continue;
        if (e.kind === 'message' && typeof e.id === 'string' && typeof e.text === 'string' && typeof e.from === 'object' && e.from) {
          out.push({ kind: 'message', providerMessageId: e.id, from: e.from as { phone?: string; providerId?: string }, timestamp: new Date(String(e.timestamp ?? Date.now())), content: { type: 'text', text: e.text }, to: typeof e.to === 'string' ? e.to : undefined });
        } else if (e.kind === 'status' && typeof e.id === 'string' && ['sent', 'delivered', 'read', 'failed'].includes(String(e.status))) {
          out.push({ kind: 'status', providerMessageId: e.id, status: e.status as 'sent', timestamp: new Date(String(e.timestamp ?? Date.now())), error: e.reason ? { reason: e.reason as ChannelFailure, message: 'test' } : undefined });
        }
      }
      return out;
    },
    async health() {
      return { ok: true, latencyMs: 1 };
    },
  };
}
