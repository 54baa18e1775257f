/** What the try-on module needs from other modules, wired in app.ts (modules stay apart). */
import Value from 'typebox/value';
import type { TSchema } from 'typebox';
import { TryonSettingsSchema } from '../../../contracts/tenants.js';
import type { TCreateTryonBody, TGarmentColorMatch } from '../../../contracts/tryons.js';

export type TenantView = {
  id: string;
  retention: 'process-only' | '1h' | '24h' | '7d';
  settings: Record<string, unknown>;
  /** For the generation quota (tier default or the tenant's own). */
  tier: string;
  limits: Record<string, unknown>;
};

/** A catalog product as a try-on garment: its stored image (an upload of the tenant) and its category. */
export type ProductGarment = {
  product_id: string;
  active: boolean;
  category: 'tops' | 'bottoms' | 'one-pieces' | 'auto';
  image_upload_id: string;
};

/** A garment as the style port sees it: its product (when tried on by id from the catalog), its image's hash, and its bytes on demand. */
export type StyleGarment = { productId: string | null; fromCatalog: boolean; sha256: string; load: () => Promise<Buffer> };

/** "Does this colour suit me" (the style module). */
export type StylePort = {
  /** The season a try-on's `style` names (404 for another tenant's or another widget session's analysis), before anything is queued. */
  seasonOf: (tenantId: string, widgetSession: string | null, style: NonNullable<TCreateTryonBody['style']>) => Promise<TGarmentColorMatch['season']>;
  /** Each garment's colour judged for the season, in order (null where no colour could be read). */
  judge: (tenantId: string, season: TGarmentColorMatch['season'], garments: StyleGarment[]) => Promise<(TGarmentColorMatch | null)[]>;
};

export type TryonPorts = {
  /** Colour matching for try-ons given `style`; undefined = not offered by this server. */
  style?: StylePort;
  getTenant: (tenantId: string) => Promise<TenantView>;
  /** The tenant's products with these ids (the catalog module); missing ids are left out. Undefined = no catalog. */
  getProducts?: (tenantId: string, productIds: string[]) => Promise<ProductGarment[]>;
  /** Count one generation against the tenant's monthly quota (the view is the cached one: no lookup). */
  consumeGeneration: (tenant: TenantView) => Promise<void>;
  refundGeneration: (tenantId: string) => Promise<void>;
  recordUsage: (tenantId: string, type: string, opts: { costUsd?: number; refId?: string; meta?: Record<string, unknown> }) => Promise<void>;
  emitWebhook: (tenantId: string, type: string, data: Record<string, unknown>) => Promise<void>;
  /** A try-on finished (product-analytics export; fire and forget — never slows or fails the try-on). */
  reportOutcome?: (tenantId: string, o: { tryonId: string; status: 'succeeded' | 'failed'; session: string | null; shopperId: string | null; cached: boolean; provider: string | null; errorCode: string | null }) => void;
  /** Photo pre-check (perception module), run on intake before a generation is spent; undefined = not checked (off, or perception failed). */
  checkPhoto?: (
    tenant: { id: string; settings: Record<string, unknown> },
    /** Read only when the tenant's strictness asks for a check. */
    loadBytes: () => Promise<Buffer>,
    categories: ('tops' | 'bottoms' | 'one-pieces' | 'auto')[],
  ) => Promise<{ ok: boolean; strictness: string; issues: { code: string; severity: string; message: { en: string; es: string }; tip: { en: string; es: string } }[] } | undefined>;
  /** Body keypoints of a person photo (and the main face's box and chin), for the local engine's placement (undefined when unknown). */
  bodyPose?: (
    bytes: Buffer,
    signal?: AbortSignal,
  ) => Promise<{ score: number; keypoints: { part: string; x: number; y: number; score: number }[]; face?: { box: { x: number; y: number; width: number; height: number }; chin?: { x: number; y: number } | undefined } } | undefined>;
  /** Other modules' data of a shopper, erased with the try-on data by DELETE /v1/shoppers/:id (a publishable key's widget session: its own only). */
  eraseShopperElsewhere?: (c: { tenantId: string; widgetSession: string | null }, shopperId: string) => Promise<{ styleAnalyses: number; quizResults: number }>;
  /** How well a result kept the person (0–1), undefined when perception is off. */
  resultFidelity?: (before: Buffer, after: Buffer, signal?: AbortSignal) => Promise<{ score: number | null; body: number | null; face: number | null } | undefined>;
};

/** The tenant's try-on settings (in tenants.settings.tryon). */
export type TryonSettings = {
  providers?: string[];
  providers_by_category?: Partial<Record<'tops' | 'bottoms' | 'one-pieces', string[]>>;
  latency_budget_ms?: number;
  cache?: boolean;
  /** Below this fidelity score (0–1) a result is set aside and the next provider in line is tried. */
  min_fidelity?: number;
};

export const RETENTION_MS: Record<TenantView['retention'], number> = {
  'process-only': 10 * 60 * 1000,
  '1h': 3600 * 1000,
  '24h': 24 * 3600 * 1000,
  '7d': 7 * 24 * 3600 * 1000,
};

/** The tenant's try-on settings, only the members that pass the settings schema (a bad stored value means its default). */
export function tryonSettings(t: TenantView): TryonSettings {
  const s = t.settings.tryon;
  if (!s || typeof s !== 'object' || Array.isArray(s)) return {};
  // The tenant view is cached, so its settings object is checked once.
  let out = checked.get(s);
  if (!out) {
    out = {};
    const props = TryonSettingsSchema.properties as Record<string, TSchema>;
    for (const [k, v] of Object.entries(s)) if (props[k] && Value.Check(props[k], v)) (out as Record<string, unknown>)[k] = v;
    checked.set(s, out);
  }
  return out;
}
const checked = new WeakMap<object, TryonSettings>();
