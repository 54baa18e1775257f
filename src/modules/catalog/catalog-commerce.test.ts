/**
 * The catalog's commerce fields on the real app: stock and variants on PUT, PATCH
 * /v1/products/:product_id (partial, checked as PUT, no coercion, image optional), tenant isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { dataUrl } from '../../../test/tryon-helpers.js';

let t: TestApp;
let shirt: string;

beforeAll(async () => {
  t = await createTestApp();
  shirt = dataUrl(await garmentPng());
});
afterAll(async () => t?.close());

const A = () => bearer(t.tenantA.secretKey);
const call = (method: 'GET' | 'PUT' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = A()) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

const VARIANTS = [
  { variant_id: 'tee-s', name: 'S / white', attributes: { size: 'S', color: 'white' }, stock: 2 },
  { variant_id: 'tee-m', name: 'M / white', attributes: { size: 'M', color: 'white' }, price: { amount: 2100, currency: 'EUR' } },
];

async function put(id: string, body: Record<string, unknown> = {}) {
  const res = await call('PUT', `/v1/products/${id}`, { name: `Product ${id}`, image: shirt, price: { amount: 1999, currency: 'EUR' }, ...body });
  expect([200, 201], res.body).toContain(res.statusCode);
  return res.json();
}

describe('happy', () => {
  it('PUT stores stock and variants (nulls for the product’s price and stock); a PUT without them resets them', async () => {
    const p = await put('tee', { stock: 10, variants: VARIANTS });
    expect(p.stock).toBe(10);
    expect(p.variants).toEqual([
      { variant_id: 'tee-s', name: 'S / white', attributes: { size: 'S', color: 'white' }, price: null, stock: 2 },
      { variant_id: 'tee-m', name: 'M / white', attributes: { size: 'M', color: 'white' }, price: { amount: 2100, currency: 'EUR' }, stock: null },
    ]);
    expect((await call('GET', '/v1/products/tee')).json()).toMatchObject({ stock: 10, variants: p.variants });
    const again = await put('tee');
    expect(again).toMatchObject({ stock: null, variants: [] });
  });

  it('PATCH changes only the fields given and keeps the image unless one is sent', async () => {
    const before = await put('patch-me', { metadata: { line: 'summer' }, url: 'https://shop.example/p/1', stock: 3, variants: VARIANTS });
    t.clock.advance(1000);
    const res = await call('PATCH', '/v1/products/patch-me', { price: { amount: 2500, currency: 'EUR' } });
    expect(res.statusCode, res.body).toBe(200);
    const after = res.json();
    expect(after).toMatchObject({
      name: 'Product patch-me',
      price: { amount: 2500, currency: 'EUR' },
      metadata: { line: 'summer' },
      url: 'https://shop.example/p/1',
      stock: 3,
      variants: before.variants,
      active: true,
      created_at: before.created_at,
    });
    expect(after.image.upload_id).toBe(before.image.upload_id);
    expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));

    const more = (await call('PATCH', '/v1/products/patch-me', { stock: 0, active: false, url: null, variants: [VARIANTS[0]] })).json();
    expect(more).toMatchObject({ stock: 0, active: false, url: null, variants: [{ variant_id: 'tee-s' }] });
    expect(more.variants).toHaveLength(1);
    expect((await call('PATCH', '/v1/products/patch-me', { stock: null })).json().stock).toBeNull();

    const img = await call('PATCH', '/v1/products/patch-me', { image: dataUrl(await garmentPng('rgb(20,20,200)')) });
    expect(img.statusCode, img.body).toBe(200);
    expect(img.json().image.upload_id).not.toBe(before.image.upload_id);
    expect((await call('PATCH', '/v1/products/patch-me', {})).statusCode).toBe(200);
  });

  it('PATCH of the price’s currency must agree with the variants’ prices', async () => {
    await put('cur', { variants: VARIANTS });
    problem(await call('PATCH', '/v1/products/cur', { price: { amount: 100, currency: 'USD' } }), 400, 'VALIDATION_FAILED');
    const ok = await call('PATCH', '/v1/products/cur', { price: { amount: 100, currency: 'USD' }, variants: [{ variant_id: 'x', name: 'X', price: { amount: 5, currency: 'USD' } }] });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ price: { amount: 100, currency: 'USD' }, variants: [{ variant_id: 'x', price: { amount: 5, currency: 'USD' } }] });
  });
});

describe('errors', () => {
  it('validates stock and variants on PUT and PATCH without coercing types', async () => {
    await put('valid');
    const bad: [string, Record<string, unknown>][] = [
      ['negative stock', { stock: -1 }],
      ['fractional stock', { stock: 1.5 }],
      ['stock as text', { stock: '5' }],
      ['active as text', { active: 'false' }],
      ['price amount as text', { price: { amount: '100', currency: 'EUR' } }],
      ['empty name', { name: '' }],
      ['unknown field', { colour: 'red' }],
      ['too many variants', { variants: Array.from({ length: 101 }, (_, i) => ({ variant_id: `v${i}`, name: `V${i}` })) }],
      ['a colon in a variant id', { variants: [{ variant_id: 'a:b', name: 'A' }] }],
      ['variant without a name', { variants: [{ variant_id: 'a' }] }],
      ['unknown variant field', { variants: [{ variant_id: 'a', name: 'A', sku: 'x' }] }],
      ['variant stock below zero', { variants: [{ variant_id: 'a', name: 'A', stock: -2 }] }],
      ['twice the same variant id', { variants: [{ variant_id: 'a', name: 'A' }, { variant_id: 'a', name: 'B' }] }],
      ['a variant priced in another currency', { variants: [{ variant_id: 'a', name: 'A', price: { amount: 1, currency: 'USD' } }] }],
    ];
    for (const [what, body] of bad) {
      problem(await call('PATCH', '/v1/products/valid', body), 400, 'VALIDATION_FAILED');
      const putRes = await call('PUT', '/v1/products/valid', { name: 'Valid', image: shirt, price: { amount: 1999, currency: 'EUR' }, ...body });
      expect(putRes.statusCode, `PUT ${what}`).toBe(400);
    }
    expect((await call('GET', '/v1/products/valid')).json()).toMatchObject({ name: 'Product valid', stock: null, variants: [], active: true });
    // 100 variants are fine.
    const hundred = await call('PATCH', '/v1/products/valid', { variants: Array.from({ length: 100 }, (_, i) => ({ variant_id: `v${i}`, name: `V${i}`, stock: i })) });
    expect(hundred.statusCode, hundred.body).toBe(200);
    expect(hundred.json().variants).toHaveLength(100);
  });

  it('PATCH of an unknown product or another tenant’s is 404; a publishable key is refused', async () => {
    await put('mine', { stock: 4 });
    problem(await call('PATCH', '/v1/products/nope', { stock: 1 }), 404, 'PRODUCT_NOT_FOUND');
    problem(await call('PATCH', '/v1/products/mine', { stock: 1 }, bearer(t.tenantB.secretKey)), 404, 'PRODUCT_NOT_FOUND');
    const pk = await call('PATCH', '/v1/products/mine', { stock: 1 }, bearer(t.tenantA.publishableKey));
    expect(pk.statusCode).toBe(403);
    expect((await call('GET', '/v1/products/mine')).json().stock).toBe(4);
  });
});
