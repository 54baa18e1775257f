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
    active: Type.Optional(Type.Boolean({ description: 'Inactive products stay in the catalog but cannot be tried on; default true' })),
  },
  { additionalProperties: false },
);
export type TPutProductBody = Static<typeof PutProductBody>;

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
