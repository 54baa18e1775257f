/**
 * A flow that dresses the shopper (issue 23): its try-on step takes the photo the shopper sends on
 * the simulator, tries the store's product on with the try-on module (the offline engine) and
 * sends the result; its style step reads a selfie with the style module's offline analyser and
 * sends the season, the palette and catalog products that flatter it. The real modules, the face
 * models on; the photo comes in as WhatsApp media from a local server (allow-listed).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './harness.js';
import { commerceClient, waitFor, type Conversation, type ThreadMessage } from './commerce-helpers.js';
import { putProduct } from './orders-helpers.js';
import { garmentPng } from './fakes/images.js';
import { dataUrl } from './tryon-helpers.js';

const PORTRAIT = readFileSync(new URL('./fixtures/astronaut.png', import.meta.url));
let t: TestApp;
let api: ReturnType<typeof commerceClient>;
let photos: Server;
let photoUrl: string;
let botId: string;

const FLOW = {
  start: 'ask_photo',
  settings: { debounce_ms: 0 },
  steps: [
    { id: 'ask_photo', type: 'tryon', product: 'shirt', prompt: 'Send me a photo of yourself and I will put the shirt on you.', caption: 'The Linen shirt on you', save_as: 'look', retry: { max: 1, message: 'I need a photo.' }, on_error: 'oops', next: 'ask_selfie' },
    { id: 'ask_selfie', type: 'style', prompt: 'Now a selfie in daylight for your colours.', products: 3, save_as: 'colours', on_error: 'oops', next: 'done' },
    { id: 'done', type: 'end', message: 'Your season is {{colours.season_name}}.' },
    { id: 'oops', type: 'end', message: 'Sorry: {{error}}' },
  ],
};

beforeAll(async () => {
  photos = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PORTRAIT));
  await new Promise<void>((r) => photos.listen(0, '127.0.0.1', r));
  const port = (photos.address() as AddressInfo).port;
  photoUrl = `http://127.0.0.1:${port}/me.png`;
  t = await createTestApp({ env: { PROBADOR_PERCEPTION_THREADS: '1', PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: `127.0.0.1:${port}` } });
  api = commerceClient(t, () => t.tenantA.secretKey);
  await t.modules.tenants.tenants.updateTenant(t.tenantA.id, { tier: 'enterprise' });
  await putProduct(t, 'shirt', { name: 'Linen shirt', price: { amount: 2000, currency: 'EUR' }, category: 'tops' });
  // A peach top: in the palette the portrait reads as (Light Spring), so it is offered; the red shirt is not.
  await putProduct(t, 'peach-top', { name: 'Peach top', price: { amount: 1800, currency: 'EUR' }, category: 'tops', image: dataUrl(await garmentPng('rgb(255,203,164)')) });
  botId = (await api.json<{ id: string }>('POST', '/v1/bots', { name: 'Stylist' }, 201)).id;
  const flow = await api.json<{ id: string }>('POST', '/v1/flows', { name: 'Dress me', bot_id: botId, definition: FLOW }, 201);
  await api.json('POST', `/v1/flows/${flow.id}/publish`, undefined, 200);
}, 120_000);
afterAll(async () => {
  await t?.close();
  await new Promise<void>((r) => (photos ? photos.close(() => r()) : r()));
});

const PHONE = '+5491144445555';
const shopper = (body: Record<string, unknown>) => api.json('POST', `/v1/bots/${botId}/simulator/messages`, { phone: PHONE, ...body }, 202);
const botSaid = async () => (await api.json<{ messages: ThreadMessage[] }>('GET', `/v1/bots/${botId}/simulator/messages?phone=${encodeURIComponent(PHONE)}`, undefined, 200)).messages.filter((m) => m.direction === 'to_shopper').map((m) => m.content);
const untilBotSaid = (n: number, what: string) => waitFor(async () => ((await botSaid()).length >= n ? botSaid() : undefined), what, 90_000, 200);

describe('try-on and style steps', () => {
  it('a photo → the product tried on and sent; a selfie → the season, the palette and products that flatter it', async () => {
    await shopper({ text: 'hola' });
    let said = await untilBotSaid(1, 'the photo prompt');
    expect(said[0]).toMatchObject({ type: 'text', text: 'Send me a photo of yourself and I will put the shirt on you.' });

    // Not a photo: the retry, then the photo.
    await shopper({ text: 'here it is' });
    said = await untilBotSaid(3, 'retry');
    expect(said.slice(1).map((c) => c.text)).toEqual(['I need a photo.', 'Send me a photo of yourself and I will put the shirt on you.']);
    await shopper({ media: { kind: 'image', url: photoUrl } });
    said = await untilBotSaid(5, 'the try-on and the selfie prompt');
    const result = said[3] as { type: string; media: { kind: string; url: string; caption: string } };
    expect(result).toMatchObject({ type: 'media', media: { kind: 'image', caption: 'The Linen shirt on you' } });
    const link = new URL(result.media.url);
    expect(link.pathname).toMatch(/^\/v1\/files\//);
    const image = await t.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
    expect(image.statusCode).toBe(200);
    expect(String(image.headers['content-type'])).toMatch(/^image\//);
    const tryons = await api.json<{ data: { status: string; garments: { product_id?: string }[] }[] }>('GET', '/v1/tryons?limit=5', undefined, 200);
    expect(tryons.data[0]).toMatchObject({ status: 'succeeded', garments: [{ product_id: 'shirt' }] });
    expect(said[4]).toMatchObject({ type: 'text', text: 'Now a selfie in daylight for your colours.' });

    await shopper({ media: { kind: 'image', url: photoUrl } });
    said = await untilBotSaid(8, 'the colours');
    const colours = String((said[5] as { text: string }).text);
    expect(colours).toMatch(/^Your colours: .+ \(\d+% sure\)\.\nUndertone: (warm|cool|neutral|olive)\.\nBest colours: .+\.\nMetals: .+\.$/);
    const conv = (await api.json<{ data: Conversation[] }>('GET', `/v1/conversations?bot_id=${botId}`)).data[0]!;
    const session = await waitFor(async () => (await api.json<{ data: { status: string; variables: Record<string, Record<string, unknown>> }[] }>('GET', `/v1/flow-sessions?conversation_id=${conv.id}`)).data.find((s) => s.status === 'completed'), 'completed');
    const seasonName = String(session.variables.colours!.season_name);
    expect(colours).toContain(seasonName);
    expect(String(session.variables.colours!.analysis_id)).toMatch(/^sta_/);
    expect(session.variables.look).toMatchObject({ product_id: 'shirt' });
    // The analysis is the style module's own, readable through its API.
    const analysis = await api.json<{ color: { palette: { name: { en: string } } } }>('GET', `/v1/style/analyses/${String(session.variables.colours!.analysis_id)}`, undefined, 200);
    expect(analysis.color.palette.name.en).toBe(seasonName);
    // The products that flatter the season, then the end step with it.
    expect(said[6]).toMatchObject({ type: 'list', body: 'These suit you:', sections: [{ rows: [{ id: 'peach-top', title: 'Peach top', description: '€18.00' }] }] });
    expect(said[7]).toMatchObject({ type: 'text', text: `Your season is ${seasonName}.` });
  }, 180_000);
});
