/**
 * What the commerce core needs from elsewhere, wired in app.ts: webhooks out, the orders part's
 * sellers and carts. Every port has a harmless default so the core runs alone.
 */
export type CommerceWebhookType = 'message.received' | 'message.status' | 'conversation.status_changed' | 'conversation.assigned';

/** A WhatsApp `order` message (a cart sent from a catalog), for the orders part to turn into an order. */
export type CartOrder = {
  botId: string;
  conversationId: string;
  contactId: string;
  customer: { name: string | null; phone: string | null };
  /** The inbound message (msg_…): the order's idempotency key. */
  sourceRef: string;
  catalogId?: string | undefined;
  text?: string | undefined;
  items: { productRetailerId: string; quantity: number; itemPrice?: number | undefined; currency?: string | undefined }[];
};

/** A catalog product as a flow shows it. */
export type FlowProduct = { id: string; name: string; price: string | null; imageUrl: string | null; unitAmount: number | null; currency: string | null };
/** An order as a flow sees it (`{{order.id}}`, `{{order.total_text}}`, `{{order.payment_url}}`). */
export type FlowOrder = { id: string; status: string; total: number; currency: string; total_text: string; payment_url: string | null };
type Image = { key: string; content_type: string };

/** What the flow engine uses from the rest of the app (the catalog, orders, try-on, style); wired in app.ts. */
export type FlowPorts = {
  product?: (tenantId: string, id: string) => Promise<FlowProduct | undefined>;
  products?: (tenantId: string, limit: number) => Promise<FlowProduct[]>;
  /** An order from the session's cart; idempotent by `sourceRef`. Throws an error with `expected: true` (and a message for the shopper) when it cannot be made. */
  createOrder?: (tenantId: string, cart: CartOrder & { notes?: string | undefined }) => Promise<FlowOrder>;
  getOrder?: (tenantId: string, id: string) => Promise<FlowOrder | undefined>;
  /** The shopper's photo (a stored inbound image) tried on with a product; a link to the result. */
  tryon?: (tenantId: string, p: { image: Image; productId: string; idempotencyKey: string }) => Promise<{ url: string; contentType: string }>;
  /** A selfie's colour season: the text to send, the values to save, the products that suit it. */
  style?: (tenantId: string, p: { image: Image; products: number; idempotencyKey: string }) => Promise<{ value: Record<string, unknown>; text: string; products: FlowProduct[] }>;
};

export type CommercePorts = {
  flows?: FlowPorts;
  emitWebhook?: (tenantId: string, type: CommerceWebhookType, data: Record<string, unknown>) => Promise<void>;
  /** Whether a seller (sel_…) exists and is active (the orders part). Default: any id is accepted. */
  sellerExists?: (tenantId: string, sellerId: string) => Promise<boolean>;
  /** Called by the inbound job for an `order` message; must be idempotent by `sourceRef`. */
  onCartOrder?: (tenantId: string, cart: CartOrder) => Promise<void>;
  /** A short-lived link to a stored blob (the try-on module's signed /v1/files links). */
  signedUrl?: (key: string, contentType: string, baseUrl: string) => Promise<{ url: string }>;
  /** How long a tenant's inbound media is kept, in ms (0: for good). Default 24 h. */
  retentionMs?: (tenantId: string) => Promise<number>;
  /** The store's `commerce_message_log_days` setting: messages older are deleted (bot analytics' cleanup). Default 30. */
  messageLogDays?: (tenantId: string) => Promise<number | undefined>;
};
