/** Orders and sellers as the API shows them. */
import { ORDER_TRANSITIONS, type TOrder, type TSeller } from '../../../../contracts/orders.js';
import type { OrderRow, SellerRow } from './tables.js';

export function presentOrder(r: OrderRow): TOrder {
  return {
    id: r.id,
    object: 'order',
    status: r.status,
    allowed_next: [...ORDER_TRANSITIONS[r.status]],
    source: r.source,
    currency: r.currency,
    items: r.items.map((i) => ({
      product_id: i.product_id,
      variant_id: i.variant_id,
      name: i.name,
      variant_name: i.variant_name,
      quantity: i.quantity,
      unit_amount: i.unit_amount,
      total_amount: i.total_amount,
      currency: i.currency,
      cart_price: i.cart_price,
    })),
    subtotal_amount: r.subtotalAmount,
    shipping_amount: r.shippingAmount,
    total_amount: r.totalAmount,
    payment_link: r.paymentLink,
    notes: r.notes,
    customer: { name: r.customerName, phone: r.customerPhone },
    seller_id: r.sellerId,
    conversation_id: r.conversationId,
    contact_id: r.contactId,
    bot_id: r.botId,
    metadata: r.metadata,
    status_history: r.history.map((h) => ({ status: h.status, at: h.at, note: h.note })),
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

export function presentSeller(r: SellerRow, counts: { openOrders: number; openConversations: number }): TSeller {
  return {
    id: r.id,
    object: 'seller',
    name: r.name,
    phone: r.phone,
    email: r.email,
    active: r.active,
    max_open_conversations: r.maxOpenConversations,
    open_orders: counts.openOrders,
    open_conversations: counts.openConversations,
    metadata: r.metadata,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}
