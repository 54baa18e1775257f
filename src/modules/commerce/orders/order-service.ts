/**
 * Orders (`ord_`): created from the API or a WhatsApp cart with every item priced from the catalog
 * at that moment and its stock reserved in the same transaction; read, listed, changed (notes,
 * payment link, seller, shipping) and moved through pending → confirmed → paid → shipped →
 * delivered | canceled (stock given back). Each creation and status change goes out as a webhook
 * event, to the shopper (the notifyShopper port) and to the live inbox (the publish port).
 */
import type { Logger } from 'pino';
import { AppError } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { Deps } from '../../../deps.js';
import { MAX_AMOUNT, ORDER_TRANSITIONS, type OrderSource, type OrderStatus, type TListOrdersQuery, type TOrder, type TUpdateOrderBody } from '../../../../contracts/orders.js';
import { adjustStock, lockOrderableProducts, type OrderableProduct } from '../../catalog/index.js';
import * as repo from './repository.js';
import type { OrderRow } from './tables.js';
import { mergeLines, priceLines, releaseOf, type ItemProblem, type OrderLine } from './pricing.js';
import { presentOrder } from './present.js';
import { checkMetadata, e164 } from './checks.js';
import type { SellerService } from './seller-service.js';
import { createOrderEvents, type OrderEventPorts } from './events.js';

/** Everything an order is made from, whoever makes it (API, cart, flow). */
export type NewOrder = {
  source: OrderSource;
  sourceRef?: string | undefined;
  shippingAmount?: number | undefined;
  customer?: { name?: string | null | undefined; phone?: string | null | undefined } | undefined;
  notes?: string | undefined;
  paymentLink?: string | undefined;
  sellerId?: string | undefined;
  conversationId?: string | undefined;
  contactId?: string | undefined;
  botId?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  /** Leave out the items that cannot be ordered (reported) instead of refusing the order (a cart). */
  skipUnavailable?: boolean | undefined;
};

/** The products to lock and, once they are read, the order's lines (a cart resolves its retailer ids here). */
type LineSource = { productIds: string[]; lines: (products: OrderableProduct[]) => OrderLine[] };

export type PlaceResult = { row: OrderRow | null; created: boolean; skipped: ItemProblem[] };

/** Rolls the transaction back when another order already has the source ref (a retried cart). */
class DuplicateSourceRef extends Error {}

export function createOrderService(deps: Pick<Deps, 'db' | 'clock'> & { log: Logger }, sellers: SellerService, ports: OrderEventPorts) {
  const { db, clock } = deps;
  const events = createOrderEvents(deps.log, ports);

  async function getRow(tenantId: string, id: string): Promise<OrderRow> {
    const row = await repo.findOrder(db, tenantId, id);
    if (!row) throw new AppError('ORDER_NOT_FOUND', `Order ${id} not found.`);
    return row;
  }

  function checkTotal(subtotal: number, shipping: number): number {
    const total = subtotal + shipping;
    if (total > MAX_AMOUNT) throw new AppError('VALIDATION_FAILED', `The order's total ${total} is larger than ${MAX_AMOUNT} minor units.`);
    return total;
  }

  async function place(tenantId: string, o: NewOrder, source: LineSource): Promise<PlaceResult> {
    checkMetadata(o.metadata);
    if (o.sellerId) await sellers.assertAssignable(tenantId, o.sellerId);
    if (o.sourceRef) {
      const existing = await repo.findOrderBySourceRef(db, tenantId, o.sourceRef);
      if (existing) return { row: existing, created: false, skipped: [] };
    }
    try {
      return await db.transaction(async (tx) => {
        const products = await lockOrderableProducts(tx, tenantId, source.productIds);
        const priced = priceLines(products, mergeLines(source.lines(products)));
        if (priced.items.length === 0 && o.skipUnavailable) return { row: null, created: false, skipped: priced.problems };
        if (priced.problems.length > 0 && !o.skipUnavailable) {
          const first = priced.problems[0]!;
          throw new AppError('ORDER_ITEM_INVALID', `${describe(first)} cannot be ordered: ${first.reason.replace(/_/g, ' ')}.`, { extra: { items: priced.problems } });
        }
        if (priced.shortages.length > 0) {
          const s = priced.shortages[0]!;
          const what = s.variant_id ? `${s.product_id}:${s.variant_id}` : s.product_id;
          throw new AppError('OUT_OF_STOCK', `Not enough stock of ${what}: ${s.requested} asked, ${s.available} left.`, { extra: { items: priced.shortages } });
        }
        const shipping = o.shippingAmount ?? 0;
        const total = checkTotal(priced.subtotal, shipping);
        const at = new Date(clock.now());
        const row = await repo.insertOrder(tx, tenantId, newId('order', clock.now()), {
          status: 'pending',
          source: o.source,
          sourceRef: o.sourceRef ?? null,
          currency: priced.currency!,
          items: priced.items,
          subtotalAmount: priced.subtotal,
          shippingAmount: shipping,
          totalAmount: total,
          paymentLink: o.paymentLink ?? null,
          notes: o.notes ?? null,
          customerName: o.customer?.name ?? null,
          customerPhone: o.customer?.phone ?? null,
          sellerId: o.sellerId ?? null,
          conversationId: o.conversationId ?? null,
          contactId: o.contactId ?? null,
          botId: o.botId ?? null,
          metadata: o.metadata ?? {},
          history: [{ status: 'pending', at: at.toISOString(), note: null }],
          createdAt: at,
          updatedAt: at,
        });
        if (!row) throw new DuplicateSourceRef();
        await adjustStock(tx, tenantId, products, priced.reserve);
        return { row, created: true, skipped: priced.problems };
      });
    } catch (e) {
      if (!(e instanceof DuplicateSourceRef)) throw e;
      // Another attempt with the same source ref committed first: its order is this one.
      return { row: (await repo.findOrderBySourceRef(db, tenantId, o.sourceRef!))!, created: false, skipped: [] };
    }
  }

  async function placeAndAnnounce(tenantId: string, o: NewOrder, source: LineSource): Promise<PlaceResult> {
    const result = await place(tenantId, o, source);
    if (result.created && result.row) await events.created(tenantId, presentOrder(result.row));
    return result;
  }

  return {
    present: presentOrder,
    getRow,
    async get(tenantId: string, id: string): Promise<TOrder> {
      return presentOrder(await getRow(tenantId, id));
    },

    /** A new order from explicit items (`{ productId, variantId, quantity }`). */
    async create(tenantId: string, o: NewOrder, lines: OrderLine[]): Promise<PlaceResult> {
      return placeAndAnnounce(tenantId, o, { productIds: lines.map((l) => l.productId), lines: () => lines });
    },

    /** A new order whose lines are resolved from the locked products (WhatsApp retailer ids). */
    placeResolved: (tenantId: string, o: NewOrder, source: LineSource) => placeAndAnnounce(tenantId, o, source),

    async list(tenantId: string, q: TListOrdersQuery) {
      const page = await repo.listOrders(db, tenantId, {
        limit: q.limit,
        startingAfter: q.starting_after,
        status: q.status,
        sellerId: q.seller_id,
        conversationId: q.conversation_id,
        contactId: q.contact_id,
        createdGte: q.created_gte ? new Date(q.created_gte) : undefined,
        createdLt: q.created_lt ? new Date(q.created_lt) : undefined,
      });
      return { data: page.data.map(presentOrder), hasMore: page.hasMore };
    },

    /** Notes, payment link, seller, customer, metadata at any time; shipping only before payment. */
    async update(tenantId: string, id: string, body: TUpdateOrderBody): Promise<TOrder> {
      checkMetadata(body.metadata);
      const phone = body.customer?.phone ? e164(body.customer.phone, 'customer.phone') : body.customer?.phone;
      if (body.seller_id) await sellers.assertAssignable(tenantId, body.seller_id);
      const row = await db.transaction(async (tx) => {
        const old = await repo.findOrder(tx, tenantId, id, { lock: true });
        if (!old) throw new AppError('ORDER_NOT_FOUND', `Order ${id} not found.`);
        let total: number | undefined;
        if (body.shipping_amount !== undefined && body.shipping_amount !== old.shippingAmount) {
          if (old.status !== 'pending' && old.status !== 'confirmed') {
            throw new AppError('ORDER_NOT_EDITABLE', `The shipping amount of a ${old.status} order cannot change (only while pending or confirmed).`, { extra: { status: old.status } });
          }
          total = checkTotal(old.subtotalAmount, body.shipping_amount);
        }
        return repo.updateOrder(tx, tenantId, id, {
          ...(body.notes !== undefined && { notes: body.notes }),
          ...(body.payment_link !== undefined && { paymentLink: body.payment_link }),
          ...(body.seller_id !== undefined && { sellerId: body.seller_id }),
          ...(total !== undefined && { shippingAmount: body.shipping_amount!, totalAmount: total }),
          ...(body.customer?.name !== undefined && { customerName: body.customer.name }),
          ...(phone !== undefined && { customerPhone: phone }),
          ...(body.metadata !== undefined && { metadata: body.metadata }),
          updatedAt: new Date(clock.now()),
        });
      });
      const order = presentOrder(row);
      await events.updated(tenantId, order);
      return order;
    },

    /**
     * Move an order to `to`. Asking for the status it already has changes nothing (a retried
     * request); a move the machine does not allow is 409 with the allowed next statuses. A cancel
     * gives the reserved stock back in the same transaction.
     */
    async changeStatus(tenantId: string, id: string, to: OrderStatus, note?: string): Promise<TOrder> {
      const change = await db.transaction(async (tx) => {
        const old = await repo.findOrder(tx, tenantId, id, { lock: true });
        if (!old) throw new AppError('ORDER_NOT_FOUND', `Order ${id} not found.`);
        if (old.status === to) return { row: old, from: null };
        const allowed = ORDER_TRANSITIONS[old.status];
        if (!allowed.includes(to)) {
          throw new AppError('INVALID_ORDER_TRANSITION', `A ${old.status} order cannot become ${to}; it can become ${allowed.length ? allowed.join(' or ') : 'nothing else (it is final)'}.`, {
            extra: { status: old.status, allowed_next: allowed },
          });
        }
        if (to === 'canceled') {
          const give = releaseOf(old.items);
          if (give.length > 0) await adjustStock(tx, tenantId, await lockOrderableProducts(tx, tenantId, give.map((g) => g.productId)), give);
        }
        const at = new Date(clock.now());
        const row = await repo.updateOrder(tx, tenantId, id, { status: to, history: [...old.history, { status: to, at: at.toISOString(), note: note ?? null }], updatedAt: at });
        return { row, from: old.status };
      });
      const order = presentOrder(change.row);
      if (change.from) await events.statusChanged(tenantId, order, change.from, to, note ?? null);
      return order;
    },
  };
}

function describe(p: ItemProblem): string {
  return p.ref ?? (p.variant_id ? `${p.product_id}:${p.variant_id}` : p.product_id);
}

export type OrderService = ReturnType<typeof createOrderService>;
