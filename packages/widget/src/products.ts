/** Products on the host page: elements with data-probador-garment (image URL), data-category, data-product-id, data-name. */
import { ApiError, type Api } from './api.js';
import { store } from './store.js';

export type Product = { el: HTMLElement | null; image: string; category: string | undefined; productId: string | undefined; name: string };

const CATEGORIES = new Set(['auto', 'tops', 'bottoms', 'one-pieces']);

export function readProduct(el: HTMLElement): Product | null {
  const raw = el.dataset.probadorGarment;
  if (!raw) return null;
  let image: string;
  try {
    image = new URL(raw, document.baseURI).href;
  } catch {
    return null;
  }
  const category = el.dataset.category && CATEGORIES.has(el.dataset.category) ? el.dataset.category : undefined;
  const name = el.dataset.name ?? el.getAttribute('aria-label') ?? el.querySelector('img')?.alt ?? el.dataset.productId ?? 'Product';
  return { el, image, category, productId: el.dataset.productId || undefined, name };
}

export function findProducts(doc: ParentNode = document): Product[] {
  return [...doc.querySelectorAll<HTMLElement>('[data-probador-garment]')].map(readProduct).filter((p): p is Product => p !== null);
}

/** Addresses the service can fetch itself are passed as URLs; local, private or plain-http images are fetched here and uploaded once per visit. */
function serverCanFetch(url: URL) {
  if (url.protocol !== 'https:') return false;
  const host = url.hostname;
  return !(host === 'localhost' || host.endsWith('.local') || host.endsWith('.localhost') || /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(host) || host.startsWith('['));
}

export async function garmentRef(api: Api, p: Product) {
  const meta = { ...(p.productId ? { product_id: p.productId } : {}), ...(p.category ? { category: p.category } : {}) };
  const url = new URL(p.image);
  if (serverCanFetch(url)) return { image: p.image, ...meta };
  const cacheKey = `garment:${p.image}`;
  const cached = store.get(cacheKey);
  if (cached) return { image: cached, ...meta };
  let blob: Blob;
  try {
    const res = await fetch(p.image, { mode: 'cors', credentials: 'omit' });
    if (!res.ok) throw new Error(String(res.status));
    blob = await res.blob();
  } catch {
    throw new ApiError({ status: 422, code: 'GARMENT_FETCH' });
  }
  const up = await api.upload(blob, 'garment', 'garment');
  store.set(cacheKey, up.id);
  return { image: up.id, ...meta };
}
