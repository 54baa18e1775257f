/**
 * Creating orders on the real app: items priced from the catalog at that moment (a later price
 * change does not touch them), one currency, totals, stock reserved in the order's transaction (no
 * oversell under concurrent creates), every refusal (400, 409 OUT_OF_STOCK, 422), the webhook event,
 * the shopper's notice and the live inbox's event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problem } from '../../../../test/harness.js';
import { caller, deliveries, ordersApp, putProduct, stockOf, type OrdersTestApp } from '../../../../test/orders-helpers.js';

let o: OrdersTestApp;
let call: ReturnType<typeof caller>;

beforeAll(async () => {
  o = await ordersApp();
  call = caller(o.t);
  const hook = await call('POST', '/v1/webhook-endpoints', { url: o.rx.url('/a'), event_types: ['order.created', 'order.status_changed'] });
  expect(hook.statusCode, hook.body).toBe(201);
  const eur = (amount: number) => ({ amount, currency: 'EUR' });
  await putProduct(o.t, 'shirt', { name: 'Linen shirt', price: eur(2000), stock: 5 });
  await putProduct(o.t, 'tee', {
    name: 'Tee',
    price: eur(1500),
    stock: 10,
    variants: [
      { variant_id: 's', name: 'S', attributes: { size: 'S' }, stock: 2 },
      { variant_id: 'm', name: 'M', attributes: { size: 'M' }, price: eur(2100) },
    ],
  });
  await putProduct(o.t, 'mug', { name: 'Mug', price: eur(900) });
  await putProduct(o.t, 'cap', { name: 'Cap', price: { amount: 1000, currency: 'USD' } });
  await putProduct(o.t, 'sample', { name: 'Sample' });
  await putProduct(o.t, 'old', { name: 'Old', price: eur(100), active: false });
});
afterAll(async () => o?.close());

describe('happy', () => {
  it('prices each item from the catalog, totals in minor units, reserves stock, and tells the store, the shopper and the inbox', async () => {
    const res = await call('POST', '/v1/orders', {
      items: [
        { product_id: 'shirt', quantity: 2 },
        { product_id: 'tee', variant_id: 'm', quantity: 1 },
        { product_id: 'mug', quantity: 3 },
      ],
      shipping_amount: 500,
      customer: { name: 'Ana', phone: '+5491122334455' },
      notes: 'Ring twice',
      payment_link: 'https://pay.example/o/1',
      conversation_id: 'cnv_01ABC',
      contact_id: 'ctc_01ABC',
      bot_id: 'bot_01ABC',
      source: 'flow',
      metadata: { campaign: 'spring' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const order = res.json();
    expect(order.id).toMatch(/^ord_[0-9A-Z]{26}$/);
    expect(order).toMatchObject({
      object: 'order',
      status: 'pending',
      allowed_next: ['confirmed', 'canceled'],
      source: 'flow',
      currency: 'EUR',
      subtotal_amount: 2 * 2000 + 2100 + 3 * 900,
      shipping_amount: 500,
      total_amount: 2 * 2000 + 2100 + 3 * 900 + 500,
      payment_link: 'https://pay.example/o/1',
      notes: 'Ring twice',
      customer: { name: 'Ana', phone: '+5491122334455' },
      seller_id: null,
      conversation_id: 'cnv_01ABC',
      contact_id: 'ctc_01ABC',
      bot_id: 'bot_01ABC',
      metadata: { campaign: 'spring' },
    });
    expect(order.items).toEqual([
      { product_id: 'shirt', variant_id: null, name: 'Linen shirt', variant_name: null, quantity: 2, unit_amount: 2000, total_amount: 4000, currency: 'EUR', cart_price: null },
      { product_id: 'tee', variant_id: 'm', name: 'Tee (M)', variant_name: 'M', quantity: 1, unit_amount: 2100, total_amount: 2100, currency: 'EUR', cart_price: null },
      { product_id: 'mug', variant_id: null, name: 'Mug', variant_name: null, quantity: 3, unit_amount: 900, total_amount: 2700, currency: 'EUR', cart_price: null },
    ]);
    expect(order.status_history).toEqual([{ status: 'pending', at: order.created_at, note: null }]);
    expect((await call('GET', `/v1/orders/${order.id}`)).json()).toEqual(order);

    // Stock: the shirt's own, the tee's (variant m has none of its own), the mug is not tracked.
    expect((await stockOf(o.t, 'shirt')).stock).toBe(3);
    const tee = await stockOf(o.t, 'tee');
    expect(tee.stock).toBe(9);
    expect(tee.variants.find((v) => v.variant_id === 's')!.stock).toBe(2);
    expect((await stockOf(o.t, 'mug')).stock).toBeNull();

    const [event] = await deliveries(o.rx, '/a', 1);
    expect(event).toMatchObject({ type: 'order.created', data: { order: { id: order.id, total_amount: order.total_amount } } });
    expect(o.notices.at(-1)).toMatchObject({ from: null, to: 'pending', order: { id: order.id, tenant_id: o.t.tenantA.id, contact_id: 'ctc_01ABC' } });
    expect(o.published.at(-1)).toMatchObject({ tenantId: o.t.tenantA.id, type: 'order.created', data: { order: { id: order.id } } });
  });

  it('keeps the price it was made with when the catalog price changes later', async () => {
    await putProduct(o.t, 'lamp', { name: 'Lamp', price: { amount: 5000, currency: 'EUR' } });
    const order = (await call('POST', '/v1/orders', { items: [{ product_id: 'lamp', quantity: 1 }] })).json();
    expect((await call('PATCH', '/v1/products/lamp', { price: { amount: 9900, currency: 'EUR' }, name: 'Lamp XL' })).statusCode).toBe(200);
    const again = (await call('GET', `/v1/orders/${order.id}`)).json();
    expect(again.items[0]).toMatchObject({ name: 'Lamp', unit_amount: 5000, total_amount: 5000 });
    expect(again.total_amount).toBe(5000);
    const next = (await call('POST', '/v1/orders', { items: [{ product_id: 'lamp', quantity: 1 }] })).json();
    expect(next.items[0]).toMatchObject({ name: 'Lamp XL', unit_amount: 9900 });
  });

  it('the same product and variant twice are one line; a variant’s own stock is reserved from the variant', async () => {
    const order = (await call('POST', '/v1/orders', { items: [{ product_id: 'tee', variant_id: 's', quantity: 1 }, { product_id: 'tee', variant_id: 's', quantity: 1 }] })).json();
    expect(order.items).toHaveLength(1);
    expect(order.items[0]).toMatchObject({ variant_id: 's', quantity: 2, unit_amount: 1500, total_amount: 3000 });
    const tee = await stockOf(o.t, 'tee');
    expect(tee.variants.find((v) => v.variant_id === 's')!.stock).toBe(0);
    expect(tee.stock).toBe(9);
  });
});

describe('idempotency', () => {
  it('a POST retried with the same Idempotency-Key answers the first order and reserves once', async () => {
    await putProduct(o.t, 'idem', { name: 'Idem', price: { amount: 300, currency: 'EUR' }, stock: 10 });
    const post = () =>
      o.t.app.inject({ method: 'POST', url: '/v1/orders', headers: { authorization: `Bearer ${o.t.tenantA.secretKey}`, 'idempotency-key': 'order-idem-1' }, payload: { items: [{ product_id: 'idem', quantity: 4 }] } });
    const first = await post();
    const again = await post();
    expect(first.statusCode, first.body).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    expect((await stockOf(o.t, 'idem')).stock).toBe(6);
  });
});

describe('stock', () => {
  it('never oversells: of 12 concurrent orders for 5 units, 5 succeed and 7 are OUT_OF_STOCK', async () => {
    await putProduct(o.t, 'last-units', { name: 'Last units', price: { amount: 100, currency: 'EUR' }, stock: 5 });
    const results = await Promise.all(Array.from({ length: 12 }, () => call('POST', '/v1/orders', { items: [{ product_id: 'last-units', quantity: 1 }] })));
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(5);
    expect(codes.filter((c) => c === 409)).toHaveLength(7);
    for (const r of results.filter((x) => x.statusCode === 409)) expect(r.json()).toMatchObject({ code: 'OUT_OF_STOCK', items: [{ product_id: 'last-units', requested: 1, available: 0 }] });
    expect((await stockOf(o.t, 'last-units')).stock).toBe(0);
  });

  it('refuses more than the stock with 409 naming the item, and reserves nothing from the other items', async () => {
    await putProduct(o.t, 'few', { name: 'Few', price: { amount: 100, currency: 'EUR' }, stock: 3 });
    await putProduct(o.t, 'many', { name: 'Many', price: { amount: 100, currency: 'EUR' }, stock: 50 });
    const body = problem(await call('POST', '/v1/orders', { items: [{ product_id: 'many', quantity: 5 }, { product_id: 'few', quantity: 4 }] }), 409, 'OUT_OF_STOCK');
    expect(body.detail).toContain('few');
    expect((await stockOf(o.t, 'few')).stock).toBe(3);
    expect((await stockOf(o.t, 'many')).stock).toBe(50);
    const variant = problem(await call('POST', '/v1/orders', { items: [{ product_id: 'tee', variant_id: 's', quantity: 1 }] }), 409, 'OUT_OF_STOCK');
    expect(variant.detail).toContain('tee:s');
  });
});

describe('errors', () => {
  it('validates the body (400) without coercing types', async () => {
    const bad: unknown[] = [
      {},
      { items: [] },
      { items: [{ product_id: 'shirt', quantity: 0 }] },
      { items: [{ product_id: 'shirt', quantity: '1' }] },
      { items: [{ product_id: 'shirt', quantity: 1.5 }] },
      { items: [{ product_id: 'shirt', quantity: 1, price: 1 }] },
      { items: [{ product_id: 'shirt', quantity: 1 }], shipping_amount: -1 },
      { items: [{ product_id: 'shirt', quantity: 1 }], payment_link: 'http://pay.example/x' },
      { items: [{ product_id: 'shirt', quantity: 1 }], customer: { phone: '1122334455' } },
      { items: [{ product_id: 'shirt', quantity: 1 }], customer: { phone: '+1234567' } },
      { items: [{ product_id: 'shirt', quantity: 1 }], conversation_id: 'msg_01' },
      { items: [{ product_id: 'shirt', quantity: 1 }], source: 'email' },
      { items: Array.from({ length: 101 }, () => ({ product_id: 'mug', quantity: 1 })) },
    ];
    for (const payload of bad) problem(await call('POST', '/v1/orders', payload), 400, 'VALIDATION_FAILED');
    expect((await stockOf(o.t, 'shirt')).stock).toBe(3);
  });

  it('422 ORDER_ITEM_INVALID lists every item that cannot be ordered, and reserves nothing', async () => {
    const res = await call('POST', '/v1/orders', {
      items: [
        { product_id: 'shirt', quantity: 1 },
        { product_id: 'ghost', quantity: 1 },
        { product_id: 'old', quantity: 1 },
        { product_id: 'sample', quantity: 1 },
        { product_id: 'tee', quantity: 1 },
        { product_id: 'tee', variant_id: 'xl', quantity: 1 },
        { product_id: 'cap', quantity: 1 },
      ],
    });
    const body = problem(res, 422, 'ORDER_ITEM_INVALID') as unknown as { items: { product_id: string; reason: string }[] };
    expect(body.items.map((i) => `${i.product_id}:${i.reason}`)).toEqual([
      'ghost:unknown_product',
      'old:product_inactive',
      'sample:no_price',
      'tee:variant_required',
      'tee:unknown_variant',
      'cap:currency_mismatch',
    ]);
    expect((await stockOf(o.t, 'shirt')).stock).toBe(3);
  });

  it('a seller that does not exist or is inactive cannot be given the order (422)', async () => {
    problem(await call('POST', '/v1/orders', { items: [{ product_id: 'mug', quantity: 1 }], seller_id: 'sel_01NOPE' }), 422, 'SELLER_NOT_ASSIGNABLE');
    const off = (await call('POST', '/v1/sellers', { name: 'Off', phone: '+34612345678', active: false })).json();
    problem(await call('POST', '/v1/orders', { items: [{ product_id: 'mug', quantity: 1 }], seller_id: off.id }), 422, 'SELLER_NOT_ASSIGNABLE');
    const on = (await call('POST', '/v1/sellers', { name: 'On', phone: '+34612345679' })).json();
    const res = await call('POST', '/v1/orders', { items: [{ product_id: 'mug', quantity: 1 }], seller_id: on.id });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().seller_id).toBe(on.id);
  });

  it('tenant B cannot order tenant A’s products, and a publishable key cannot order at all', async () => {
    const res = await call('POST', '/v1/orders', { items: [{ product_id: 'mug', quantity: 1 }] }, o.t.tenantB.secretKey);
    expect((problem(res, 422, 'ORDER_ITEM_INVALID') as unknown as { items: { reason: string }[] }).items[0]!.reason).toBe('unknown_product');
    expect((await call('POST', '/v1/orders', { items: [{ product_id: 'mug', quantity: 1 }] }, o.t.tenantA.publishableKey)).statusCode).toBe(403);
  });
});
