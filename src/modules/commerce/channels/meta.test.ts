import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { metaDriver } from './meta.js';
import { ChannelError, type ConnectionContext, type OutboundContent, type SendRequest } from './types.js';
import { startFakeMeta, type FakeMeta } from '../../../../test/fakes/meta-whatsapp.js';
import { TINY_PNG } from '../../../../test/fakes/fake-server.js';

let fake: FakeMeta;
const driver = metaDriver({ timeoutMs: 2_000 });
const conn = (over: Record<string, string> = {}): ConnectionContext => ({
  id: 'chc_test',
  tenantId: 'ten_a',
  botId: 'bot_a',
  credentials: { ...fake.credentials, ...over },
  settings: {},
  fetch: globalThis.fetch,
  webhookUrl: 'https://probador.example/hooks/whatsapp/chc_test',
});
const req = (content: OutboundContent, over: Partial<SendRequest> = {}): SendRequest => ({
  to: { phone: '+5491122334455' },
  content,
  messageId: 'msg_01TEST',
  signal: AbortSignal.timeout(5_000),
  ...over,
});
const lastBody = () => fake.calls('POST', `/v26.0/${fake.phoneNumberId}/messages`).at(-1)?.body as Record<string, unknown>;

async function failure(p: Promise<unknown>): Promise<ChannelError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ChannelError);
  return e as ChannelError;
}

beforeAll(async () => {
  fake = await startFakeMeta();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.splice(0);
  fake.sent.splice(0);
});

describe('meta driver: send', () => {
  it('sends text with the bearer token, preview_url, a reply context and our id, and returns the wamid and wa_id', async () => {
    const out = await driver.send(conn(), req({ type: 'text', text: 'Hola https://x.test', previewUrl: true }, { replyToProviderMessageId: 'wamid.PREV' }));
    expect(out.providerMessageId).toMatch(/^wamid\./);
    expect(out).toMatchObject({ status: 'accepted', resolvedProviderId: '5491122334455' });
    const call = fake.calls('POST', `/v26.0/${fake.phoneNumberId}/messages`)[0]!;
    expect(call.headers.authorization).toBe(`Bearer ${fake.accessToken}`);
    expect(call.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '5491122334455',
      context: { message_id: 'wamid.PREV' },
      biz_opaque_callback_data: 'msg_01TEST',
      type: 'text',
      text: { body: 'Hola https://x.test', preview_url: true },
    });
    expect(fake.sent[0]?.id).toBe(out.providerMessageId);
  });

  it('addresses a user known only by a business-scoped user id through `recipient`', async () => {
    const out = await driver.send(conn(), req({ type: 'text', text: 'hi' }, { to: { providerId: 'AR.13491208655302741918' } }));
    expect(lastBody()).toMatchObject({ recipient: 'AR.13491208655302741918' });
    expect(lastBody().to).toBeUndefined();
    expect(out.resolvedProviderId).toBe('AR.13491208655302741918');
    const e = await failure(driver.send(conn(), req({ type: 'text', text: 'hi' }, { to: { name: 'nobody' } })));
    expect(e.reason).toBe('bad_request');
  });

  it('sends media by link with caption and filename where Meta takes them', async () => {
    await driver.send(conn(), req({ type: 'media', media: { kind: 'document', url: 'https://cdn.example/f.pdf', caption: 'Invoice', filename: 'f.pdf' } }));
    expect(lastBody()).toMatchObject({ type: 'document', document: { link: 'https://cdn.example/f.pdf', caption: 'Invoice', filename: 'f.pdf' } });
    await driver.send(conn(), req({ type: 'media', media: { kind: 'audio', url: 'https://cdn.example/a.ogg', caption: 'dropped' } }));
    expect(lastBody().audio).toEqual({ link: 'https://cdn.example/a.ogg' });
  });

  it('uploads bytes to /media (multipart) and sends the media id', async () => {
    await driver.send(conn(), req({ type: 'media', media: { kind: 'image', bytes: TINY_PNG, contentType: 'image/png', caption: 'Look' } }));
    const upload = fake.calls('POST', `/v26.0/${fake.phoneNumberId}/media`)[0]!;
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data/);
    const form = upload.body as FormData;
    expect(form.get('messaging_product')).toBe('whatsapp');
    expect(form.get('type')).toBe('image/png');
    const id = (lastBody().image as { id: string }).id;
    expect(fake.media.get(id)?.bytes.equals(TINY_PNG)).toBe(true);
    expect(lastBody().image).toEqual({ id, caption: 'Look' });
  });

  it('refuses media that is too big, untyped or missing before calling Meta', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 1);
    expect((await failure(driver.send(conn(), req({ type: 'media', media: { kind: 'image', bytes: big, contentType: 'image/jpeg' } })))).reason).toBe('bad_request');
    expect((await failure(driver.send(conn(), req({ type: 'media', media: { kind: 'image', bytes: TINY_PNG } })))).message).toMatch(/content type/);
    expect((await failure(driver.send(conn(), req({ type: 'media', media: { kind: 'image' } })))).reason).toBe('bad_request');
    expect((await failure(driver.send(conn(), req({ type: 'media', media: { kind: 'image', url: 'ftp://x/y.png' } })))).reason).toBe('bad_request');
    expect(fake.requests).toHaveLength(0);
  });

  it('sends reply buttons, lists, product, product_list and cta_url as interactive messages', async () => {
    await driver.send(conn(), req({ type: 'buttons', header: 'Size', body: 'Pick one', footer: 'Shop', buttons: [{ id: 's', title: 'S' }, { id: 'm', title: 'M' }] }));
    expect(lastBody().interactive).toEqual({
      type: 'button',
      header: { type: 'text', text: 'Size' },
      body: { text: 'Pick one' },
      footer: { text: 'Shop' },
      action: { buttons: [{ type: 'reply', reply: { id: 's', title: 'S' } }, { type: 'reply', reply: { id: 'm', title: 'M' } }] },
    });
    await driver.send(conn(), req({ type: 'list', body: 'Menu', button: 'Open', sections: [{ title: 'Shoes', rows: [{ id: 'r1', title: 'Boots', description: 'Leather' }] }] }));
    expect(lastBody().interactive).toEqual({
      type: 'list',
      body: { text: 'Menu' },
      action: { button: 'Open', sections: [{ title: 'Shoes', rows: [{ id: 'r1', title: 'Boots', description: 'Leather' }] }] },
    });
    await driver.send(conn(), req({ type: 'product', body: 'This one', catalogId: 'cat1', productRetailerId: 'sku-1' }));
    expect(lastBody().interactive).toEqual({ type: 'product', body: { text: 'This one' }, action: { catalog_id: 'cat1', product_retailer_id: 'sku-1' } });
    await driver.send(conn(), req({ type: 'product_list', header: 'New in', body: 'See these', catalogId: 'cat1', sections: [{ title: 'Tops', productRetailerIds: ['a', 'b'] }] }));
    expect(lastBody().interactive).toEqual({
      type: 'product_list',
      header: { type: 'text', text: 'New in' },
      body: { text: 'See these' },
      action: { catalog_id: 'cat1', sections: [{ title: 'Tops', product_items: [{ product_retailer_id: 'a' }, { product_retailer_id: 'b' }] }] },
    });
    await driver.send(conn(), req({ type: 'cta_url', body: 'Pay your order', displayText: 'Pay', url: 'https://pay.example/ord_1' }));
    expect(lastBody().interactive).toEqual({ type: 'cta_url', body: { text: 'Pay your order' }, action: { name: 'cta_url', parameters: { display_text: 'Pay', url: 'https://pay.example/ord_1' } } });
    expect(fake.sent).toHaveLength(5);
  });

  it('checks WhatsApp limits locally (buttons, titles, rows, products)', async () => {
    const four = [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: `B${i}` }));
    const cases: OutboundContent[] = [
      { type: 'buttons', body: 'x', buttons: four },
      { type: 'buttons', body: 'x', buttons: [{ id: 'a', title: 'a title longer than twenty' }] },
      { type: 'buttons', body: 'x', buttons: [{ id: 'a', title: 'A' }, { id: 'a', title: 'B' }] },
      { type: 'list', body: 'x', button: 'Open', sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: 'R' })) }] },
      { type: 'list', body: 'x', button: 'Open', sections: [{ rows: [{ id: 'r', title: 'a row title longer than 24 chars' }] }] },
      { type: 'product_list', header: 'H', body: 'B', catalogId: 'c', sections: [{ title: 'T', productRetailerIds: Array.from({ length: 31 }, (_, i) => `p${i}`) }] },
      { type: 'cta_url', body: 'x', displayText: 'Go', url: 'javascript:alert(1)' },
      { type: 'text', text: '' },
    ];
    for (const c of cases) expect((await failure(driver.send(conn(), req(c)))).reason).toBe('bad_request');
    expect(fake.requests).toHaveLength(0);
  });

  it('sends a template with language policy deterministic and body parameters', async () => {
    const template = { name: 'order_update', language: 'es_AR', category: 'utility' as const, params: ['Ana', 'ord_1'] };
    await driver.send(conn(), req({ type: 'template', template }));
    expect(lastBody()).toMatchObject({
      type: 'template',
      template: { name: 'order_update', language: { code: 'es_AR', policy: 'deterministic' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: 'ord_1' }] }] },
    });
    await driver.send(conn(), req({ type: 'template', template: { ...template, name: 'hello_world', params: [] } }));
    expect((lastBody().template as Record<string, unknown>).components).toBeUndefined();
  });

  it('maps Meta refusing a template (unknown name, wrong parameter count) to template', async () => {
    const missing = await failure(driver.send(conn(), req({ type: 'template', template: { name: 'nope', language: 'en', category: 'utility', params: [] } })));
    expect(missing).toMatchObject({ reason: 'template', opts: { providerCode: '132001', status: 400 } });
    const count = await failure(driver.send(conn(), req({ type: 'template', template: { name: 'order_update', language: 'en', category: 'utility', params: ['one'] } })));
    expect(count).toMatchObject({ reason: 'template', opts: { providerCode: '132000' } });
    expect(count.retryable).toBe(false);
  });
});

describe('meta driver: errors', () => {
  const send = () => driver.send(conn(), req({ type: 'text', text: 'hi' }));
  const cases: [number, string, boolean][] = [
    [131047, 'outside_window', false],
    [131050, 'opted_out', false],
    [131026, 'undeliverable', false],
    [131049, 'undeliverable', false],
    [131048, 'policy', false],
    [368, 'policy', false],
    [131051, 'unsupported', false],
    [132012, 'template', false],
    [190, 'auth', false],
    [10, 'auth', false],
    [200, 'auth', false],
    [100, 'bad_request', false],
    [131000, 'unavailable', true],
    [1, 'unavailable', true],
    [2, 'unavailable', true],
    [131016, 'unavailable', true],
    [80007, 'rate_limited', true],
    [4, 'rate_limited', true],
  ];
  it.each(cases)('code %i → %s (retryable %s)', async (code, reason, retryable) => {
    fake.scenario({ kind: 'error', code, details: `details of ${code}` }, 'messages');
    const e = await failure(send());
    expect(e.reason).toBe(reason);
    expect(e.retryable).toBe(retryable);
    expect(e.opts.providerCode).toBe(String(code));
    expect(e.message).toContain(`details of ${code}`);
    expect(e.message).toMatch(/fbtrace_id/);
  });

  it('throughput (130429) and pair rate (131056) carry their backoff; Retry-After wins when given', async () => {
    fake.scenario({ kind: 'error', code: 130429 }, 'messages');
    expect(await failure(send())).toMatchObject({ reason: 'rate_limited', opts: { retryAfterMs: 1_000 } });
    fake.scenario({ kind: 'error', code: 131056 }, 'messages');
    const pair = await failure(send());
    expect(pair).toMatchObject({ reason: 'pair_rate', errorClass: 'rate_limited', opts: { retryAfterMs: 6_000 } });
    expect(pair.retryable).toBe(true);
    fake.scenario({ kind: 'error', code: 130429, status: 429, retryAfterSeconds: 7 }, 'messages');
    expect(await failure(send())).toMatchObject({ reason: 'rate_limited', opts: { retryAfterMs: 7_000, status: 429 } });
  });

  it('a wrong token is auth; a 5xx page is unavailable; unknown codes fall back on the status', async () => {
    const e = await failure(driver.send(conn({ access_token: 'EAAG-not-the-right-token-at-all' }), req({ type: 'text', text: 'hi' })));
    expect(e).toMatchObject({ reason: 'auth', opts: { providerCode: '190', status: 401 } });
    expect(e.message).not.toContain('EAAG-not-the-right-token-at-all');
    fake.scenario({ kind: 'server_error', status: 502 }, 'messages');
    const down = await failure(send());
    expect(down).toMatchObject({ reason: 'unavailable', opts: { status: 502 } });
    expect(down.retryable).toBe(true);
    fake.scenario({ kind: 'error', code: 999999, status: 429 }, 'messages');
    expect((await failure(send())).reason).toBe('rate_limited');
  });

  it('a slow Meta hits the deadline (timeout), a dropped connection is unavailable, a caller abort stops the call', async () => {
    fake.scenario({ kind: 'slow', ms: 1_500 }, 'messages');
    const slow = await failure(metaDriver({ timeoutMs: 200 }).send(conn(), req({ type: 'text', text: 'hi' })));
    expect(slow.reason).toBe('timeout');
    expect(slow.retryable).toBe(true);
    fake.scenario({ kind: 'drop' }, 'messages');
    expect((await failure(send())).reason).toBe('unavailable');
    const ac = new AbortController();
    ac.abort();
    const aborted = await failure(driver.send(conn(), req({ type: 'text', text: 'hi' }, { signal: ac.signal })));
    expect(aborted.retryable).toBe(false);
  });

  it('never leaks the token or the app secret into error messages', async () => {
    fake.scenario({ kind: 'error', code: 100, details: `bad token ${fake.accessToken} and ${fake.appSecret}` }, 'messages');
    const e = await failure(send());
    expect(e.message).not.toContain(fake.accessToken);
    expect(e.message).not.toContain(fake.appSecret);
    expect(e.message).toContain('[redacted]');
  });
});

describe('meta driver: media download', () => {
  it('looks the media up, then downloads it from the returned URL with the bearer token', async () => {
    const id = fake.addMedia(TINY_PNG, 'image/png');
    const got = await driver.downloadMedia!(conn(), { kind: 'image', providerMediaId: id }, AbortSignal.timeout(5_000));
    expect(got?.bytes.equals(TINY_PNG)).toBe(true);
    expect(got?.contentType).toBe('image/png');
    expect(fake.calls('GET', `/v26.0/${id}`)).toHaveLength(1);
    expect(fake.calls('GET', '/whatsapp_business/attachments/')[0]?.headers.authorization).toBe(`Bearer ${fake.accessToken}`);
  });

  it('never sends the token to a download URL off Meta’s hosts', async () => {
    const id = fake.addMedia(TINY_PNG, 'image/png');
    fake.mediaOrigin = 'http://evil.example';
    try {
      const e = await failure(driver.downloadMedia!(conn(), { kind: 'image', providerMediaId: id }, AbortSignal.timeout(5_000)));
      expect(e.message).toMatch(/Meta host/);
    } finally {
      fake.mediaOrigin = undefined;
    }
    expect(fake.calls('GET', '/whatsapp_business/attachments/')).toHaveLength(0);
  });

  it('is null when Meta no longer has the media; refuses media over the cap', async () => {
    expect(await driver.downloadMedia!(conn(), { kind: 'image', providerMediaId: '999' }, AbortSignal.timeout(5_000))).toBeNull();
    const id = fake.addMedia(Buffer.alloc(2048, 1), 'video/mp4');
    const small = metaDriver({ maxDownloadBytes: 1024 });
    expect((await failure(small.downloadMedia!(conn(), { kind: 'video', providerMediaId: id }, AbortSignal.timeout(5_000)))).reason).toBe('bad_request');
    expect(fake.calls('GET', '/whatsapp_business/attachments/')).toHaveLength(0);
    fake.scenario({ kind: 'error', code: 100, status: 404 }, 'download');
    expect(await driver.downloadMedia!(conn(), { kind: 'video', providerMediaId: id }, AbortSignal.timeout(5_000))).toBeNull();
  });
});

describe('meta driver: health, capabilities, credentials', () => {
  it('reads the phone number (name, number, quality)', async () => {
    const h = await driver.health(conn(), AbortSignal.timeout(5_000));
    expect(h).toMatchObject({ ok: true, detail: 'Probador Shop · +1 555-078-3881 · quality GREEN' });
    expect(fake.calls('GET', `/v26.0/${fake.phoneNumberId}`)[0]?.query.get('fields')).toBe('display_phone_number,quality_rating,verified_name');
    fake.scenario({ kind: 'error', code: 190, status: 401 }, 'phone');
    const bad = await driver.health(conn(), AbortSignal.timeout(5_000));
    expect(bad.ok).toBe(false);
    expect(bad.detail).toMatch(/190/);
  });

  it('says it can do everything, officially', () => {
    expect(driver.capabilities(conn())).toEqual({ templates: true, buttons: true, lists: true, products: true, media: true, official: true });
  });

  it('validates credentials, naming the missing or malformed field', () => {
    expect(() => driver.validateCredentials(fake.credentials)).not.toThrow();
    for (const field of ['access_token', 'app_secret', 'phone_number_id', 'verify_token']) {
      const { [field]: _gone, ...rest } = fake.credentials;
      expect(() => driver.validateCredentials(rest)).toThrow(`missing ${field}`);
    }
    expect(() => driver.validateCredentials({ ...fake.credentials, phone_number_id: '+1 555' })).toThrow(/phone_number_id/);
    expect(() => driver.validateCredentials({ ...fake.credentials, app_secret: 'short' })).toThrow(/app_secret/);
    expect(() => driver.validateCredentials({ ...fake.credentials, api_version: '26' })).toThrow(/api_version/);
    expect(() => driver.validateCredentials({ ...fake.credentials, base_url: 'not a url' })).toThrow(/base_url/);
  });

  it('an unknown phone_number_id (Graph 100/33) is the connection’s fault (auth), not the recipient’s', async () => {
    const e = await failure(driver.send(conn({ phone_number_id: '123456789' }), req({ type: 'text', text: 'hi' })));
    expect(e).toMatchObject({ reason: 'auth', opts: { providerCode: '100' } });
    expect(e.isRecipientError).toBe(false);
  });

  it('uses the configured api_version in every path', async () => {
    await driver.send(conn({ api_version: 'v25.0' }), req({ type: 'text', text: 'hi' }));
    expect(fake.calls('POST', `/v25.0/${fake.phoneNumberId}/messages`)).toHaveLength(1);
  });
});
