/**
 * Try-on use-cases: uploads, creating a try-on (answered from the per-tenant result cache when the
 * same inputs were rendered before), reading, cancelling, erasing a shopper, and the retention purge.
 * The generation itself runs as a job (pipeline.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { getOrCreateSetting } from '../../platform/db/settings.js';
import { groupBatch } from '../../platform/db/group-writer.js';
import { lingers } from '../../platform/db/client.js';
import { signPath } from '../../platform/storage/signed-url.js';
import type { KeyPrincipal } from '../../platform/http/principal.js';
import type { Deps } from '../../deps.js';
import type { TCreateTryonBody, TTryon } from '../../../contracts/tryons.js';
import * as repo from './repository.js';
import { classifyImageRef, extensionOf, normalizeFor, readSource, type ImageSource } from './intake.js';
import { publishEvent, CANCEL_CHANNEL, INPUTS_ERASED_CHANNEL } from './events.js';
import { RETENTION_MS, tryonSettings, type ProductGarment, type StylePort, type TryonPorts } from './ports.js';
import { tenantCache } from './tenant-cache.js';
import { colorMatchesOf } from './present.js';
import type { BlobRef, GarmentRef, TryonRow, UploadRow } from './tables.js';

export const GENERATE_JOB = 'tryon.generate';
/** How a multipart body refers to its file parts: `multipart-part:<field>:<n>`. */
export const MULTIPART_REF = 'multipart-part:';
const CACHE_VERSION = 'v1';
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const NO_PRODUCTS: ReadonlyMap<string, ProductGarment> = new Map();

/** A publishable key acts for one browser session: the widget sends a random `probador-session` header. */
export function widgetSessionOf(p: KeyPrincipal, header: string | undefined): string | null {
  if (p.keyKind !== 'publishable') return null;
  if (!header || !/^[A-Za-z0-9_-]{16,128}$/.test(header)) {
    throw new AppError('VALIDATION_FAILED', 'Widget requests need a probador-session header (16–128 characters of A–Z, a–z, 0–9, _ or -).');
  }
  return createHash('sha256').update(header).digest('hex');
}

export type Caller = { principal: KeyPrincipal; widgetSession: string | null; baseUrl: string; /** Files of a multipart request, referenced as `multipart-part:<field>:<n>`. */ files?: Map<string, Buffer> | undefined };

const blobRefOf = (u: UploadRow): BlobRef | undefined => (u.blobKey ? { key: u.blobKey, content_type: u.contentType, width: u.width, height: u.height } : undefined);

export function createTryonService(deps: Deps, ports: TryonPorts) {
  const { db, blobs, clock, pubsub, config } = deps;
  const tenants = tenantCache((id) => ports.getTenant(id), pubsub);
  const getTenant = (id: string) => tenants.get(id);
  let filesSecret: string | undefined;
  const secret = async () => (filesSecret ??= await getOrCreateSetting(db, 'files_secret', () => randomBytes(32).toString('base64url')));

  // The upload rows of concurrent submits in one read (group commit's reading twin: a submit on a
  // quiet server reads alone, at once).
  const findUploads = groupBatch<{ tenantId: string; ids: readonly string[] }, UploadRow[]>((lookups) => repo.findUploadsMany(db, lookups), { linger: lingers(db) });

  const blobKey = (tenantId: string, folder: 'uploads' | 'results', id: string, contentType: string) => `tenants/${tenantId}/${folder}/${id}.${extensionOf(contentType)}`;

  async function signedUrl(key: string, contentType: string, baseUrl: string) {
    const expiresInS = config.tryon.resultUrlTtlS;
    const expiresAt = clock.now() + expiresInS * 1000;
    const s3 = await blobs.signedUrl(key, { expiresInS, contentType });
    return { url: s3 ?? `${baseUrl}${signPath(key, expiresAt, await secret())}`, expiresAt: new Date(expiresAt) };
  }

  function visible(c: Caller, row: { widgetSession: string | null }) {
    return c.widgetSession === null || row.widgetSession === c.widgetSession;
  }

  async function getUploadFor(c: Caller, id: string, prefetched?: Map<string, UploadRow>): Promise<UploadRow> {
    const u = prefetched ? prefetched.get(id) : await repo.findUpload(db, c.principal.tenantId, id);
    if (!u || !visible(c, u)) throw new AppError('UPLOAD_NOT_FOUND', `Upload ${id} not found.`);
    if (u.deletedAt || !u.blobKey) throw new AppError('UPLOAD_GONE', `Upload ${id} was deleted or has expired.`);
    return u;
  }

  async function storeImage(c: Caller, src: ImageSource, kind: 'person' | 'garment', shopperId: string | null): Promise<UploadRow> {
    const tenant = await getTenant(c.principal.tenantId);
    const { bytes, source } = await readSource(src, config);
    const img = await normalizeFor(kind, bytes, config);
    const id = newId('upload');
    const key = blobKey(tenant.id, 'uploads', id, img.contentType);
    await blobs.put(key, img.bytes, img.contentType);
    const now = clock.now();
    return repo.insertUpload(db, tenant.id, {
      id,
      kind,
      shopperId,
      widgetSession: c.widgetSession,
      blobKey: key,
      contentType: img.contentType,
      width: img.width,
      height: img.height,
      bytes: img.bytes.length,
      sha256: img.sha256,
      source,
      createdAt: new Date(now),
      expiresAt: new Date(now + RETENTION_MS[tenant.retention]),
    });
  }

  async function resolveImage(c: Caller, ref: string, kind: 'person' | 'garment', shopperId: string | null, prefetched?: Map<string, UploadRow>) {
    // Parts of a multipart request (never honoured in a JSON body: there it would just be a URL).
    if (c.files && ref.startsWith(MULTIPART_REF)) {
      const file = c.files.get(ref.slice(MULTIPART_REF.length));
      if (!file) throw new AppError('VALIDATION_FAILED', `The multipart file ${ref.slice(MULTIPART_REF.length)} is missing.`);
      return storeImage(c, { file }, kind, shopperId);
    }
    const r = classifyImageRef(ref);
    return 'upload_id' in r ? getUploadFor(c, r.upload_id, prefetched) : storeImage(c, r, kind, shopperId);
  }

  /** The catalog products named by garments without an image: all must exist and be active (404 / 422). */
  async function productsOf(tenantId: string, garments: TCreateTryonBody['garments']): Promise<ReadonlyMap<string, ProductGarment>> {
    const ids = [...new Set(garments.filter((g) => !g.image && g.product_id).map((g) => g.product_id!))];
    if (ids.length === 0 || !ports.getProducts) return NO_PRODUCTS;
    const found = new Map((await ports.getProducts(tenantId, ids)).map((p) => [p.product_id, p]));
    for (const id of ids) {
      const p = found.get(id);
      if (!p) throw new AppError('PRODUCT_NOT_FOUND', `Product ${id} is not in the catalog.`);
      if (!p.active) throw new AppError('PRODUCT_INACTIVE', `Product ${id} is not active; set active: true to try it on.`);
    }
    return found;
  }

  /** A product's image upload: the store's own, so no widget-session check (a publishable key may use it). */
  function productImage(p: ProductGarment, prefetched: Map<string, UploadRow> | undefined): UploadRow {
    const u = prefetched?.get(p.image_upload_id);
    if (!u || u.deletedAt || !u.blobKey) throw new AppError('UPLOAD_GONE', `The image of product ${p.product_id} was deleted; PUT the product again with its image.`);
    return u;
  }

  /** The season a try-on's `style` names (the style module, through its port). */
  async function styleSeason(c: Caller, style: NonNullable<TCreateTryonBody['style']>) {
    if (!ports.style) throw new AppError('VALIDATION_FAILED', 'style: colour matching is not available on this server.');
    return ports.style.seasonOf(c.principal.tenantId, c.widgetSession, style);
  }

  /** Each garment's colour judged for the season, kept on the garment (shown by GET, the SSE final event and the webhook). */
  async function judgeColors(tenantId: string, season: Parameters<StylePort['judge']>[1], garments: GarmentRef[], fromCatalog: boolean[]) {
    const matches = await ports.style!.judge(
      tenantId,
      season,
      garments.map((g, i) => ({
        productId: g.product_id ?? null,
        fromCatalog: fromCatalog[i] ?? false,
        sha256: g.sha256,
        load: async () => {
          const bytes = g.blob ? await blobs.get(g.blob.key) : undefined;
          if (!bytes) throw new AppError('UPLOAD_GONE', `Upload ${g.upload_id} was deleted or has expired.`);
          return bytes;
        },
      })),
    );
    garments.forEach((g, i) => (g.color_match = matches[i] ?? null));
  }

  async function present(row: TryonRow, c: Pick<Caller, 'baseUrl'>, withAttempts: boolean): Promise<TTryon> {
    let result: TTryon['result'] = null;
    if (row.status === 'succeeded' && row.resultBlobKey && row.resultContentType) {
      const s = await signedUrl(row.resultBlobKey, row.resultContentType, c.baseUrl);
      result = {
        url: s.url,
        url_expires_at: s.expiresAt.toISOString(),
        content_type: row.resultContentType,
        width: row.resultWidth ?? 0,
        height: row.resultHeight ?? 0,
        bytes: row.resultBytes ?? 0,
        meta: row.resultMeta ?? {},
      };
    }
    const attempts = withAttempts ? await repo.listAttempts(db, row.tenantId, row.id) : undefined;
    return {
      id: row.id,
      object: 'tryon',
      status: row.status,
      stage: row.stage,
      mode: row.mode,
      person: { upload_id: row.personUploadId },
      garments: row.garments.map((g) => ({ upload_id: g.upload_id, product_id: g.product_id ?? null, category: g.category, ...(g.color_match !== undefined ? { color_match: g.color_match } : {}) })),
      provider: row.provider,
      model: row.model,
      cached: row.cached,
      result,
      timings: {
        queued_ms: row.startedAt ? row.startedAt.getTime() - row.queuedAt.getTime() : null,
        provider_ms: row.providerMs,
        total_ms: row.finishedAt ? row.finishedAt.getTime() - row.queuedAt.getTime() : null,
      },
      attempts_count: row.attemptsCount,
      ...(attempts
        ? {
            attempts: attempts.map((a) => ({
              provider: a.provider,
              model: a.model,
              step: a.step,
              hedged: a.hedged,
              outcome: a.outcome,
              error_class: a.errorClass,
              latency_ms: a.latencyMs,
              cost_usd: a.costUsd,
              fidelity_score: a.fidelityScore,
              started_at: a.startedAt.toISOString(),
            })),
          }
        : {}),
      cost_usd: row.costUsd,
      error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
      shopper_id: row.shopperId,
      metadata: row.metadata,
      created_at: row.createdAt.toISOString(),
      started_at: iso(row.startedAt),
      finished_at: iso(row.finishedAt),
      expires_at: iso(row.expiresAt),
    };
  }

  async function getTryonRow(c: Caller, id: string) {
    const row = await repo.findTryon(db, c.principal.tenantId, id);
    if (!row || !visible(c, row)) throw new AppError('TRYON_NOT_FOUND', `Try-on ${id} not found.`);
    return row;
  }

  /** Erase blobs of uploads and try-on results; rows stay as records without images. */
  /**
   * Results are shared: a cache hit points at the result blob of the try-on that filled the cache.
   * Drop the cache entries of these try-ons first (a concurrent hit holds its entry FOR SHARE, so
   * this waits for it), clear their results, then delete each blob no try-on refers to any more.
   */
  async function releaseResults(tenantId: string, tryonRows: { id: string; resultBlobKey: string | null }[], status: 'expired' | null, now: Date) {
    const ids = tryonRows.map((t) => t.id);
    await repo.deleteCacheFor(db, tenantId, ids);
    await repo.clearResults(db, tenantId, ids, status, now);
    const keys = [...new Set(tryonRows.map((t) => t.resultBlobKey).filter((k): k is string => !!k))];
    const stillUsed = await repo.referencedResultKeys(db, tenantId, keys);
    for (const k of keys) if (!stillUsed.has(k)) await blobs.delete(k);
  }

  /** Workers keep recent input photos in memory (pipeline.ts): tell every node these are gone. */
  async function forgetInputs(rows: { blobKey: string | null }[]) {
    const keys = rows.map((u) => u.blobKey).filter((k): k is string => !!k);
    if (keys.length > 0) await pubsub.publish(INPUTS_ERASED_CHANNEL, JSON.stringify(keys));
  }

  async function erase(tenantId: string, uploadRows: { id: string; blobKey: string | null }[], tryonRows: TryonRow[]) {
    const now = new Date(clock.now());
    for (const u of uploadRows) if (u.blobKey) await blobs.delete(u.blobKey);
    await forgetInputs(uploadRows);
    await repo.markUploadsDeleted(db, tenantId, uploadRows.map((u) => u.id), now);
    await releaseResults(tenantId, tryonRows, null, now);
    // Anything still waiting must not run on erased photos.
    for (const t of tryonRows.filter((x) => x.status === 'queued' || x.status === 'processing')) {
      await cancel(tenantId, t.id, 'erased');
    }
  }

  async function cancel(tenantId: string, id: string, reason: 'requested' | 'erased') {
    const now = new Date(clock.now());
    const queued = await repo.updateTryonIf(db, tenantId, id, ['queued'], {
      status: 'canceled',
      cancelRequested: true,
      finishedAt: now,
      errorCode: 'CANCELED',
      errorMessage: reason === 'erased' ? 'The shopper’s photos were erased.' : 'Canceled on request.',
    });
    if (queued) {
      await ports.refundGeneration(tenantId);
      await publishEvent(pubsub, { id, status: 'canceled', at: now.toISOString() });
      await ports.emitWebhook(tenantId, 'tryon.canceled', { id, reason });
      return queued;
    }
    const running = await repo.updateTryonIf(db, tenantId, id, ['processing'], { cancelRequested: true });
    if (running) await pubsub.publish(CANCEL_CHANNEL, JSON.stringify({ id, tenantId }));
    return running;
  }

  return {
    present,
    widgetSessionOf,
    async createUpload(c: Caller, src: ImageSource, kind: 'person' | 'garment', shopperId: string | null) {
      return storeImage(c, src, kind, shopperId);
    },
    getUpload: getUploadFor,
    async deleteUpload(c: Caller, id: string) {
      const u = await repo.findUpload(db, c.principal.tenantId, id);
      if (!u || !visible(c, u)) throw new AppError('UPLOAD_NOT_FOUND', `Upload ${id} not found.`);
      const used = await repo.tryonsUsingUpload(db, u.tenantId, id);
      await erase(u.tenantId, [u], used);
    },
    async eraseShopper(c: Caller, shopperId: string) {
      const rows = await repo.shopperRows(db, c.principal.tenantId, shopperId);
      const uploads = rows.uploads.filter((u) => visible(c, u));
      const tryons = rows.tryons.filter((t) => visible(c, t));
      await erase(c.principal.tenantId, uploads, tryons);
      const elsewhere = (await ports.eraseShopperElsewhere?.({ tenantId: c.principal.tenantId, widgetSession: c.widgetSession }, shopperId)) ?? { styleAnalyses: 0, quizResults: 0 };
      return { uploads: uploads.length, tryons: tryons.length, ...elsewhere };
    },

    async createTryon(c: Caller, body: TCreateTryonBody): Promise<TryonRow> {
      const tenantId = c.principal.tenantId;
      const tenant = await getTenant(tenantId);
      const settings = tryonSettings(tenant);
      const shopperId = body.shopper_id ?? null;
      // "Does this colour suit me": whose season, checked first (an unknown analysis is a 404 before anything is stored).
      const season = body.style ? await styleSeason(c, body.style) : undefined;
      // A garment given as a product_id alone is the catalog product's stored image (an image given with it wins).
      const products = body.garments.some((g) => !g.image) ? await productsOf(tenantId, body.garments) : NO_PRODUCTS;
      // Every upload id of the request in one read.
      const uploadIds = [body.person, ...body.garments.map((g) => g.image ?? ''), ...[...products.values()].map((p) => p.image_upload_id)].filter(
        (ref) => !(c.files && ref.startsWith(MULTIPART_REF)) && /^upl_[0-9A-Za-z]{1,64}$/.test(ref),
      );
      const prefetched = uploadIds.length > 0 ? new Map((await findUploads({ tenantId, ids: [...new Set(uploadIds)] })).map((u) => [u.id, u])) : undefined;
      const person = await resolveImage(c, body.person, 'person', shopperId, prefetched);
      const garments: GarmentRef[] = [];
      const fromCatalog: boolean[] = [];
      for (const g of body.garments) {
        const product = g.image ? undefined : products.get(g.product_id ?? '');
        if (!g.image && !product) throw new AppError('VALIDATION_FAILED', 'Each garment needs an image (an upload id, a data URL or an https URL) or the product_id of a product in the catalog.');
        const up = product ? productImage(product, prefetched) : await resolveImage(c, g.image!, 'garment', shopperId, prefetched);
        // A product's category unless the request names another (auto names none).
        const category = product && (g.category ?? 'auto') === 'auto' ? product.category : (g.category ?? 'auto');
        garments.push({ upload_id: up.id, ...(g.product_id ? { product_id: g.product_id } : {}), category, sha256: up.sha256, blob: blobRefOf(up) });
        fromCatalog.push(Boolean(product));
      }
      if (season) await judgeColors(tenantId, season, garments, fromCatalog);
      const mode = body.mode ?? 'balanced';
      const cacheKey = createHash('sha256')
        .update([CACHE_VERSION, tenantId, person.sha256, ...garments.map((g) => `${g.sha256}:${g.category}`), mode, body.provider ?? ''].join('|'))
        .digest('hex');
      const now = clock.now();
      const expiresAt = new Date(now + RETENTION_MS[tenant.retention]);
      const base = {
        keyId: c.principal.keyId,
        environment: c.principal.environment,
        shopperId,
        widgetSession: c.widgetSession,
        mode,
        requestedProvider: body.provider ?? null,
        personUploadId: person.id,
        personBlob: blobRefOf(person) ?? null,
        garments,
        metadata: body.metadata ?? {},
        cacheKey,
        queuedAt: new Date(now),
        createdAt: new Date(now),
        updatedAt: new Date(now),
        expiresAt,
      };
      const useCache = settings.cache !== false && tenant.retention !== 'process-only';
      if (useCache) {
        // A hit points at the cached result blob (shared, never copied; see releaseResults).
        const id = newId('tryon');
        const row = await repo.insertCachedTryon(
          db,
          tenantId,
          cacheKey,
          { ...base, id, status: 'succeeded', cached: true, startedAt: new Date(now), finishedAt: new Date(clock.now()), providerMs: 0 },
          async (hit) => (await blobs.head(hit.resultBlobKey)) !== undefined,
        );
        if (row) {
          await ports.recordUsage(tenantId, 'tryon.cache_hit', { refId: id });
          await ports.emitWebhook(tenantId, 'tryon.succeeded', { id, cached: true, provider: row.provider, ...colorMatchesOf(row) });
          ports.reportOutcome?.(tenantId, { tryonId: id, status: 'succeeded', session: row.widgetSession, shopperId: row.shopperId, cached: true, provider: row.provider, errorCode: null });
          return row;
        }
      }
      // Photo pre-check (perception) before a generation is spent: 422 PHOTO_REJECTED with the issues.
      const personKey = person.blobKey;
      const check = ports.checkPhoto && personKey ? await ports.checkPhoto(tenant, async () => (await blobs.get(personKey)) ?? Buffer.alloc(0), garments.map((g) => g.category)) : undefined;
      if (check && !check.ok) {
        const codes = check.issues.filter((i) => i.severity === 'error').map((i) => i.code);
        throw new AppError('PHOTO_REJECTED', `The photo cannot be used for a try-on: ${codes.join(', ')}.`, { extra: { issues: check.issues, strictness: check.strictness } });
      }
      await ports.consumeGeneration(tenant);
      const id = newId('tryon');
      const row = await repo.insertTryon(db, tenantId, { ...base, id, status: 'queued' });
      // No `queued` event: no one can listen yet (the id is not out before this answers), and a
      // stream opened later starts with the row's state, `queued` included (routes/tryons.ts).
      await deps.jobs.enqueue(GENERATE_JOB, { tenantId, tryonId: id }, { dedupeKey: id });
      return row;
    },
    getTryonRow,
    listTryons: (c: Caller, q: repo.TryonFilters & { limit: number; startingAfter?: string | undefined }) =>
      repo.listTryons(db, c.principal.tenantId, { ...q, ...(c.widgetSession ? { widgetSession: c.widgetSession } : {}) }),
    async cancelTryon(c: Caller, id: string) {
      const row = await getTryonRow(c, id);
      if (!['queued', 'processing'].includes(row.status)) throw new AppError('TRYON_NOT_CANCELABLE', `Try-on ${id} is already ${row.status}.`);
      await cancel(row.tenantId, id, 'requested');
      return (await repo.findTryon(db, row.tenantId, id))!;
    },
    queuePosition: (row: TryonRow) => repo.queuePosition(db, row.queuedAt),
    /** Retention: delete expired uploads and results (called by the worker's maintenance). */
    async purgeExpired() {
      const now = new Date(clock.now());
      let uploads = 0;
      let results = 0;
      const expired = await repo.expiredUploads(db, now, 500);
      for (const u of expired) {
        if (u.blobKey) await blobs.delete(u.blobKey);
        await repo.markUploadsDeleted(db, u.tenantId, [u.id], now);
        uploads++;
      }
      await forgetInputs(expired);
      for (const t of await repo.expiredTryons(db, now, 500)) {
        await releaseResults(t.tenantId, [{ id: t.id, resultBlobKey: t.blobKey }], 'expired', now);
        results++;
      }
      return { uploads, results };
    },
    blobKey,
    filesSecret: secret,
    /** The tenant view, cached in-process (see tenant-cache.ts). */
    getTenant,
    /** Start the tenant cache's invalidation subscription (nothing is cached before). */
    start: () => tenants.start(),
    close: () => tenants.close(),
  };
}

export type TryonService = ReturnType<typeof createTryonService>;
