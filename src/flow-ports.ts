/**
 * The flow engine's ports (modules/commerce/flows: FlowPorts), wired to the other modules: the
 * catalog's products (with a signed image link and the price as text), orders from a session's
 * cart (the orders part's cart path: priced and stock-checked, idempotent by the input), try-ons
 * of the shopper's photo on a product, and a selfie's colour season with the catalog's products
 * that flatter it. A failure the shopper can be told about is marked `expected` (the flow's
 * `on_error` takes it); anything else fails the job, which runs again.
 */
import type { Logger } from 'pino';
import type { BlobStore } from './platform/storage/blob-store.js';
import { AppError } from './platform/errors.js';
import { formatMoney } from './platform/money.js';
import type { CatalogModule, ProductRow } from './modules/catalog/index.js';
import type { FlowOrder, FlowPorts, FlowProduct } from './modules/commerce/index.js';
import type { OrdersPart } from './modules/commerce/orders/index.js';
import type { StyleModule } from './modules/style/index.js';
import type { TryonModule } from './modules/tryon/index.js';

const expected = (message: string) => Object.assign(new Error(message), { expected: true });

type Order = Awaited<ReturnType<OrdersPart['service']['get']>>;
const flowOrder = (o: Order): FlowOrder => ({ id: o.id, status: o.status, total: o.total_amount, currency: o.currency, total_text: formatMoney(o.total_amount, o.currency), payment_url: o.payment_link });

export function flowPorts(m: { catalog: CatalogModule; orders: () => OrdersPart; tryon: TryonModule; style: StyleModule; blobs: BlobStore; linkBase: () => string; log: Logger }): FlowPorts {
  async function present(tenantId: string, p: ProductRow): Promise<FlowProduct> {
    const image = await m.tryon.signedUrl(p.image.key, p.image.content_type, m.linkBase()).catch(() => undefined);
    return {
      id: p.productId,
      name: p.name,
      price: p.priceAmount !== null && p.priceCurrency ? formatMoney(p.priceAmount, p.priceCurrency) : null,
      imageUrl: image?.url ?? null,
      unitAmount: p.priceAmount,
      currency: p.priceCurrency,
    };
  }
  async function imageBytes(key: string): Promise<Buffer> {
    const bytes = await m.blobs.get(key);
    if (!bytes) throw expected('the photo is no longer stored');
    return bytes;
  }
  const asExpected = (e: unknown): never => {
    if (e instanceof AppError && e.status < 500) throw expected(e.message);
    throw e;
  };

  return {
    async product(tenantId, id) {
      const p = await m.catalog.service.getProduct(tenantId, id).catch(() => undefined);
      return p && p.active ? present(tenantId, p) : undefined;
    },
    async products(tenantId, limit) {
      const page = await m.catalog.service.listProducts(tenantId, { limit, active: true } as Parameters<CatalogModule['service']['listProducts']>[1]);
      return Promise.all(page.data.map((p) => present(tenantId, p)));
    },
    async createOrder(tenantId, cart) {
      try {
        const r = await m.orders().createFromCart(tenantId, cart);
        if (!r.order) throw expected('none of the items in the cart can be ordered right now');
        return flowOrder(r.order);
      } catch (e) {
        return asExpected(e);
      }
    },
    async getOrder(tenantId, id) {
      const o = await m
        .orders()
        .service.get(tenantId, id)
        .catch(() => undefined);
      return o ? flowOrder(o) : undefined;
    },
    async tryon(tenantId, p) {
      const person = await imageBytes(p.image.key);
      try {
        const out = await m.tryon.tryOnProduct(tenantId, { person, contentType: p.image.content_type, productId: p.productId, waitMs: 90_000 });
        const link = await m.tryon.signedUrl(out.key, out.contentType, m.linkBase());
        return { url: link.url, contentType: out.contentType };
      } catch (e) {
        if (e instanceof AppError) return asExpected(e);
        throw expected((e as Error).message.slice(0, 200));
      }
    },
    async style(tenantId, p) {
      const selfie = await imageBytes(p.image.key);
      const caller = { tenantId, keyId: null, environment: 'live' as const, intake: m.tryon.systemCaller(tenantId, m.linkBase()) };
      let analysis: Awaited<ReturnType<StyleModule['analyse']>>;
      try {
        analysis = await m.style.analyse(caller, { image: `data:${p.image.content_type};base64,${selfie.toString('base64')}`, kinds: ['color'] });
      } catch (e) {
        return asExpected(e);
      }
      const color = analysis.color;
      if (!color) {
        const tips = analysis.quality.issues.filter((i) => i.severity === 'error').map((i) => `• ${i.message.en} ${i.tip.en}`);
        throw expected(`the photo cannot be read${tips.length ? `:\n${tips.join('\n')}` : ''}`);
      }
      const season = color.season12.season;
      const name = color.palette.name.en;
      const best = color.palette.best.slice(0, 6).map((c) => c.name.en).join(', ');
      const text = `Your colours: ${name} (${Math.round(color.season12.confidence * 100)}% sure).\nUndertone: ${color.undertone}.\nBest colours: ${best}.\nMetals: ${color.palette.metals.map((x) => x.replace('_', ' ')).join(', ') || '—'}.`;
      let products: FlowProduct[] = [];
      if (p.products > 0) {
        const matches = await m.style.match.colorMatches({ tenantId, widgetSession: () => null }, { season, catalog: { limit: p.products, verdict: 'flatters' } });
        const ids = matches.data.map((x) => x.product_id).filter((x): x is string => !!x);
        products = (await Promise.all(ids.map((id) => m.catalog.service.getProduct(tenantId, id).then((r) => present(tenantId, r), () => undefined)))).filter((x): x is FlowProduct => !!x);
      }
      return { value: { analysis_id: analysis.id, season, season_name: name, undertone: color.undertone, confidence: color.season12.confidence }, text, products };
    },
  };
}
