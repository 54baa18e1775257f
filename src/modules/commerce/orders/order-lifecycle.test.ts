/**
 * An order's life on the real app: the status machine (history, 409 with the allowed next
 * statuses, a repeated status changes nothing), cancel giving stock back, PATCH (notes, payment
 * link, seller, shipping before payment), the list's filters and cursor, and tenant B's 404s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problem } from '../../../../test/harness.js';
import { caller, deliveries, ordersApp, putProduct, stockOf, type OrdersTestApp } from '../../../../test/orders-helpers.js';

let o: OrdersTestApp;
let call: ReturnType<typeof caller>;

beforeAll(async () => {
  o = await ordersApp();
  call = caller(o.t);
  const hook = await call('POST', '/v1/webhook-endpoints', { url: o.rx.url('/a'), event_types: ['order.status_changed'] });
  expect(hook.statusCode, hook.body).toBe(201);
  await putProduct(o.t, 'shirt', { name: 'Shirt', price: { amount: 2000, currency: 'EUR' }, stock: 100 });
  await putProduct(o.t, 'tee', { name: 'Tee', price: { amount: 1500, currency: 'EUR' }, stock: 10, variants: [{ variant_id: 's', name: 'S', stock: 4 }] });
});
afterAll(async () => o?.close());

async function newOrder(body: Record<string, unknown> = {}) {
  const res = await call('POST', '/v1/orders', { items: [{ product_id: 'shirt', quantity: 1 }], ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}
const move = (id: string, status: string, note?: string) => call('POST', `/v1/orders/${id}/status`, note === undefined ? { status } : { status, note });

describe('status machine', () => {
  it('pending → confirmed → paid → shipped → delivered, each recorded with its time and note, sent as a webhook, told to the shopper', async () => {
    const order = await newOrder({ contact_id: 'ctc_01SHOPPER' });
    const path = ['confirmed', 'paid', 'shipped', 'delivered'] as const;
    for (const [i, status] of path.entries()) {
      o.t.clock.advance(60_000);
      const res = await move(order.id, status, i === 2 ? 'Tracking AB123' : undefined);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().status).toBe(status);
    }
    const done = (await call('GET', `/v1/orders/${order.id}`)).json();
    expect(done.status_history.map((h: { status: string }) => h.status)).toEqual(['pending', ...path]);
    expect(done.status_history[3]).toMatchObject({ status: 'shipped', note: 'Tracking AB123' });
    const times = done.status_history.map((h: { at: string }) => Date.parse(h.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[4] - times[0]).toBe(4 * 60_000);
    expect(done.allowed_next).toEqual([]);

    const events = await deliveries(o.rx, '/a', 4);
    expect(events.map((e) => [e.data.from, e.data.to])).toEqual([
      ['pending', 'confirmed'],
      ['confirmed', 'paid'],
      ['paid', 'shipped'],
      ['shipped', 'delivered'],
    ]);
    expect(events.every((e) => e.type === 'order.status_changed' && (e.data.order as { id: string }).id === order.id)).toBe(true);
    const mine = o.notices.filter((n) => n.order.id === order.id);
    expect(mine.map((n) => `${n.from}>${n.to}`)).toEqual(['null>pending', 'pending>confirmed', 'confirmed>paid', 'paid>shipped', 'shipped>delivered']);
    expect(mine[2]!.order).toMatchObject({ contact_id: 'ctc_01SHOPPER', tenant_id: o.t.tenantA.id, status: 'paid' });
    expect(o.published.filter((p) => p.type === 'order.status_changed' && (p.data.order as { id: string }).id === order.id)).toHaveLength(4);
  });

  it('a move the machine does not allow is 409 with the allowed next statuses; the same status again changes nothing', async () => {
    const order = await newOrder();
    const skip = problem(await move(order.id, 'shipped'), 409, 'INVALID_ORDER_TRANSITION') as unknown as { status: string; allowed_next: string[] };
    expect(skip).toMatchObject({ status: 'pending', allowed_next: ['confirmed', 'canceled'] });
    expect((await move(order.id, 'confirmed')).statusCode).toBe(200);
    const before = o.notices.length;
    const again = await move(order.id, 'confirmed');
    expect(again.statusCode).toBe(200);
    expect(again.json().status_history).toHaveLength(2);
    expect(o.notices.length).toBe(before);
    problem(await move(order.id, 'pending'), 409, 'INVALID_ORDER_TRANSITION');
    problem(await call('POST', `/v1/orders/${order.id}/status`, { status: 'lost' }), 400, 'VALIDATION_FAILED');
    expect((await move(order.id, 'canceled')).statusCode).toBe(200);
    const final = problem(await move(order.id, 'paid'), 409, 'INVALID_ORDER_TRANSITION') as unknown as { allowed_next: string[] };
    expect(final.allowed_next).toEqual([]);
  });

  it('canceling gives the reserved stock back to the product and the variant; a shipped order cannot be canceled', async () => {
    const shirt = (await stockOf(o.t, 'shirt')).stock!;
    const order = await newOrder({ items: [{ product_id: 'shirt', quantity: 3 }, { product_id: 'tee', variant_id: 's', quantity: 2 }] });
    expect((await stockOf(o.t, 'shirt')).stock).toBe(shirt - 3);
    expect((await stockOf(o.t, 'tee')).variants[0]!.stock).toBe(2);
    await move(order.id, 'confirmed');
    await move(order.id, 'paid');
    const res = await move(order.id, 'canceled', 'Customer asked');
    expect(res.statusCode, res.body).toBe(200);
    expect((await stockOf(o.t, 'shirt')).stock).toBe(shirt);
    const tee = await stockOf(o.t, 'tee');
    expect(tee.variants[0]!.stock).toBe(4);
    expect(tee.stock).toBe(10);
    // Canceling again gives nothing more back.
    expect((await move(order.id, 'canceled')).statusCode).toBe(200);
    expect((await stockOf(o.t, 'shirt')).stock).toBe(shirt);

    const shipped = await newOrder();
    for (const s of ['confirmed', 'paid', 'shipped']) await move(shipped.id, s);
    problem(await move(shipped.id, 'canceled'), 409, 'INVALID_ORDER_TRANSITION');
    expect((await stockOf(o.t, 'shirt')).stock).toBe(shirt - 1);
  });
});

describe('PATCH', () => {
  it('changes notes, payment link, seller and (before payment) shipping; the total follows', async () => {
    const seller = (await call('POST', '/v1/sellers', { name: 'Sol', phone: '+5491133334444' })).json();
    const order = await newOrder({ shipping_amount: 300 });
    const res = await call('PATCH', `/v1/orders/${order.id}`, { notes: 'Gift wrap', payment_link: 'https://pay.example/x', seller_id: seller.id, shipping_amount: 700 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ notes: 'Gift wrap', payment_link: 'https://pay.example/x', seller_id: seller.id, shipping_amount: 700, subtotal_amount: 2000, total_amount: 2700 });
    expect(o.published.at(-1)).toMatchObject({ type: 'order.updated', data: { order: { id: order.id } } });
    expect((await call('GET', `/v1/sellers/${seller.id}`)).json().open_orders).toBe(1);

    const cleared = (await call('PATCH', `/v1/orders/${order.id}`, { notes: null, payment_link: null, seller_id: null })).json();
    expect(cleared).toMatchObject({ notes: null, payment_link: null, seller_id: null, total_amount: 2700 });
    expect((await call('GET', `/v1/sellers/${seller.id}`)).json().open_orders).toBe(0);

    await move(order.id, 'confirmed');
    await move(order.id, 'paid');
    problem(await call('PATCH', `/v1/orders/${order.id}`, { shipping_amount: 0 }), 409, 'ORDER_NOT_EDITABLE');
    expect((await call('PATCH', `/v1/orders/${order.id}`, { shipping_amount: 700, notes: 'Paid by card' })).statusCode).toBe(200);

    const off = (await call('POST', '/v1/sellers', { name: 'Off', phone: '+5491133335555', active: false })).json();
    problem(await call('PATCH', `/v1/orders/${order.id}`, { seller_id: off.id }), 422, 'SELLER_NOT_ASSIGNABLE');
    problem(await call('PATCH', `/v1/orders/${order.id}`, { seller_id: 'sel_01GONE' }), 422, 'SELLER_NOT_ASSIGNABLE');
    for (const bad of [{}, { notes: 5 }, { payment_link: 'ftp://x' }, { shipping_amount: '1' }, { status: 'paid' }]) {
      problem(await call('PATCH', `/v1/orders/${order.id}`, bad), 400, 'VALIDATION_FAILED');
    }
    problem(await call('PATCH', '/v1/orders/ord_01NOPE', { notes: 'x' }), 404, 'ORDER_NOT_FOUND');
  });
});

describe('list and tenants', () => {
  it('lists newest first with a cursor and filters by status, seller, conversation, contact and creation time', async () => {
    const seller = (await call('POST', '/v1/sellers', { name: 'Lu', phone: '+5491144445555' })).json();
    o.t.clock.advance(3_600_000);
    const from = new Date(o.t.clock.now()).toISOString();
    const made = [];
    for (let i = 0; i < 5; i++) {
      o.t.clock.advance(1000);
      made.push(await newOrder({ conversation_id: `cnv_L${i % 2}`, contact_id: `ctc_L${i}`, ...(i >= 3 ? { seller_id: seller.id } : {}) }));
    }
    await move(made[1].id, 'confirmed');
    const ids = (q: string) => call('GET', `/v1/orders?${q}`).then((r) => (r.json().data as { id: string }[]).map((x) => x.id));

    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 5; page++) {
      const body = (await call('GET', `/v1/orders?limit=2&created_gte=${encodeURIComponent(from)}${cursor}`)).json();
      seen.push(...body.data.map((x: { id: string }) => x.id));
      if (!body.has_more) break;
      cursor = `&starting_after=${body.data.at(-1).id}`;
    }
    expect(seen).toEqual(made.map((m) => m.id).reverse());
    expect(await ids(`status=confirmed&created_gte=${encodeURIComponent(from)}`)).toEqual([made[1].id]);
    expect(await ids(`seller_id=${seller.id}`)).toEqual([made[4].id, made[3].id]);
    expect(await ids('conversation_id=cnv_L1')).toEqual([made[3].id, made[1].id]);
    expect(await ids('contact_id=ctc_L2')).toEqual([made[2].id]);
    expect(await ids(`created_gte=${encodeURIComponent(from)}&created_lt=${encodeURIComponent(made[2].created_at)}`)).toEqual([made[1].id, made[0].id]);
    problem(await call('GET', '/v1/orders?status=lost'), 400, 'VALIDATION_FAILED');
    problem(await call('GET', '/v1/orders?created_gte=yesterday'), 400, 'VALIDATION_FAILED');
  });

  it('tenant B gets 404 for tenant A’s orders and does not see them in its list', async () => {
    const order = await newOrder();
    const B = o.t.tenantB.secretKey;
    problem(await call('GET', `/v1/orders/${order.id}`, undefined, B), 404, 'ORDER_NOT_FOUND');
    problem(await call('PATCH', `/v1/orders/${order.id}`, { notes: 'mine now' }, B), 404, 'ORDER_NOT_FOUND');
    problem(await call('POST', `/v1/orders/${order.id}/status`, { status: 'canceled' }, B), 404, 'ORDER_NOT_FOUND');
    expect((await call('GET', '/v1/orders?limit=100', undefined, B)).json().data).toEqual([]);
    expect((await call('GET', `/v1/orders/${order.id}`)).json()).toMatchObject({ status: 'pending', notes: null });
  });

  it('lists the order and seller routes in the OpenAPI document', async () => {
    const doc = (await call('GET', '/openapi.json')).json();
    expect(Object.keys(doc.paths['/v1/orders']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/orders/{id}']).sort()).toEqual(['get', 'patch']);
    expect(Object.keys(doc.paths['/v1/orders/{id}/status'])).toEqual(['post']);
    expect(Object.keys(doc.paths['/v1/sellers/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
  });
});
