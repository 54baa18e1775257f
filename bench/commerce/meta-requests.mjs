/**
 * Signed Meta WhatsApp Cloud API webhooks, one text message each, as the request builder of the
 * paced / closed-loop generator (bench/lib/paced.mjs `request: { module, options }`). Shapes as
 * Meta documents them (the `whatsapp_business_account` envelope of test/fakes/meta-whatsapp-webhooks.ts,
 * compact JSON as Meta sends it), `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body
 * with the app secret>` computed for each request's exact bytes.
 *
 * Request i goes to target i mod T (a connection: path, app secret, phone number id) from shopper
 * ⌊i / T⌋ mod S of that target (a distinct wa_id per target and shopper: T × S conversations).
 * Its wamid is distinct in the whole run: `wamid.HBgM` + the generator run's tag (random, given by
 * the bench, new for every load run) + i in base 36 + a fixed tail, 68 characters like Meta's, so
 * no request is a retry of another and the ledger's dedupe never short-circuits.
 */
import { createHmac } from 'node:crypto';

export const TEXT = 'Hi! Do you have the linen dress in size M? I would like two.';
/** The ack Probador's Meta driver answers (webhookAck) and the baseline answers too. */
export const ACK = 'OK';

/** A shopper's wa_id (digits): target t, shopper k. */
export const shopperWaId = (t, k, base = 5491100000000) => String(base + t * 1000 + k);

/** Request builder: `o = { targets: [{ path, secret, phoneNumberId, display }], shoppers, tag, waBase? }`. */
export function requestBuilder(o, url) {
  const targets = o.targets;
  const T = targets.length;
  const S = o.shoppers ?? 1;
  const ts = String(Math.floor(Date.now() / 1000));
  const tail = 'FQIAEhgUM0E0QTY1OTlBRUUwMzgxMDE0NEYA';
  const parts = targets.map((t) => ({
    head: `POST ${t.path} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: keep-alive\r\ncontent-type: application/json\r\nuser-agent: facebookexternalua\r\n`,
    a: `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"${t.display}","phone_number_id":"${t.phoneNumberId}"},"contacts":[{"profile":{"name":"Shopper"},"wa_id":"`,
    b: `"}],"messages":[{"from":"`,
    c: `","id":"`,
    d: `","timestamp":"${ts}","text":{"body":"${TEXT}"},"type":"text"}]},"field":"messages"}]}]}`,
    secret: t.secret,
  }));
  return (i) => {
    const t = i % T;
    const k = Math.floor(i / T) % S;
    const p = parts[t];
    const from = shopperWaId(t, k, o.waBase);
    const id = `wamid.HBgM${o.tag}${i.toString(36).padStart(12, '0')}${tail}`;
    const body = `${p.a}${from}${p.b}${from}${p.c}${id}${p.d}`;
    const sig = createHmac('sha256', p.secret).update(body).digest('hex');
    return Buffer.from(`${p.head}x-hub-signature-256: sha256=${sig}\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
  };
}
