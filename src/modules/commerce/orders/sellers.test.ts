/**
 * Sellers on the real app: CRUD, phone numbers checked against their country's plan and unique in
 * a store, open orders and (through the port) open conversations, a deleted seller's open orders
 * unassigned, tenant B's 404s, and the functions the commerce core uses (sellerExists, seller).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problem } from '../../../../test/harness.js';
import { caller, ordersApp, putProduct, type OrdersTestApp } from '../../../../test/orders-helpers.js';

let o: OrdersTestApp;
let call: ReturnType<typeof caller>;

beforeAll(async () => {
  o = await ordersApp();
  call = caller(o.t);
  await putProduct(o.t, 'mug', { name: 'Mug', price: { amount: 900, currency: 'EUR' } });
});
afterAll(async () => o?.close());

async function newSeller(body: Record<string, unknown>) {
  const res = await call('POST', '/v1/sellers', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe('happy', () => {
  it('creates, reads, changes and deletes a seller', async () => {
    const s = await newSeller({ name: 'Marta', phone: '+34612345678', email: 'marta@shop.example', max_open_conversations: 5, metadata: { team: 'north' } });
    expect(s.id).toMatch(/^sel_[0-9A-Z]{26}$/);
    expect(s).toMatchObject({ object: 'seller', name: 'Marta', phone: '+34612345678', email: 'marta@shop.example', active: true, max_open_conversations: 5, open_orders: 0, open_conversations: 0, metadata: { team: 'north' } });
    expect((await call('GET', `/v1/sellers/${s.id}`)).json()).toEqual(s);

    o.t.clock.advance(1000);
    const changed = await call('PATCH', `/v1/sellers/${s.id}`, { active: false, email: null, max_open_conversations: null, phone: '+34612345670' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ name: 'Marta', active: false, email: null, max_open_conversations: null, phone: '+34612345670', created_at: s.created_at });
    expect(Date.parse(changed.json().updated_at)).toBeGreaterThan(Date.parse(s.updated_at));

    expect((await call('DELETE', `/v1/sellers/${s.id}`)).statusCode).toBe(204);
    problem(await call('GET', `/v1/sellers/${s.id}`), 404, 'SELLER_NOT_FOUND');
    problem(await call('DELETE', `/v1/sellers/${s.id}`), 404, 'SELLER_NOT_FOUND');
  });

  it('shows open orders (not delivered or canceled) and open conversations from the port', async () => {
    const s = await newSeller({ name: 'Open', phone: '+5491155556666' });
    const order = async () => (await call('POST', '/v1/orders', { items: [{ product_id: 'mug', quantity: 1 }], seller_id: s.id })).json();
    const [a, b, c] = [await order(), await order(), await order()];
    await call('POST', `/v1/orders/${b.id}/status`, { status: 'canceled' });
    for (const st of ['confirmed', 'paid', 'shipped', 'delivered']) await call('POST', `/v1/orders/${c.id}/status`, { status: st });
    o.conversationCounts[s.id] = 7;
    expect((await call('GET', `/v1/sellers/${s.id}`)).json()).toMatchObject({ open_orders: 1, open_conversations: 7 });
    const listed = (await call('GET', '/v1/sellers?limit=100')).json().data.find((x: { id: string }) => x.id === s.id);
    expect(listed).toMatchObject({ open_orders: 1, open_conversations: 7 });

    // Deleting the seller unassigns its open order; the finished ones keep its id.
    expect((await call('DELETE', `/v1/sellers/${s.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/v1/orders/${a.id}`)).json().seller_id).toBeNull();
    expect((await call('GET', `/v1/orders/${c.id}`)).json().seller_id).toBe(s.id);
  });

  it('lists newest first with a cursor and an active filter', async () => {
    const made = [];
    for (let i = 0; i < 3; i++) {
      o.t.clock.advance(1000);
      made.push(await newSeller({ name: `L${i}`, phone: `+54911666600${i}${i}`, active: i !== 1 }));
    }
    const first = (await call('GET', '/v1/sellers?limit=2')).json();
    expect(first.data.map((x: { id: string }) => x.id)).toEqual([made[2].id, made[1].id]);
    expect(first.has_more).toBe(true);
    const next = (await call('GET', `/v1/sellers?limit=2&starting_after=${made[1].id}`)).json();
    expect(next.data[0].id).toBe(made[0].id);
    const inactive = (await call('GET', '/v1/sellers?active=false&limit=100')).json().data.map((x: { id: string }) => x.id);
    expect(inactive).toContain(made[1].id);
    expect(inactive).not.toContain(made[0].id);
  });

  it('sellerExists and seller() for the commerce core', async () => {
    const s = await newSeller({ name: 'Core', phone: '+5491122334608', max_open_conversations: 3, active: false });
    const part = o.t.modules.orders;
    expect(await part.sellerExists(o.t.tenantA.id, s.id)).toBe(true);
    expect(await part.sellerExists(o.t.tenantB.id, s.id)).toBe(false);
    expect(await part.sellerExists(o.t.tenantA.id, 'sel_01NOPE')).toBe(false);
    expect(await part.seller(o.t.tenantA.id, s.id)).toEqual({ id: s.id, name: 'Core', phone: '+5491122334608', active: false, maxOpenConversations: 3 });
    expect(await part.seller(o.t.tenantB.id, s.id)).toBeUndefined();
  });
});

describe('errors', () => {
  it('validates the body: E.164 phones valid in their country, emails, limits (400)', async () => {
    const bad: unknown[] = [
      {},
      { name: 'No phone' },
      { name: '', phone: '+34612345678' },
      { name: 'X', phone: '612345678' },
      { name: 'X', phone: '+1234567' },
      { name: 'X', phone: '+99912345678' },
      { name: 'X', phone: '+34612345678', email: 'not-an-email' },
      { name: 'X', phone: '+34612345678', max_open_conversations: 0 },
      { name: 'X', phone: '+34612345678', active: 'true' },
      { name: 'X', phone: '+34612345678', role: 'admin' },
    ];
    for (const b of bad) problem(await call('POST', '/v1/sellers', b), 400, 'VALIDATION_FAILED');
    const s = await newSeller({ name: 'Valid', phone: '+14155550123' });
    for (const b of [{}, { phone: '+1234567' }, { name: null }]) problem(await call('PATCH', `/v1/sellers/${s.id}`, b), 400, 'VALIDATION_FAILED');
  });

  it('a phone is one seller’s in a store (409), but another store may use it', async () => {
    const s = await newSeller({ name: 'First', phone: '+5491122334400' });
    problem(await call('POST', '/v1/sellers', { name: 'Second', phone: '+5491122334400' }), 409, 'SELLER_PHONE_TAKEN');
    const other = await newSeller({ name: 'Other', phone: '+5491122334401' });
    problem(await call('PATCH', `/v1/sellers/${other.id}`, { phone: '+5491122334400' }), 409, 'SELLER_PHONE_TAKEN');
    const b = await call('POST', '/v1/sellers', { name: 'B', phone: '+5491122334400' }, o.t.tenantB.secretKey);
    expect(b.statusCode, b.body).toBe(201);
    expect((await call('GET', `/v1/sellers/${s.id}`)).json().name).toBe('First');
  });

  it('tenant B gets 404 for tenant A’s sellers, cannot assign them, and a publishable key is refused', async () => {
    const s = await newSeller({ name: 'Private', phone: '+5491122334500' });
    const B = o.t.tenantB.secretKey;
    problem(await call('GET', `/v1/sellers/${s.id}`, undefined, B), 404, 'SELLER_NOT_FOUND');
    problem(await call('PATCH', `/v1/sellers/${s.id}`, { name: 'Mine' }, B), 404, 'SELLER_NOT_FOUND');
    problem(await call('DELETE', `/v1/sellers/${s.id}`, undefined, B), 404, 'SELLER_NOT_FOUND');
    expect((await call('GET', '/v1/sellers?limit=100', undefined, B)).json().data.map((x: { id: string }) => x.id)).not.toContain(s.id);
    await putProduct(o.t, 'b-mug', { name: 'B mug', price: { amount: 100, currency: 'EUR' } }, B);
    problem(await call('POST', '/v1/orders', { items: [{ product_id: 'b-mug', quantity: 1 }], seller_id: s.id }, B), 422, 'SELLER_NOT_ASSIGNABLE');
    expect((await call('GET', '/v1/sellers', undefined, o.t.tenantA.publishableKey)).statusCode).toBe(403);
    expect((await call('GET', `/v1/sellers/${s.id}`)).json().name).toBe('Private');
  });
});
