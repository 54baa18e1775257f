/**
 * A product's variants as the API takes and shows them: checked (unique ids, prices in the
 * product's currency) and stored with nulls for "use the product's" price or stock.
 */
import { AppError } from '../../platform/errors.js';
import type { TProductVariantInput } from '../../../contracts/catalog.js';
import type { StoredVariant } from './tables.js';

/**
 * The variants to store for a product priced in `currency` (null: no price). Refuses duplicate
 * variant ids and a variant price in another currency than the product's (one currency per
 * product, so one per order).
 */
export function storedVariants(input: TProductVariantInput[], productCurrency: string | null): StoredVariant[] {
  const seen = new Set<string>();
  const out = input.map((v, i) => {
    if (seen.has(v.variant_id)) throw new AppError('VALIDATION_FAILED', `variants[${i}].variant_id ${v.variant_id} is used twice.`, { extra: { errors: [{ in: 'body', path: `/variants/${i}/variant_id`, message: 'must be unique' }] } });
    seen.add(v.variant_id);
    if (v.price && productCurrency !== null && v.price.currency !== productCurrency) {
      throw new AppError('VALIDATION_FAILED', `variants[${i}].price is in ${v.price.currency} but the product is priced in ${productCurrency}.`, {
        extra: { errors: [{ in: 'body', path: `/variants/${i}/price/currency`, message: `must be ${productCurrency}` }] },
      });
    }
    return { variant_id: v.variant_id, name: v.name, attributes: v.attributes ?? {}, price: v.price ?? null, stock: v.stock ?? null };
  });
  checkVariantCurrencies(out, productCurrency);
  return out;
}

/** Variants priced without a product price must agree on one currency among themselves. */
export function checkVariantCurrencies(variants: StoredVariant[], productCurrency: string | null): void {
  const currencies = new Set(variants.flatMap((v) => (v.price ? [v.price.currency] : [])));
  if (productCurrency !== null) currencies.add(productCurrency);
  if (currencies.size > 1) throw new AppError('VALIDATION_FAILED', `A product and its variants have one currency; found ${[...currencies].sort().join(', ')}.`);
}
