/**
 * The public API calls bench/commerce.mjs makes: bots with a Meta Cloud API connection each (fake
 * but well-formed credentials: nothing is sent to Meta, only webhooks come in), a simulator bot
 * that is always outside its business hours (so every new conversation gets the away message),
 * and the shopper's side of the simulator. Plain fetch with the tenant's secret key.
 */
import { createHash } from 'node:crypto';

export async function api(base, key, method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path} -> ${r.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Deterministic credentials of bot n of a run: a 32-hex app secret, a phone number id, a display number. */
export function metaCredentials(tag, n) {
  const h = (s) => createHash('sha256').update(`${tag}:${n}:${s}`).digest('hex');
  return {
    access_token: `EAAGbench${h('token').slice(0, 40)}`,
    app_secret: h('secret').slice(0, 32),
    phone_number_id: String(106540352000000 + n),
    verify_token: `verify-${h('verify').slice(0, 16)}`,
    display: String(5491150000000 + n),
  };
}

/**
 * Create bots `from`..`to`-1, each with one Meta connection; `parallel` requests at a time.
 * Returns the generator's targets: `{ bot, connection, path, secret, phoneNumberId, display }`.
 */
export async function createMetaBots(base, key, tag, from, to, { parallel = 8 } = {}) {
  const out = new Array(to - from);
  let next = from;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < to) {
        const n = next++;
        const c = metaCredentials(tag, n);
        const bot = await api(base, key, 'POST', '/v1/bots', {
          name: `Bench store ${n}`,
          phone: `+${c.display}`,
          connections: [{ provider: 'meta', credentials: { access_token: c.access_token, app_secret: c.app_secret, phone_number_id: c.phone_number_id, verify_token: c.verify_token } }],
        });
        const conn = bot.connections[0];
        out[n - from] = { bot: bot.id, connection: conn.id, path: `/hooks/whatsapp/${conn.id}`, secret: c.app_secret, phoneNumberId: c.phone_number_id, display: c.display };
      }
    }),
  );
  return out;
}

/** A simulator bot closed right now (one 1-minute interval three days away), with an away message. */
export async function createAwayBot(base, key) {
  const day = (new Date().getUTCDay() + 3) % 7;
  return api(base, key, 'POST', '/v1/bots', {
    name: 'Bench away bot',
    business_hours: { timezone: 'UTC', intervals: [{ day, start: '00:00', end: '00:01' }] },
    away_message: 'Thanks for writing! We are closed now and will answer first thing tomorrow.',
    away_every_hours: 24,
  });
}

/** The shopper (`phone`) writes to a simulator bot: POST /v1/bots/:id/simulator/messages (202). */
export const shopperSends = (base, key, botId, phone, text) => api(base, key, 'POST', `/v1/bots/${botId}/simulator/messages`, { phone, text });
