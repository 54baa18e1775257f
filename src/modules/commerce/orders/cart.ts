/**
 * A WhatsApp `order` message (a cart sent from the catalog) turned into an order. Each item's
 * `product_retailer_id` is a product id, or `product_id:variant_id`; prices come from our catalog
 * (the cart's price is kept for reference only). Items that cannot be ordered are left out and
 * reported; a cart with none left makes no order. Idempotent by `sourceRef` (the inbound message
 * id): a retried job gets the order the first attempt made.
 */
import type { Logger } from 'pino';
import { AppError, isAppError } from '../../../platform/errors.js';
import type { TOrder } from '../../../../contracts/orders.js';
import type { OrderableProduct } from '../../catalog/index.js';
import type { OrderService } from './order-service.js';
import type { ItemProblemReason, OrderLine } from './pricing.js';
import { e164 } from './checks.js';

export type CartInput = {
  botId: string;
  conversationId: string;
  contactId: string;
  customer?: { name?: string | null | undefined; phone?: string | null | undefined } | undefined;
  items: { productRetailerId: string; quantity: number; itemPrice?: number | undefined; currency?: string | undefined }[];
  /** The inbound message id: one order per cart however often the job runs. */
  sourceRef?: string | undefined;
  /** The text the shopper sent with the cart. */
  notes?: string | undefined;
};

export type CartResult = {
  /** Null when no item could be ordered. */
  order: TOrder | null;
  /** False when an earlier attempt with the same sourceRef made the order. */
  created: boolean;
  /** Items left out, and why. */
  skipped: { product_retailer_id: string; reason: ItemProblemReason }[];
};

const MAX_CART_ITEMS = 100;

/** `product_id` when the catalog has it; else `product_id:variant_id` split at the last colon (variant ids have none). */
function resolve(retailerId: string, products: Map<string, OrderableProduct>): { productId: string; variantId: string | null } {
  if (products.has(retailerId)) return { productId: retailerId, variantId: null };
  const at = retailerId.lastIndexOf(':');
  if (at > 0 && products.has(retailerId.slice(0, at))) return { productId: retailerId.slice(0, at), variantId: retailerId.slice(at + 1) };
  return { productId: retailerId, variantId: null };
}

export function createCartOrders(orders: OrderService, log: Logger) {
  return async function createFromCart(tenantId: string, cart: CartInput): Promise<CartResult> {
    if (cart.items.length === 0 || cart.items.length > MAX_CART_ITEMS) throw new AppError('VALIDATION_FAILED', `A cart has 1 to ${MAX_CART_ITEMS} items; this one has ${cart.items.length}.`);
    for (const i of cart.items) {
      if (!Number.isInteger(i.quantity) || i.quantity < 1 || i.quantity > 10_000) throw new AppError('VALIDATION_FAILED', `Cart item ${i.productRetailerId} has quantity ${i.quantity}; 1 to 10000.`);
    }
    let phone: string | null = null;
    if (cart.customer?.phone) {
      try {
        phone = e164(cart.customer.phone, 'customer.phone');
      } catch (e) {
        if (!isAppError(e)) throw e;
        log.info({ tenant_id: tenantId, contact_id: cart.contactId }, 'cart order: the contact’s phone is not a valid number; the order is made without it');
      }
    }
    const candidates = cart.items.flatMap((i) => {
      const at = i.productRetailerId.lastIndexOf(':');
      return at > 0 ? [i.productRetailerId, i.productRetailerId.slice(0, at)] : [i.productRetailerId];
    });
    const result = await orders.placeResolved(
      tenantId,
      {
        source: 'whatsapp_cart',
        sourceRef: cart.sourceRef,
        botId: cart.botId,
        conversationId: cart.conversationId,
        contactId: cart.contactId,
        customer: { name: cart.customer?.name ?? null, phone },
        notes: cart.notes?.slice(0, 2000),
        skipUnavailable: true,
      },
      {
        productIds: candidates,
        lines: (products): OrderLine[] => {
          const byId = new Map(products.map((p) => [p.productId, p]));
          return cart.items.map((i) => ({
            ...resolve(i.productRetailerId, byId),
            quantity: i.quantity,
            cartPrice: i.itemPrice !== undefined && i.currency ? { value: i.itemPrice, currency: i.currency } : null,
            ref: i.productRetailerId,
          }));
        },
      },
    );
    return {
      order: result.row ? orders.present(result.row) : null,
      created: result.created,
      skipped: result.skipped.map((s) => ({ product_retailer_id: s.ref ?? s.product_id, reason: s.reason })),
    };
  };
}
