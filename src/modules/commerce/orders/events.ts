/**
 * What an order's creation and status changes set off, after they are committed: a webhook event
 * (`order.created`, `order.status_changed`), a message to the shopper (the notifyShopper port, wired
 * by the app to the commerce core's sender) and an event for the live inbox (the publish port, wired
 * to the realtime bus). A failing port is logged and does not undo or fail the change.
 */
import type { Logger } from 'pino';
import type { OrderStatus, TOrder } from '../../../../contracts/orders.js';

export type OrderWebhookType = 'order.created' | 'order.status_changed';
/** The order as the API shows it, with its tenant (ports act for a tenant). */
export type PortOrder = TOrder & { tenant_id: string };

export type OrderEventPorts = {
  /** Send a webhook event to the store's endpoints (the webhooks module's emit). */
  emitWebhook: (tenantId: string, type: OrderWebhookType, data: Record<string, unknown>) => Promise<void>;
  /**
   * Tell the shopper (the order's contact/conversation) that the order was made (`from` null) or
   * changed status. Outside WhatsApp's 24-hour window the sender uses a utility template.
   */
  notifyShopper: (order: PortOrder, from: OrderStatus | null, to: OrderStatus) => Promise<void>;
  /** Publish to the live inbox: `order.created`, `order.updated`, `order.status_changed`. */
  publish: (tenantId: string, type: string, data: Record<string, unknown>) => Promise<void>;
};

/** Webhook payloads stay under the webhooks module's 20 KB: a very long order goes without its items (fetch it by id). */
const MAX_WEBHOOK_ORDER_BYTES = 16 * 1024;

function forWebhook(order: TOrder): Record<string, unknown> {
  if (Buffer.byteLength(JSON.stringify(order)) <= MAX_WEBHOOK_ORDER_BYTES) return { order };
  return { order: { ...order, items: [], metadata: {} }, items_omitted: true };
}

export function createOrderEvents(log: Logger, ports: OrderEventPorts) {
  const safely = async (what: string, tenantId: string, orderId: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      log.warn({ err: { message: (err as Error).message }, tenant_id: tenantId, order_id: orderId }, `order ${what} failed`);
    }
  };
  return {
    async created(tenantId: string, order: TOrder) {
      await safely('webhook', tenantId, order.id, () => ports.emitWebhook(tenantId, 'order.created', forWebhook(order)));
      await safely('shopper notice', tenantId, order.id, () => ports.notifyShopper({ ...order, tenant_id: tenantId }, null, order.status));
      await safely('publish', tenantId, order.id, () => ports.publish(tenantId, 'order.created', { order }));
    },
    async statusChanged(tenantId: string, order: TOrder, from: OrderStatus, to: OrderStatus, note: string | null) {
      await safely('webhook', tenantId, order.id, () => ports.emitWebhook(tenantId, 'order.status_changed', { ...forWebhook(order), from, to, note }));
      await safely('shopper notice', tenantId, order.id, () => ports.notifyShopper({ ...order, tenant_id: tenantId }, from, to));
      await safely('publish', tenantId, order.id, () => ports.publish(tenantId, 'order.status_changed', { order, from, to }));
    },
    async updated(tenantId: string, order: TOrder) {
      await safely('publish', tenantId, order.id, () => ports.publish(tenantId, 'order.updated', { order }));
    },
  };
}
