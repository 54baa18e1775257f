/**
 * The commerce API's shapes as the dashboard reads them (bots, connections, conversations,
 * messages, orders, sellers). Mirrors contracts/commerce*.ts and contracts/orders.ts by hand, so the
 * bundle does not pull TypeBox in; only the fields the pages use.
 */

export const PROVIDERS = ['simulator', 'meta', 'twilio', 'evolution', 'baileys'] as const;
export type Provider = (typeof PROVIDERS)[number];

export type Connection = {
  id: string;
  provider: Provider | string;
  priority: number;
  enabled: boolean;
  unofficial: boolean;
  credentials_set: string[];
  settings: Record<string, unknown>;
  state: string;
  webhook_url: string;
  last_error: string | null;
  last_error_at: string | null;
};

export type BusinessHours = { timezone: string; intervals: { day: number; start: string; end: string }[] };

export type Bot = {
  id: string;
  name: string;
  phone: string | null;
  connections: Connection[];
  business_hours: BusinessHours | null;
  away_message: string | null;
  away_every_hours: number;
  created_at: string;
  updated_at: string;
};

export type ConnectionHealth = {
  id: string;
  provider: string;
  enabled: boolean;
  unofficial: boolean;
  state: string;
  breaker: 'closed' | 'open' | 'half_open' | 'isolated';
  traffic: { window_minutes: number; sent: number; failed: number; last_error: string | null; last_error_at: string | null };
  probe: { ok: boolean; latency_ms: number; detail: string | null } | null;
};
export type BotStatus = { bot_id: string; connections: ConnectionHealth[] };

export type BotQr = { connection_id: string; provider: string; unofficial: boolean; state: string; qr: string | null; qr_png: string | null; pairing_code: string | null };

export const CONVERSATION_STATUSES = ['bot', 'waiting_agent', 'agent', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export type Conversation = {
  id: string;
  bot_id: string;
  contact: { id: string; phone: string | null; name: string | null };
  status: ConversationStatus;
  assigned_seller_id: string | null;
  window: { open: boolean; expires_at: string | null };
  unread_count: number;
  last_message_at: string | null;
  last_inbound_at: string | null;
  created_at: string;
  updated_at: string;
};

export type MessageStatus = 'received' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

export type Message = {
  id: string;
  conversation_id: string;
  direction: 'in' | 'out';
  source: string;
  content: Record<string, unknown>;
  status: MessageStatus;
  error: { code: string; reason: string | null } | null;
  provider: string | null;
  media: { url: string; content_type: string; bytes: number } | null;
  created_at: string;
  sent_at: string | null;
  delivered_at: string | null;
  read_at: string | null;
  failed_at: string | null;
};

export const ORDER_STATUSES = ['pending', 'confirmed', 'paid', 'shipped', 'delivered', 'canceled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type OrderItem = { product_id: string; variant_id: string | null; name: string; variant_name: string | null; quantity: number; unit_amount: number; total_amount: number; currency: string };

export type Order = {
  id: string;
  status: OrderStatus;
  allowed_next: OrderStatus[];
  source: string;
  currency: string;
  items: OrderItem[];
  subtotal_amount: number;
  shipping_amount: number;
  total_amount: number;
  payment_link: string | null;
  notes: string | null;
  customer: { name: string | null; phone: string | null };
  seller_id: string | null;
  conversation_id: string | null;
  bot_id: string | null;
  status_history: { status: OrderStatus; at: string; note: string | null }[];
  created_at: string;
  updated_at: string;
};

export type Seller = {
  id: string;
  name: string;
  phone: string;
  email: string | null;
  active: boolean;
  max_open_conversations: number | null;
  open_orders: number;
  open_conversations: number;
  created_at: string;
  updated_at: string;
};

/** A realtime frame's event (src/platform/realtime/stream.ts). */
export type LiveEvent = { id: string; type: string; topics: string[]; at: string; data: Record<string, unknown> };
