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

export type CommercePorts = {
  emitWebhook?: (tenantId: string, type: CommerceWebhookType, data: Record<string, unknown>) => Promise<void>;
  /** Whether a seller (sel_…) exists and is active (the orders part). Default: any id is accepted. */
  sellerExists?: (tenantId: string, sellerId: string) => Promise<boolean>;
  /** Called by the inbound job for an `order` message; must be idempotent by `sourceRef`. */
  onCartOrder?: (tenantId: string, cart: CartOrder) => Promise<void>;
  /** A short-lived link to a stored blob (the try-on module's signed /v1/files links). */
  signedUrl?: (key: string, contentType: string, baseUrl: string) => Promise<{ url: string }>;
  /** How long a tenant's inbound media is kept, in ms (0: for good). Default 24 h. */
  retentionMs?: (tenantId: string) => Promise<number>;
};
