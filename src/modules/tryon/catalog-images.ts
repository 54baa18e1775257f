/**
 * Garment images kept for a store's catalog (modules/catalog uses this through index.ts).
 *
 * They go through the same intake as try-on uploads — an upload id, a data URL or an https URL
 * (safeFetch: no private addresses), checked by content, EXIF-rotated and stripped, normalised —
 * and are stored as an `uploads` row of kind `garment`, so a try-on uses them like any garment
 * upload and the result cache keys on the same sha256. Unlike shopper uploads they have no expiry:
 * a product image is the store's own picture, not shopper data, and lives as long as its product.
 * When the product's image is replaced or the product deleted, `release` gives the old image the
 * default retention (24 h), so try-ons already queued with it still run; the purge then erases it.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { signPath } from '../../platform/storage/signed-url.js';
import type { Deps } from '../../deps.js';
import * as repo from './repository.js';
import { classifyImageRef, normalizeFor, readSource } from './intake.js';
import { RETENTION_MS } from './ports.js';
import type { TryonService } from './service.js';
import { uploads, type UploadRow } from './tables.js';

/** A stored catalog image: where it is and what it is. */
export type StoredImage = { upload_id: string; key: string; content_type: string; width: number; height: number; bytes: number; sha256: string };

const RELEASE_GRACE_MS = RETENTION_MS['24h'];

const storedOf = (u: UploadRow): StoredImage => ({ upload_id: u.id, key: u.blobKey!, content_type: u.contentType, width: u.width, height: u.height, bytes: u.bytes, sha256: u.sha256 });

export function createCatalogImages(deps: Pick<Deps, 'db' | 'blobs' | 'clock' | 'config'>, svc: Pick<TryonService, 'blobKey' | 'filesSecret'>) {
  const { db, blobs, clock, config } = deps;

  async function insert(tenantId: string, img: { bytes: Buffer; contentType: string; width: number; height: number; sha256: string }, source: UploadRow['source']) {
    const id = newId('upload');
    const key = svc.blobKey(tenantId, 'uploads', id, img.contentType);
    await blobs.put(key, img.bytes, img.contentType);
    return repo.insertUpload(db, tenantId, {
      id,
      kind: 'garment',
      shopperId: null,
      widgetSession: null,
      blobKey: key,
      contentType: img.contentType,
      width: img.width,
      height: img.height,
      bytes: img.bytes.length,
      sha256: img.sha256,
      source,
      createdAt: new Date(clock.now()),
      expiresAt: null,
    });
  }

  return {
    /**
     * Store a garment image for the tenant's catalog, without expiry. An upload id is copied (the
     * upload keeps its own retention); a data URL or URL is read and normalised like any upload.
     */
    async store(tenantId: string, ref: string): Promise<StoredImage> {
      const r = classifyImageRef(ref);
      if ('upload_id' in r) {
        const u = await repo.findUpload(db, tenantId, r.upload_id);
        if (!u) throw new AppError('UPLOAD_NOT_FOUND', `Upload ${r.upload_id} not found.`);
        const bytes = u.blobKey && !u.deletedAt ? await blobs.get(u.blobKey) : undefined;
        if (!bytes) throw new AppError('UPLOAD_GONE', `Upload ${r.upload_id} was deleted or has expired.`);
        return storedOf(await insert(tenantId, { bytes, contentType: u.contentType, width: u.width, height: u.height, sha256: u.sha256 }, u.source));
      }
      const { bytes, source } = await readSource(r, config);
      const img = await normalizeFor('garment', bytes, config);
      return storedOf(await insert(tenantId, img, source));
    },

    /** The image is no longer a product's: it expires after a grace period (try-ons queued with it still run). */
    async release(tenantId: string, uploadId: string): Promise<void> {
      await db
        .update(uploads)
        .set({ expiresAt: new Date(clock.now() + RELEASE_GRACE_MS) })
        .where(and(eq(uploads.tenantId, tenantId), eq(uploads.id, uploadId), isNull(uploads.deletedAt), isNull(uploads.expiresAt)));
    },

    /** A stored image's bytes (undefined when the blob is gone), e.g. to read a product's colour. */
    read: (key: string): Promise<Buffer | undefined> => blobs.get(key),

    /** A short-lived link to a stored image, like the links of try-on results. */
    async signedUrl(key: string, contentType: string, baseUrl: string): Promise<{ url: string; expiresAt: Date }> {
      const expiresInS = config.tryon.resultUrlTtlS;
      const expiresAt = clock.now() + expiresInS * 1000;
      const s3 = await blobs.signedUrl(key, { expiresInS, contentType });
      return { url: s3 ?? `${baseUrl}${signPath(key, expiresAt, await svc.filesSecret())}`, expiresAt: new Date(expiresAt) };
    },
  };
}

export type CatalogImages = ReturnType<typeof createCatalogImages>;
