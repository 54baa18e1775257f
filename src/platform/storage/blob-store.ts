/**
 * Blob storage for photos and results, behind one small interface with two drivers:
 * - `fsBlobStore(root)` — a local folder (the embedded default), in ./fs-blob-store.ts;
 * - `s3BlobStore({...})` — an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO), in ./s3.ts
 *   (import it lazily: it pulls in the AWS SDK).
 * Keys follow the rules in ./keys.ts on both drivers.
 */
export { fsBlobStore } from './fs-blob-store.js';
export { isSafeKey, contentDisposition } from './keys.js';

export type BlobHead = { size: number; contentType?: string };

/** One blob as a listing gives it: its key, size and (S3) ETag. */
export type BlobListing = { key: string; size: number; etag?: string };

export type SignedUrlOptions = {
  /** Lifetime in whole seconds, 1 … 604800 (7 days, the SigV4 limit). */
  expiresInS: number;
  /** Content-Type the download is served with (overrides the stored one). */
  contentType?: string;
  /** Served as an attachment with this file name. */
  downloadName?: string;
};

export type BlobStore = {
  readonly driver: 'fs' | 's3';
  /** Write (or overwrite) a blob; the content type is kept and returned by `head`. */
  put: (key: string, data: Buffer, contentType: string) => Promise<void>;
  /** The bytes, or undefined when there is no such blob. */
  get: (key: string) => Promise<Buffer | undefined>;
  /** Size and content type, or undefined when there is no such blob. */
  head: (key: string) => Promise<BlobHead | undefined>;
  /** Remove a blob; removing a missing blob is not an error. */
  delete: (key: string) => Promise<void>;
  /**
   * Remove every blob whose key starts with `prefix` (S3 semantics: `a/b` also matches `a/bc/d`;
   * end the prefix with `/` to mean a "folder"). Returns how many blobs were removed.
   * Used to erase a shopper's or a tenant's files. The empty prefix is refused.
   */
  deletePrefix: (prefix: string) => Promise<number>;
  /**
   * Every blob, in pages (backups: `platform/backup`). A blob written or removed while the listing
   * runs may or may not be in it. Keys in no particular order.
   */
  list: () => AsyncIterable<BlobListing[]>;
  /**
   * A short-lived URL a browser can GET the blob from without credentials: a presigned S3 URL, or
   * `undefined` for the local folder — the HTTP layer then signs its own `/v1/files/<token>` URL
   * (see ./signed-url.ts).
   */
  signedUrl: (key: string, opts: SignedUrlOptions) => Promise<string | undefined>;
  /** Cheap reachability check for /ready. */
  ping: () => Promise<void>;
  /** Release connections (S3); idempotent. */
  close: () => Promise<void>;
};

/**
 * A storage failure, with the credentials kept out: no SDK error object (which can carry the access
 * key id, the string to sign …) is attached, only the operation, the S3 error code, the HTTP status
 * and the request id for the provider's support.
 */
export class BlobStoreError extends Error {
  override name = 'BlobStoreError';
  readonly operation: string;
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, info: { operation: string; code?: string; status?: number; requestId?: string }) {
    super(message);
    this.operation = info.operation;
    this.code = info.code;
    this.status = info.status;
    this.requestId = info.requestId;
  }
}
