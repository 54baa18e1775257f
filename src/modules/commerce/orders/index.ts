/**
 * Orders and sellers of conversational commerce: `/v1/orders`, `/v1/sellers`, WhatsApp carts
 * turned into orders (`createFromCart`) and the seller checks the commerce core makes
 * (`sellerExists`, `seller`). The app wires the ports (webhooks, the shopper's messages, the live
 * inbox, conversation counts); each defaults to nothing. Other code uses only what this file exports.
 */
import type { Deps } from '../../../deps.js';
import type { App } from '../../../platform/http/types.js';
import { Order, Seller } from '../../../../contracts/orders.js';
import { createOrderService } from './order-service.js';
import { createSellerService, type ConversationCounts } from './seller-service.js';
import { createCartOrders } from './cart.js';
import { orderRoutes } from './order-routes.js';
import { sellerRoutes } from './seller-routes.js';
import type { OrderEventPorts } from './events.js';

export type OrdersPorts = OrderEventPorts & {
  /** Open conversations assigned to each seller (the core's conversations); default: none. */
  conversationCounts: ConversationCounts;
};

const noPorts: OrdersPorts = {
  emitWebhook: async () => undefined,
  notifyShopper: async () => undefined,
  publish: async () => undefined,
  conversationCounts: async () => ({}),
};

export function createOrdersPart(deps: Pick<Deps, 'db' | 'clock' | 'log'>, ports: Partial<OrdersPorts> = {}) {
  const p: OrdersPorts = { ...noPorts, ...ports };
  const log = deps.log.child({ module: 'orders' });
  const sellers = createSellerService(deps, p.conversationCounts);
  const service = createOrderService({ db: deps.db, clock: deps.clock, log }, sellers, p);
  return {
    service,
    sellers,
    /** A WhatsApp cart (`order` message) as an order; idempotent by `sourceRef`. See cart.ts. */
    createFromCart: createCartOrders(service, log),
    /** True when the tenant has this seller (active or not). */
    sellerExists: (tenantId: string, id: string) => sellers.exists(tenantId, id),
    /** The seller's name, phone, active flag and conversation limit, for assigning conversations. */
    seller: (tenantId: string, id: string) => sellers.summary(tenantId, id),
    registerRoutes(app: App) {
      for (const s of [Order, Seller]) app.addSchema(s);
      orderRoutes(app, { orders: service });
      sellerRoutes(app, { sellers });
    },
  };
}

export type OrdersPart = ReturnType<typeof createOrdersPart>;
export type { OrderEventPorts, OrderWebhookType, PortOrder } from './events.js';
export type { CartInput, CartResult } from './cart.js';
export type { SellerSummary, ConversationCounts } from './seller-service.js';
export type { NewOrder } from './order-service.js';
/** The orders table, for the commerce analytics' conversion figures (read-only joins). */
export { orders as ordersTable } from './tables.js';
