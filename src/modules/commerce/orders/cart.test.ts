/**
 * WhatsApp carts (`order` messages) turned into orders through the part's createFromCart on the
 * real app: retailer ids resolved (product, `product:variant`, product ids with a colon), our
 * prices not the cart's, unknown items reported, idempotent by the inbound message id (also when
 * two attempts run at once), and out-of-stock carts refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../platform/errors.js';
import { caller, ordersApp, putProduct, stockOf, type OrdersTestApp } from '../../../../test/orders-helpers.js';
import type { CartInput } from './index.js';

let o: OrdersTestApp;
let tenantId: string;

beforeAll(async () => {
  o = await ordersApp();
  tenantId = o.t.tenantA.id;
  const eur = (amount: number) => ({ amount, currency: 'EUR' });
  await putProduct(o.t, 'shirt', { name: 'Shirt', price: eur(2000), stock: 20 });
  await putProduct(o.t, 'tee', { name: 'Tee', price: eur(1500), variants: [{ variant_id: 's', name: 'S', stock: 3 }] });
  await putProduct(o.t, 'shop:123', { name: 'Colon id', price: eur(700) });
  await putProduct(o.t, 'old', { name: 'Old', price: eur(100), active: false });
});
afterAll(async () => o?.close());

const cart = (items: CartInput['items'], sourceRef?: string): CartInput => ({
  botId: 'bot_01CART',
  conversationId: 'cnv_01CART',
  contactId: 'ctc_01CART',
  customer: { name: 'Leo', phone: '+5491122334455' },
  items,
  sourceRef,
  notes: 'Please deliver Friday',
});

describe('happy', () => {
  it('prices the cart from our catalog, keeps the cart’s price for reference, and reports what it left out', async () => {
    const res = await o.t.modules.orders.createFromCart(
      tenantId,
      cart(
        [
          { productRetailerId: 'shirt', quantity: 2, itemPrice: 1.5, currency: 'EUR' },
          { productRetailerId: 'tee:s', quantity: 1, itemPrice: 15, currency: 'EUR' },
          { productRetailerId: 'shop:123', quantity: 1 },
          { productRetailerId: 'ghost', quantity: 1 },
          { productRetailerId: 'tee:xl', quantity: 1 },
          { productRetailerId: 'old', quantity: 1 },
        ],
        'wamid.HAPPY',
      ),
    );
    expect(res.created).toBe(true);
    expect(res.skipped).toEqual([
      { product_retailer_id: 'ghost', reason: 'unknown_product' },
      { product_retailer_id: 'tee:xl', reason: 'unknown_variant' },
      { product_retailer_id: 'old', reason: 'product_inactive' },
    ]);
    expect(res.order).toMatchObject({
      source: 'whatsapp_cart',
      status: 'pending',
      bot_id: 'bot_01CART',
      conversation_id: 'cnv_01CART',
      contact_id: 'ctc_01CART',
      customer: { name: 'Leo', phone: '+5491122334455' },
      notes: 'Please deliver Friday',
      currency: 'EUR',
      subtotal_amount: 2 * 2000 + 1500 + 700,
    });
    expect(res.order!.items.map((i) => [i.product_id, i.variant_id, i.unit_amount, i.cart_price])).toEqual([
      ['shirt', null, 2000, { value: 1.5, currency: 'EUR' }],
      ['tee', 's', 1500, { value: 15, currency: 'EUR' }],
      ['shop:123', null, 700, null],
    ]);
    expect((await caller(o.t)('GET', `/v1/orders/${res.order!.id}`)).json().source).toBe('whatsapp_cart');
    expect(o.notices.filter((n) => n.order.id === res.order!.id)).toHaveLength(1);
  });

  it('a retried cart (same message id) gets the same order; stock is reserved once', async () => {
    const items = [{ productRetailerId: 'shirt', quantity: 3 }];
    const before = (await stockOf(o.t, 'shirt')).stock!;
    const first = await o.t.modules.orders.createFromCart(tenantId, cart(items, 'wamid.RETRY'));
    const again = await o.t.modules.orders.createFromCart(tenantId, cart(items, 'wamid.RETRY'));
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, order: { id: first.order!.id } });
    expect((await stockOf(o.t, 'shirt')).stock).toBe(before - 3);
    const other = await o.t.modules.orders.createFromCart(tenantId, cart(items, 'wamid.OTHER'));
    expect(other.order!.id).not.toBe(first.order!.id);
    expect(o.notices.filter((n) => n.order.id === first.order!.id)).toHaveLength(1);
  });

  it('two attempts of one cart at the same time make one order', async () => {
    const items = [{ productRetailerId: 'shirt', quantity: 1 }];
    const before = (await stockOf(o.t, 'shirt')).stock!;
    const both = await Promise.all([0, 1, 2].map(() => o.t.modules.orders.createFromCart(tenantId, cart(items, 'wamid.RACE'))));
    expect(new Set(both.map((r) => r.order!.id)).size).toBe(1);
    expect(both.filter((r) => r.created)).toHaveLength(1);
    expect((await stockOf(o.t, 'shirt')).stock).toBe(before - 1);
    const listed = (await caller(o.t)('GET', '/v1/orders?limit=100&conversation_id=cnv_01CART')).json().data as { id: string }[];
    expect(listed.filter((x) => x.id === both[0]!.order!.id)).toHaveLength(1);
  });
});

describe('errors', () => {
  it('a cart with nothing that can be ordered makes no order', async () => {
    const res = await o.t.modules.orders.createFromCart(tenantId, cart([{ productRetailerId: 'ghost', quantity: 1 }], 'wamid.NONE'));
    expect(res).toEqual({ order: null, created: false, skipped: [{ product_retailer_id: 'ghost', reason: 'unknown_product' }] });
  });

  it('a cart asking for more than the stock is refused with OUT_OF_STOCK and reserves nothing', async () => {
    const err = await o.t.modules.orders.createFromCart(tenantId, cart([{ productRetailerId: 'shirt', quantity: 1 }, { productRetailerId: 'tee:s', quantity: 9 }], 'wamid.SHORT')).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('OUT_OF_STOCK');
    expect((await stockOf(o.t, 'tee')).variants[0]!.stock).toBe(2);
  });

  it('a contact phone that is not a valid number is left out; bad quantities are refused', async () => {
    const res = await o.t.modules.orders.createFromCart(tenantId, { ...cart([{ productRetailerId: 'shop:123', quantity: 1 }]), customer: { name: 'X', phone: '12' } });
    expect(res.order!.customer).toEqual({ name: 'X', phone: null });
    for (const quantity of [0, 1.5, 10_001]) {
      const err = await o.t.modules.orders.createFromCart(tenantId, cart([{ productRetailerId: 'shirt', quantity }])).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('VALIDATION_FAILED');
    }
    expect(isAppError(await o.t.modules.orders.createFromCart(tenantId, cart([])).catch((e: unknown) => e))).toBe(true);
  });

  it('another tenant’s cart cannot order tenant A’s products', async () => {
    const res = await o.t.modules.orders.createFromCart(o.t.tenantB.id, cart([{ productRetailerId: 'shirt', quantity: 1 }], 'wamid.B'));
    expect(res.order).toBeNull();
    expect(res.skipped[0]!.reason).toBe('unknown_product');
  });
});
