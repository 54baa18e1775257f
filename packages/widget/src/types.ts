/**
 * The public types of `@probador/widget`: what `mount()` takes, what it returns, and the events it
 * emits (the same moments the script-tag widget reports as `probador:*` DOM events).
 */
import type { Lang } from './i18n.js';

export type { Lang } from './i18n.js';

/** A garment the shopper can try on. `image`: its picture (absolute, or relative to the page). */
export interface WidgetProduct {
  image: string;
  /** The store's product id (a catalog product of the tenant gets colour badges and analytics). */
  id?: string;
  name?: string;
  category?: 'auto' | 'tops' | 'bottoms' | 'one-pieces';
}

/** A signed-in shopper's access token, or a function returning a fresh one (asked before each call made for them; null: not signed in). */
export type UserToken = string | (() => string | null | undefined | Promise<string | null | undefined>);

export interface WidgetOptions {
  /** The tenant's publishable key (`pk_live_…` / `pk_test_…`). */
  key: string;
  /** The Probador server's origin, e.g. `https://probador.example`. */
  api: string;
  /** `en` or `es`; default: the tenant's setting, then `<html lang>`, then the browser's. */
  lang?: Lang;
  /** The product this element is for: a "Try it on" button is rendered inside the element. */
  product?: WidgetProduct;
  /** More garments the shopper may add as a second one. */
  products?: WidgetProduct[];
  /** Render the "Try it on" button for `product` (default true). */
  tryButton?: boolean;
  /** Render a "Find my colours" button inside the element (default false). */
  coloursButton?: boolean;
  /** The floating "Try it on" button in a corner of the page (default false). */
  launcher?: boolean;
  /**
   * Also find products and style buttons in the page by their data attributes
   * (`data-probador-garment`, `data-probador-style`), as the script tag does (default false).
   */
  scan?: boolean;
  /**
   * A signed-in shopper (an end user of the tenant, e.g. from `POST /v1/auth/login`): their access
   * token, or a function returning it (so a single-page shop can refresh it). "Find my colours"
   * then runs as them: the selfie analysis or quiz result lands in their history, the answer
   * becomes their chosen palette, and on mount their colours are loaded from the account instead
   * of this browser's storage. Without it: kept in this browser (localStorage).
   */
  userToken?: UserToken;
}

export type WidgetState = 'loading' | 'ready' | 'unavailable' | 'destroyed';
export type Verdict = 'flatters' | 'neutral' | 'avoid';

/** The shopper's colours, as `colours` reports them (null when forgotten or signed out). */
export interface ColoursDetail {
  /** The style analysis (`sta_…`) or quiz result (`qzr_…`) behind them; null for an account's palette loaded as a season. */
  analysis_id: string | null;
  season: string;
  season_name: Record<string, string>;
  /** The palette's best colours (#rrggbb). */
  best: string[];
  /** Where they are kept: this browser, or the signed-in shopper's account (`userToken`). */
  from: 'browser' | 'account';
  /** The verdict for each product with an id on the page. */
  products: { product_id: string; verdict: Verdict }[];
}

/** Every event `on()` can listen to, with its payload. */
export interface WidgetEvents {
  /** `loading` → `ready`, or `unavailable` (refused origin, bad key, unreachable); `reason` is an error code. */
  state: { state: WidgetState; reason?: string };
  /** The dialog opened: the try-on for a product, or "Find my colours". */
  open: { view: 'tryon' | 'colours'; product_id: string | null };
  close: { view: 'tryon' | 'colours' };
  /** The shopper ticked the consent box (for a try-on photo or a selfie). */
  consent: { purpose: 'tryon' | 'colours'; retention: string };
  /** A photo was uploaded (the try-on photo) or a selfie sent for analysis. */
  upload: { purpose: 'tryon' | 'colours'; upload_id: string | null; width: number | null; height: number | null };
  /** A try-on finished and is shown. */
  result: { tryon_id: string; result_url: string; product_id: string | null; second_product_id: string | null };
  /** "Add to cart" on a result. */
  'add-to-cart': { product_id: string | null; garment: string; second_product_id: string | null; tryon_id: string; result_url: string };
  /** The shopper's colours were found, loaded or forgotten. */
  colours: ColoursDetail | null;
  /** A step failed and the shopper was told why (`code`: the API's error code, or the widget's). */
  error: { step: 'photo' | 'tryon' | 'colours'; code: string };
}

export type WidgetEventName = keyof WidgetEvents;
export type WidgetListener<K extends WidgetEventName> = (detail: WidgetEvents[K]) => void;

export interface WidgetHandle {
  /** Open the try-on dialog for a product (default: the mounted `product`, else the first one found). */
  open(product?: WidgetProduct): void;
  close(): void;
  /** Open "Find my colours". */
  findColours(): void;
  /** Change options; `key` or `api` changes reload the tenant's config, the rest re-renders in place (a new `userToken` re-reads the account's colours). */
  update(options: Partial<WidgetOptions>): void;
  /** Remove everything the widget added (buttons, dialog, listeners). */
  destroy(): void;
  /** Listen to an event; returns the function that stops listening. */
  on<K extends WidgetEventName>(event: K, listener: WidgetListener<K>): () => void;
  /** Resolves once the tenant's config is loaded (`ready`) or the widget cannot run here (`unavailable`). */
  readonly ready: Promise<WidgetState>;
  readonly state: WidgetState;
}
