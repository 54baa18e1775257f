/**
 * A store's product catalog: garments registered once (with their image) and tried on by
 * `product_id`. Pure TypeBox, no server imports.
 */
import Type, { type Static } from 'typebox';
import { Timestamp } from './common.js';
import { GarmentCategory } from './tryons.js';

/** The store's own id: 1–128 of A–Z a–z 0–9 _ . : @ -, starting with a letter or digit (it is a path segment). */
export const PRODUCT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$';
export const ProductId = Type.String({ pattern: PRODUCT_ID_PATTERN, maxLength: 128, description: "The store's own product id (SKU, handle…): 1–128 of A–Z a–z 0–9 _ . : @ -, starting with a letter or digit" });

/** Integer minor units of the currency (cents for EUR/USD, yen for JPY) and an ISO 4217 code: no floating point. */
export const Price = Type.Object(
  {
    amount: Type.Integer({ minimum: 0, maximum: 999_999_999_999, description: 'In the currency’s minor unit: 1999 = 19.99 EUR; 1999 = ¥1,999 for JPY' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code in capitals, e.g. EUR' }),
  },
  { additionalProperties: false },
);

/** A variant's id within its product: like a product id but without `:` (a WhatsApp retailer id is `product_id:variant_id`). */
export const VARIANT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$';
export const VariantId = Type.String({ pattern: VARIANT_ID_PATTERN, maxLength: 64, description: 'The variant’s id within its product (SKU, size code…): 1–64 of A–Z a–z 0–9 _ . @ -, no colon' });

/** Units in stock: an integer ≥ 0, or null when stock is not tracked (never runs out). */
export const Stock = Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Units in stock; orders reserve from it when they are created and give it back when canceled' });

const Attributes = Type.Record(Type.String({ minLength: 1, maxLength: 40 }), Type.String({ maxLength: 100 }), {
  maxProperties: 20,
  description: 'What makes this variant itself, e.g. { "size": "M", "color": "red" }: up to 20 keys, text values',
});

export const ProductVariantInput = Type.Object(
  {
    variant_id: VariantId,
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Shown to shoppers and on orders, e.g. "M / red"' }),
    attributes: Type.Optional(Attributes),
    price: Type.Optional(Type.Union([Price, Type.Null()], { description: 'This variant’s price, in the product’s currency; null or absent: the product’s price' })),
    stock: Type.Optional(Type.Union([Stock, Type.Null()], { description: 'This variant’s own stock; null or absent: it draws on the product’s stock' })),
  },
  { additionalProperties: false },
);
const Variants = Type.Array(ProductVariantInput, { maxItems: 100, description: 'Up to 100 variants (sizes, colours…), each with a unique variant_id; replaced as a whole' });

const Metadata = Type.Record(Type.String({ minLength: 1, maxLength: 40 }), Type.Unknown(), {
  maxProperties: 50,
  description: 'Any JSON values, up to 50 keys and 8 KB as JSON; returned as given',
});

export const PutProductBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    image: Type.String({ minLength: 1, maxLength: 20_000_000, description: 'The garment image: an upload id (upl_…, copied), a data URL (data:image/…;base64,…) or an https URL (fetched once, now)' }),
    /** The garment category try-ons use unless they name one other than auto; default auto. */
    category: Type.Optional(GarmentCategory),
    url: Type.Optional(Type.Union([Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048, description: 'The product page' }), Type.Null()])),
    price: Type.Optional(Type.Union([Price, Type.Null()])),
    metadata: Type.Optional(Metadata),
    active: Type.Optional(Type.Boolean({ description: 'Inactive products stay in the catalog but cannot be tried on or ordered; default true' })),
    stock: Type.Optional(Type.Union([Stock, Type.Null()], { description: 'Units in stock; null or absent: not tracked' })),
    variants: Type.Optional(Variants),
  },
  { additionalProperties: false },
);
export type TPutProductBody = Static<typeof PutProductBody>;

/** PATCH: any of PUT's fields, validated the same way; those left out keep their value. `variants` replaces the whole list. */
export const PatchProductBody = Type.Object(
  {
    name: Type.Optional(PutProductBody.properties.name),
    image: Type.Optional(PutProductBody.properties.image),
    category: PutProductBody.properties.category,
    url: PutProductBody.properties.url,
    price: PutProductBody.properties.price,
    metadata: PutProductBody.properties.metadata,
    active: PutProductBody.properties.active,
    stock: PutProductBody.properties.stock,
    variants: PutProductBody.properties.variants,
  },
  { additionalProperties: false },
);
export type TPatchProductBody = Static<typeof PatchProductBody>;
export type TProductVariantInput = Static<typeof ProductVariantInput>;

export const ProductVariant = Type.Object({
  variant_id: Type.String(),
  name: Type.String(),
  attributes: Type.Record(Type.String(), Type.String()),
  price: Type.Union([Type.Object({ amount: Type.Integer(), currency: Type.String() }), Type.Null()], { description: 'Null: the product’s price' }),
  stock: Type.Union([Type.Integer(), Type.Null()], { description: 'Null: draws on the product’s stock' }),
});

export const Product = Type.Object(
  {
    object: Type.Literal('product'),
    product_id: Type.String(),
    name: Type.String(),
    url: Type.Union([Type.String(), Type.Null()]),
    price: Type.Union([Type.Object({ amount: Type.Integer(), currency: Type.String() }), Type.Null()]),
    category: GarmentCategory,
    image: Type.Object({
      upload_id: Type.String({ description: 'The stored garment image (owned by the product; try-ons by product_id show it as the garment’s upload_id)' }),
      url: Type.String({ description: 'Short-lived signed URL' }),
      url_expires_at: Timestamp,
      content_type: Type.String(),
      width: Type.Integer(),
      height: Type.Integer(),
      bytes: Type.Integer(),
    }),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    active: Type.Boolean(),
    stock: Type.Union([Type.Integer(), Type.Null()], { description: 'Units in stock (after open orders’ reservations); null: not tracked' }),
    variants: Type.Array(ProductVariant),
    /**
     * The garment's dominant colour, read from its image (not the packshot's background) when the
     * product is saved; null until it is read or when none was found. `POST /v1/style/color-matches`
     * scores it against a season's palette.
     */
    dominant_color: Type.Union([
      Type.Object({
        hex: Type.String({ description: 'sRGB, lower-case #rrggbb' }),
        lab: Type.Object({ l: Type.Number(), a: Type.Number(), b: Type.Number() }, { description: 'CIELAB, D65' }),
      }),
      Type.Null(),
    ]),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Product' },
);
export type TProduct = Static<typeof Product>;

export const ListProductsQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  starting_after: Type.Optional(Type.String({ pattern: PRODUCT_ID_PATTERN, maxLength: 128, description: 'Cursor: the product_id of the last item of the previous page (products are listed in product_id order)' })),
  active: Type.Optional(Type.Boolean()),
  category: Type.Optional(GarmentCategory),
});
export type TListProductsQuery = Static<typeof ListProductsQuery>;
