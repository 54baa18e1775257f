/**
 * The product catalog on the real app: PUT/GET/list/DELETE /v1/products, try-ons by product_id
 * alone (local engine, result cache), tenant isolation, publishable keys, hostile images, OpenAPI,
 * and the life of a product's image (kept past retention; a replaced one expires).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { ASTRONAUT, dataUrl, waitForTryon } from '../../../test/tryon-helpers.js';
import { createLocalProvider } from '../tryon/index.js';
import { runMaintenance } from '../../maintenance.js';

let t: TestApp;
let shirt: string;
let pants: string;

beforeAll(async () => {
  t = await createTestApp({ build: { tryon: { providers: [createLocalProvider()] } } });
  shirt = dataUrl(await garmentPng());
  pants = dataUrl(await garmentPng('rgb(30,30,200)'));
});
afterAll(async () => t?.close());

type Product = {
  object: 'product';
  product_id: string;
  name: string;
  url: string | null;
  price: { amount: number; currency: string } | null;
  category: string;
  image: { upload_id: string; url: string; url_expires_at: string; content_type: string; width: number; height: number; bytes: number };
  metadata: Record<string, unknown>;
  active: boolean;
  created_at: string;
  updated_at: string;
};

const A = () => bearer(t.tenantA.secretKey);
const B = () => bearer(t.tenantB.secretKey);
const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, headers: Record<string, string> = A(), payload?: unknown) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

async function put(productId: string, body: Record<string, unknown> = {}, headers: Record<string, string> = A()): Promise<Product> {
  const res = await call('PUT', `/v1/products/${productId}`, headers, { name: `Product ${productId}`, image: shirt, category: 'tops', ...body });
  expect([200, 201], res.body).toContain(res.statusCode);
  return res.json() as Product;
}

const tryon = (payload: unknown, headers: Record<string, string> = A()) => call('POST', '/v1/tryons', headers, payload);

async function count(table: string, where = 'true') {
  return ((await t.deps.db.execute(sql.raw(`select count(*)::int as n from ${table} where ${where}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n;
}

describe('happy', () => {
  it('creates a product (201), reads it with a signed image link, replaces it (200)', async () => {
    const res = await call('PUT', '/v1/products/linen-shirt', A(), {
      name: 'Linen shirt',
      image: shirt,
      category: 'tops',
      url: 'https://shop-a.example/p/linen-shirt',
      price: { amount: 4995, currency: 'EUR' },
      metadata: { colour: 'red', sizes: ['S', 'M'], stock: { S: 3 } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const p = res.json() as Product;
    expect(p).toMatchObject({
      object: 'product',
      product_id: 'linen-shirt',
      name: 'Linen shirt',
      category: 'tops',
      url: 'https://shop-a.example/p/linen-shirt',
      price: { amount: 4995, currency: 'EUR' },
      metadata: { colour: 'red', sizes: ['S', 'M'], stock: { S: 3 } },
      active: true,
      image: { content_type: 'image/png', width: 200, height: 200 },
    });
    expect(p.image.upload_id).toMatch(/^upl_/);
    expect(Date.parse(p.image.url_expires_at)).toBeGreaterThan(t.clock.now());
    const file = await t.app.inject({ method: 'GET', url: new URL(p.image.url).pathname });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');

    const got = await call('GET', '/v1/products/linen-shirt');
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ product_id: 'linen-shirt', name: 'Linen shirt', image: { upload_id: p.image.upload_id } });

    t.clock.advance(1000);
    const again = await call('PUT', '/v1/products/linen-shirt', A(), { name: 'Linen shirt, red', image: shirt, active: false });
    expect(again.statusCode, again.body).toBe(200);
    const r = again.json() as Product;
    // A PUT replaces the whole product: fields left out go back to their defaults.
    expect(r).toMatchObject({ name: 'Linen shirt, red', category: 'auto', url: null, price: null, metadata: {}, active: false, created_at: p.created_at });
    expect(Date.parse(r.updated_at)).toBeGreaterThan(Date.parse(p.updated_at));
    expect(r.image.upload_id).not.toBe(p.image.upload_id);
  });

  it('lists products in product_id order with a cursor, and filters by active and category', async () => {
    const ids = ['list-01', 'list-02', 'list-03', 'list-04', 'list-05'];
    for (const [i, id] of ids.entries()) await put(id, { category: i % 2 === 0 ? 'tops' : 'bottoms', active: i !== 4, metadata: { list: true } });
    const seen: string[] = [];
    let cursor: string | undefined = 'list-00';
    for (let page = 0; page < 10 && cursor; page++) {
      const res = await call('GET', `/v1/products?limit=2&starting_after=${cursor}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { object: string; data: Product[]; has_more: boolean };
      expect(body.object).toBe('list');
      expect(body.data.length).toBeLessThanOrEqual(2);
      const mine = body.data.filter((p) => p.product_id.startsWith('list-'));
      seen.push(...mine.map((p) => p.product_id));
      cursor = body.has_more && mine.length === body.data.length ? body.data.at(-1)!.product_id : undefined;
    }
    expect(seen).toEqual(ids);
    const first = (await call('GET', '/v1/products?limit=2&starting_after=list-00')).json();
    expect(first.has_more).toBe(true);
    expect(first.data[0].image.url).toMatch(/\/v1\/files\//);

    const onlyList = (rows: Product[]) => rows.filter((p) => p.product_id.startsWith('list-')).map((p) => p.product_id);
    const bottoms = (await call('GET', '/v1/products?category=bottoms&limit=100')).json().data as Product[];
    expect(onlyList(bottoms)).toEqual(['list-02', 'list-04']);
    expect(bottoms.every((p) => p.category === 'bottoms')).toBe(true);
    const inactive = (await call('GET', '/v1/products?active=false&limit=100')).json().data as Product[];
    expect(onlyList(inactive)).toEqual(['list-05']);
    const activeTops = (await call('GET', '/v1/products?active=true&category=tops&limit=100')).json().data as Product[];
    expect(onlyList(activeTops)).toEqual(['list-01', 'list-03']);
  });

  it('deletes a product (204); then it is not found', async () => {
    await put('to-delete');
    const res = await call('DELETE', '/v1/products/to-delete');
    expect(res.statusCode).toBe(204);
    problem(await call('GET', '/v1/products/to-delete'), 404, 'PRODUCT_NOT_FOUND');
    problem(await call('DELETE', '/v1/products/to-delete'), 404, 'PRODUCT_NOT_FOUND');
    expect(((await call('GET', '/v1/products?limit=100')).json().data as Product[]).map((p) => p.product_id)).not.toContain('to-delete');
  });

  it('copies an upload given by id: the product keeps its image after the upload is deleted', async () => {
    const up = (await call('POST', '/v1/uploads', A(), { data_url: dataUrl(await garmentPng('rgb(20,160,20)')), kind: 'garment' })).json();
    const p = await put('from-upload', { image: up.id });
    expect(p.image.upload_id).not.toBe(up.id);
    expect((await call('DELETE', `/v1/uploads/${up.id}`)).statusCode).toBe(204);
    const file = await t.app.inject({ method: 'GET', url: new URL((await call('GET', '/v1/products/from-upload')).json().image.url).pathname });
    expect(file.statusCode).toBe(200);
    problem(await call('PUT', '/v1/products/from-upload', A(), { name: 'x', image: up.id }), 410, 'UPLOAD_GONE');
  });
});

describe('try-on by product_id', () => {
  it('a garment given as { product_id } alone succeeds end to end, records the product and takes its category', async () => {
    const p = await put('tee-red', { image: shirt, category: 'tops' });
    const res = await tryon({ person: dataUrl(ASTRONAUT), garments: [{ product_id: 'tee-red' }] });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().garments).toEqual([{ upload_id: p.image.upload_id, product_id: 'tee-red', category: 'tops' }]);
    const done = await waitForTryon(t, res.json().id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.provider).toBe('local');
    expect(done.cached).toBe(false);
    expect(done.garments).toEqual([{ upload_id: p.image.upload_id, product_id: 'tee-red', category: 'tops' }]);
    const file = await t.app.inject({ method: 'GET', url: new URL(done.result.url).pathname });
    expect(file.statusCode).toBe(200);
    // Counted per product in analytics like any try-on with a product_id.
    expect(await count('tryons', `garments @> '[{"product_id":"tee-red"}]'::jsonb`)).toBe(1);
  });

  it('a multipart try-on (person file) with product_id fields alone tries the products on', async () => {
    const p1 = await put('mp-tee', { image: shirt, category: 'tops' });
    const p2 = await put('mp-pants', { image: pants, category: 'bottoms' });
    const boundary = 'probadorproducts';
    const part = (name: string, value: string) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="person"; filename="me.png"\r\ncontent-type: image/png\r\n\r\n`),
      ASTRONAUT,
      Buffer.from(`\r\n${part('product_id', 'mp-tee')}${part('product_id', 'mp-pants')}${part('mode', 'fast')}--${boundary}--\r\n`),
    ]);
    const res = await t.app.inject({ method: 'POST', url: '/v1/tryons', headers: { ...A(), 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().mode).toBe('fast');
    expect(res.json().garments).toEqual([
      { upload_id: p1.image.upload_id, product_id: 'mp-tee', category: 'tops' },
      { upload_id: p2.image.upload_id, product_id: 'mp-pants', category: 'bottoms' },
    ]);
    expect((await waitForTryon(t, res.json().id)).status).toBe('succeeded');
  });

  it('the request’s category wins over the product’s unless it is auto', async () => {
    await put('two-way', { image: pants, category: 'bottoms' });
    const person = dataUrl(ASTRONAUT);
    const auto = await tryon({ person, garments: [{ product_id: 'two-way', category: 'auto' }] });
    expect(auto.statusCode, auto.body).toBe(202);
    expect(auto.json().garments[0].category).toBe('bottoms');
    const named = await tryon({ person, garments: [{ product_id: 'two-way', category: 'one-pieces' }] });
    expect(named.json().garments[0].category).toBe('one-pieces');
    await put('no-category', { image: pants, category: undefined });
    expect((await tryon({ person, garments: [{ product_id: 'no-category' }] })).json().garments[0].category).toBe('auto');
    for (const id of [auto.json().id, named.json().id]) expect((await waitForTryon(t, id)).status).toBe('succeeded');
  });

  it('a repeat by product id is a cache hit with zero provider calls, and so is the same image sent as bytes', async () => {
    const green = dataUrl(await garmentPng('rgb(10,150,60)'));
    await put('tee-green', { image: green, category: 'tops' });
    const person = (await call('POST', '/v1/uploads', A(), { data_url: dataUrl(ASTRONAUT) })).json().id as string;
    const first = await waitForTryon(t, (await tryon({ person, garments: [{ product_id: 'tee-green' }] })).json().id);
    expect(first.status).toBe('succeeded');
    const attempts = await count('tryon_attempts');
    const again = await tryon({ person, garments: [{ product_id: 'tee-green' }] });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ status: 'succeeded', cached: true, garments: [{ product_id: 'tee-green', category: 'tops' }] });
    expect(again.json().result.url).toBeTruthy();
    // The cache keys on the image's sha256: the same bytes sent inline hit the same entry.
    const inline = await tryon({ person, garments: [{ image: green, category: 'tops' }] });
    expect(inline.json()).toMatchObject({ status: 'succeeded', cached: true });
    expect(await count('tryon_attempts')).toBe(attempts);
  });

  it('an image given with a product_id wins (no catalog lookup), as before', async () => {
    const res = await tryon({ person: dataUrl(ASTRONAUT), garments: [{ image: shirt, product_id: 'not-in-catalog', category: 'tops' }] });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().garments[0]).toMatchObject({ product_id: 'not-in-catalog', category: 'tops' });
    expect(res.json().garments[0].upload_id).not.toBe((await call('GET', '/v1/products/tee-red')).json().image.upload_id);
  });

  it('refuses unknown, deleted and inactive products before anything is queued', async () => {
    const before = await count('tryons');
    const person = dataUrl(ASTRONAUT);
    const unknown = problem(await tryon({ person, garments: [{ product_id: 'no-such-product' }] }), 404, 'PRODUCT_NOT_FOUND');
    expect(unknown.detail).toContain('no-such-product');
    await put('gone-soon');
    expect((await call('DELETE', '/v1/products/gone-soon')).statusCode).toBe(204);
    problem(await tryon({ person, garments: [{ product_id: 'gone-soon' }] }), 404, 'PRODUCT_NOT_FOUND');
    await put('paused', { active: false });
    problem(await tryon({ person, garments: [{ product_id: 'paused' }] }), 422, 'PRODUCT_INACTIVE');
    // One bad garment of an outfit refuses the whole try-on.
    await put('fine-top');
    problem(await tryon({ person, garments: [{ product_id: 'fine-top' }, { product_id: 'no-such-product' }] }), 404, 'PRODUCT_NOT_FOUND');
    problem(await tryon({ person, garments: [{}] }), 400, 'VALIDATION_FAILED');
    expect(await count('tryons')).toBe(before);
  });

  it('a product whose image upload was erased is refused with 410', async () => {
    const p = await put('erased-image');
    expect((await call('DELETE', `/v1/uploads/${p.image.upload_id}`)).statusCode).toBe(204);
    problem(await tryon({ person: dataUrl(ASTRONAUT), garments: [{ product_id: 'erased-image' }] }), 410, 'UPLOAD_GONE');
  });
});

describe('security', () => {
  it('tenant B gets 404 for tenant A’s products and cannot try them on', async () => {
    await put('a-only', { name: 'A only' });
    problem(await call('GET', '/v1/products/a-only', B()), 404, 'PRODUCT_NOT_FOUND');
    problem(await call('DELETE', '/v1/products/a-only', B()), 404, 'PRODUCT_NOT_FOUND');
    expect(((await call('GET', '/v1/products?limit=100', B())).json().data as Product[]).map((p) => p.product_id)).not.toContain('a-only');
    problem(await tryon({ person: dataUrl(ASTRONAUT), garments: [{ product_id: 'a-only' }] }, B()), 404, 'PRODUCT_NOT_FOUND');
    const bPk = { ...bearer(t.tenantB.publishableKey), origin: t.tenantB.origin, 'probador-session': 'tenant-b-session-aaaaaaaa' };
    problem(await tryon({ person: dataUrl(ASTRONAUT), garments: [{ product_id: 'a-only' }] }, bPk), 404, 'PRODUCT_NOT_FOUND');
    // B's own product of the same id is B's alone; A's is untouched.
    const res = await call('PUT', '/v1/products/a-only', B(), { name: 'B’s', image: pants });
    expect(res.statusCode).toBe(201);
    expect((await call('GET', '/v1/products/a-only')).json().name).toBe('A only');
    expect((await call('DELETE', '/v1/products/a-only', B())).statusCode).toBe(204);
    expect((await call('GET', '/v1/products/a-only')).statusCode).toBe(200);
    // Another tenant's upload id is not copied into a product.
    const up = (await call('POST', '/v1/uploads', A(), { data_url: shirt, kind: 'garment' })).json();
    problem(await call('PUT', '/v1/products/b-steals', B(), { name: 'x', image: up.id }), 404, 'UPLOAD_NOT_FOUND');
  });

  it('a publishable key cannot use the catalog endpoints, but may try on its own tenant’s products from an allowed origin', async () => {
    await put('widget-tee', { image: shirt, category: 'tops' });
    const pk = { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin, 'probador-session': 'widget-session-aaaaaaaaaaaa' };
    problem(await call('GET', '/v1/products', pk), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
    problem(await call('GET', '/v1/products/widget-tee', pk), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
    problem(await call('PUT', '/v1/products/widget-tee', pk, { name: 'hijack', image: shirt }), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
    problem(await call('DELETE', '/v1/products/widget-tee', pk), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
    expect((await call('GET', '/v1/products/widget-tee')).json().name).toBe('Product widget-tee');

    const res = await tryon({ person: dataUrl(ASTRONAUT), garments: [{ product_id: 'widget-tee' }] }, pk);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBe(t.tenantA.origin);
    expect(res.json().garments[0]).toMatchObject({ product_id: 'widget-tee', category: 'tops' });
    const done = await waitForTryon(t, res.json().id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect((await call('GET', `/v1/tryons/${done.id}`, pk)).statusCode).toBe(200);
    problem(await tryon({ person: dataUrl(ASTRONAUT), garments: [{ product_id: 'widget-tee' }] }, { ...pk, origin: 'https://evil.example' }), 403, 'ORIGIN_NOT_ALLOWED');
  });

  it('refuses hostile images and addresses on PUT with a 4xx, and stores nothing', async () => {
    const uploadsBefore = await count('uploads');
    const svg = `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>').toString('base64')}`;
    const svgAsPng = `data:image/png;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>').toString('base64')}`;
    const text = `data:image/jpeg;base64,${Buffer.from('just some text, not a picture').toString('base64')}`;
    const refused = async (image: string) => (await call('PUT', '/v1/products/hostile', A(), { name: 'Hostile', image })).json() as { status: number; code: string };
    for (const image of [svg, svgAsPng, text]) {
      const p = await refused(image);
      expect(p.status, image.slice(0, 30)).toBeGreaterThanOrEqual(400);
      expect(p.status).toBeLessThan(500);
    }
    problem(await call('PUT', '/v1/products/hostile', A(), { name: 'Hostile', image: text }), 415, 'UNSUPPORTED_IMAGE_TYPE');
    problem(await call('PUT', '/v1/products/hostile', A(), { name: 'Hostile', image: svgAsPng }), 415, 'UNSUPPORTED_IMAGE_TYPE');
    for (const url of ['http://127.0.0.1:1/x.png', 'http://169.254.169.254/latest/meta-data/', 'file:///etc/passwd']) {
      problem(await call('PUT', '/v1/products/hostile', A(), { name: 'Hostile', image: url }), 400, 'URL_NOT_ALLOWED');
    }
    problem(await call('GET', '/v1/products/hostile'), 404, 'PRODUCT_NOT_FOUND');
    expect(await count('uploads')).toBe(uploadsBefore);
  });
});

describe('errors', () => {
  it('validates ids, prices, urls and metadata', async () => {
    const ok = { name: 'x', image: shirt };
    problem(await call('PUT', '/v1/products/-starts-with-dash', A(), ok), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', `/v1/products/${'x'.repeat(129)}`, A(), ok), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', '/v1/products/has%20space', A(), ok), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', '/v1/products/p1', A(), { image: shirt }), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', '/v1/products/p1', A(), { name: 'x' }), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', '/v1/products/p1', A(), { ...ok, price: { amount: 19.99, currency: 'EUR' } }), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', '/v1/products/p1', A(), { ...ok, price: { amount: 1999, currency: 'eur' } }), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', '/v1/products/p1', A(), { ...ok, category: 'shoes' }), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', '/v1/products/p1', A(), { ...ok, url: 'javascript:alert(1)' }), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', '/v1/products/p1', A(), { ...ok, metadata: { big: 'x'.repeat(9000) } }), 400, 'VALIDATION_FAILED');
    problem(await call('PUT', '/v1/products/p1', A(), { ...ok, colour: 'red' }), 400, 'VALIDATION_FAILED');
    problem(await call('GET', '/v1/products?category=shoes'), 400, 'VALIDATION_FAILED');
    problem(await call('GET', '/v1/products?limit=500'), 400, 'VALIDATION_FAILED');
    problem(await call('GET', '/v1/products/p1'), 404, 'PRODUCT_NOT_FOUND');
    problem(await call('GET', '/v1/products', {}), 401, 'UNAUTHENTICATED');
  });

  it('lists the catalog routes in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths['/v1/products/{product_id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch', 'put']);
    expect(Object.keys(doc.paths['/v1/products'] ?? {})).toEqual(['get']);
    expect(doc.paths['/v1/products/{product_id}'].put.security).toEqual([{ apiKey: [] }]);
    expect(Object.keys(doc.paths['/v1/products/{product_id}'].put.responses)).toEqual(expect.arrayContaining(['200', '201', '404', '415']));
    const named = Object.values(doc.components.schemas as Record<string, { title?: string }>).map((c) => c.title);
    expect(named).toContain('Product');
  });
});

// Last: moves the shared clock by a day.
describe('image lifetime', () => {
  it('a product’s image outlives the tenant’s retention; a replaced one expires with it', async () => {
    const old = await put('long-lived', { image: shirt });
    const current = await put('long-lived', { image: pants });
    expect(current.image.upload_id).not.toBe(old.image.upload_id);
    const expiry = async (id: string) =>
      ((await t.deps.db.execute(sql`select expires_at from uploads where id = ${id}`)) as unknown as { rows: { expires_at: string | Date | null }[] }).rows[0]!.expires_at;
    expect(await expiry(current.image.upload_id)).toBeNull();
    expect(await expiry(old.image.upload_id)).not.toBeNull();
    t.clock.advance(25 * 3600 * 1000); // past the default 24 h retention
    await runMaintenance(t.deps, { purgeTryons: () => t.modules.tryon.purgeExpired() });
    const after = (await call('GET', '/v1/products/long-lived')).json() as Product;
    expect((await t.app.inject({ method: 'GET', url: new URL(after.image.url).pathname })).statusCode).toBe(200);
    expect(await count('uploads', `id = '${old.image.upload_id}' and deleted_at is not null`)).toBe(1);
    const res = await tryon({ person: dataUrl(ASTRONAUT), garments: [{ product_id: 'long-lived' }] });
    expect(res.statusCode, res.body).toBe(202);
    expect((await waitForTryon(t, res.json().id)).status).toBe('succeeded');
  });
});
