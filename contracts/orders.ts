/**
 * Orders (`ord_`) and sellers (`sel_`) of conversational commerce: items priced from the catalog
 * at creation, totals in minor units, a status machine with its history, and the store's sellers.
 * Pure TypeBox, no server imports.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { ListQuery, StringEnum, Timestamp } from './common.js';
import { ProductId, VariantId } from './catalog.js';

export const ORDER_STATUSES = ['pending', 'confirmed', 'paid', 'shipped', 'delivered', 'canceled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const ORDER_SOURCES = ['api', 'whatsapp_cart', 'flow'] as const;
export type OrderSource = (typeof ORDER_SOURCES)[number];

/** pending → confirmed → paid → shipped → delivered; canceled from pending, confirmed or paid. */
export const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['confirmed', 'canceled'],
  confirmed: ['paid', 'canceled'],
  paid: ['shipped', 'canceled'],
  shipped: ['delivered'],
  delivered: [],
  canceled: [],
};
/** Orders still being worked on (counted as a seller's open orders). */
export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'confirmed', 'paid', 'shipped'];

const Status = StringEnum(ORDER_STATUSES);
const Source = StringEnum(ORDER_SOURCES);
/** The largest amount in minor units (as a product price). */
export const MAX_AMOUNT = 999_999_999_999;
const Amount = Type.Integer({ minimum: 0, maximum: MAX_AMOUNT, description: 'In the order currency’s minor unit (cents)' });
const PlainId = (prefix: string, what: string) => Type.String({ pattern: `^${prefix}_[0-9A-Za-z]{1,64}$`, maxLength: 80, description: what });
export const SellerIdString = PlainId('sel', 'A seller of the store (sel_…)');
/** E.164 with the plus; also checked against the numbering plan of its country. */
export const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164 with the plus, e.g. +5491122334455' });
const PaymentLink = Type.String({ pattern: '^https://[^\\s]+$', maxLength: 2048, description: 'An https link where the shopper pays' });
const Notes = Type.String({ maxLength: 2000 });
const Metadata = Type.Record(Type.String({ minLength: 1, maxLength: 40 }), Type.Unknown(), { maxProperties: 50, description: 'Any JSON values, up to 50 keys and 8 KB as JSON' });

export const Customer = Type.Object(
  { name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])), phone: Type.Optional(Type.Union([Phone, Type.Null()])) },
  { additionalProperties: false },
);

export const OrderItemInput = Type.Object(
  {
    product_id: ProductId,
    variant_id: Type.Optional(VariantId),
    quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
  },
  { additionalProperties: false },
);

export const CreateOrderBody = Type.Object(
  {
    items: Type.Array(OrderItemInput, { minItems: 1, maxItems: 100, description: 'Priced from the catalog now; the same product and variant twice are one line' }),
    shipping_amount: Type.Optional(Amount),
    customer: Type.Optional(Customer),
    notes: Type.Optional(Notes),
    payment_link: Type.Optional(PaymentLink),
    seller_id: Type.Optional(SellerIdString),
    conversation_id: Type.Optional(PlainId('cnv', 'The conversation the order came from')),
    contact_id: Type.Optional(PlainId('ctc', 'The shopper’s contact')),
    bot_id: Type.Optional(PlainId('bot', 'The bot that took the order')),
    source: Type.Optional(Source),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type TCreateOrderBody = Static<typeof CreateOrderBody>;

export const UpdateOrderBody = Type.Object(
  {
    notes: Type.Optional(Type.Union([Type.Null(), Notes])),
    payment_link: Type.Optional(Type.Union([Type.Null(), PaymentLink])),
    seller_id: Type.Optional(Type.Union([Type.Null(), SellerIdString], { description: 'Assign an active seller, or null to unassign' })),
    shipping_amount: Type.Optional(Type.Integer({ ...Amount, description: 'Only before the order is paid; the total follows' })),
    customer: Type.Optional(Customer),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TUpdateOrderBody = Static<typeof UpdateOrderBody>;

export const OrderStatusBody = Type.Object({ status: Status, note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
export type TOrderStatusBody = Static<typeof OrderStatusBody>;

export const ListOrdersQuery = Type.Object({
  ...ListQuery.properties,
  status: Type.Optional(Status),
  seller_id: Type.Optional(SellerIdString),
  conversation_id: Type.Optional(Type.String({ maxLength: 80 })),
  contact_id: Type.Optional(Type.String({ maxLength: 80 })),
  created_gte: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after' })),
  created_lt: Type.Optional(Type.String({ format: 'date-time', description: 'Created before' })),
});
export type TListOrdersQuery = Static<typeof ListOrdersQuery>;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const OrderItem = Type.Object({
  product_id: Type.String(),
  variant_id: Nullable(Type.String()),
  name: Type.String({ description: 'The product’s name (and the variant’s) when the order was made' }),
  variant_name: Nullable(Type.String()),
  quantity: Type.Integer(),
  unit_amount: Type.Integer({ description: 'The catalog price when the order was made; later price changes do not touch it' }),
  total_amount: Type.Integer({ description: 'unit_amount × quantity' }),
  currency: Type.String(),
  cart_price: Nullable(Type.Object({ value: Type.Number(), currency: Type.String() }, { description: 'The price the WhatsApp cart showed, kept for reference only' })),
});

export const Order = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('order'),
    status: Status,
    allowed_next: Type.Array(Status, { description: 'The statuses it may move to now' }),
    source: Source,
    currency: Type.String(),
    items: Type.Array(OrderItem),
    subtotal_amount: Type.Integer(),
    shipping_amount: Type.Integer(),
    total_amount: Type.Integer(),
    payment_link: Nullable(Type.String()),
    notes: Nullable(Type.String()),
    customer: Type.Object({ name: Nullable(Type.String()), phone: Nullable(Type.String()) }),
    seller_id: Nullable(Type.String()),
    conversation_id: Nullable(Type.String()),
    contact_id: Nullable(Type.String()),
    bot_id: Nullable(Type.String()),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    status_history: Type.Array(Type.Object({ status: Status, at: Timestamp, note: Nullable(Type.String()) }), { description: 'Oldest first, from pending' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Order' },
);
export type TOrder = Static<typeof Order>;

// ---------------------------------------------------------------- sellers

export const CreateSellerBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    phone: Phone,
    email: Type.Optional(Type.Union([Type.Null(), Type.String({ format: 'email', maxLength: 254 })])),
    active: Type.Optional(Type.Boolean({ description: 'Inactive sellers cannot be assigned; default true' })),
    max_open_conversations: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: 10_000 })], { description: 'How many open conversations the seller takes at most; null: no limit' })),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type TCreateSellerBody = Static<typeof CreateSellerBody>;

export const UpdateSellerBody = Type.Object(
  {
    name: Type.Optional(CreateSellerBody.properties.name),
    phone: Type.Optional(Phone),
    email: CreateSellerBody.properties.email,
    active: CreateSellerBody.properties.active,
    max_open_conversations: CreateSellerBody.properties.max_open_conversations,
    metadata: CreateSellerBody.properties.metadata,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TUpdateSellerBody = Static<typeof UpdateSellerBody>;

export const ListSellersQuery = Type.Object({ ...ListQuery.properties, active: Type.Optional(Type.Boolean()) });
export type TListSellersQuery = Static<typeof ListSellersQuery>;

export const Seller = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('seller'),
    name: Type.String(),
    phone: Type.String(),
    email: Nullable(Type.String()),
    active: Type.Boolean(),
    max_open_conversations: Nullable(Type.Integer()),
    open_orders: Type.Integer({ description: 'Orders assigned to the seller and not yet delivered or canceled' }),
    open_conversations: Type.Integer({ description: 'Conversations assigned to the seller and still open' }),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Seller' },
);
export type TSeller = Static<typeof Seller>;
