/**
 * The S3-compatible blob store (AWS S3, Cloudflare R2, MinIO …) on the AWS SDK v3.
 * - MinIO and most self-hosted stores need `forcePathStyle: true` and an `endpoint`;
 *   R2 takes `region: 'auto'` and its account endpoint.
 * - Without `accessKeyId`/`secretAccessKey` the SDK's default chain is used (env, profile, IAM role).
 * - Checksums: only where required (`WHEN_REQUIRED`), as S3-compatible stores do not all speak the
 *   newer CRC checksums; PutObject sends Content-MD5 (checked end to end by every S3 flavour) and
 *   DeleteObjects sends Content-MD5 in place of the SDK's CRC32 (older MinIO and others insist on it,
 *   see the SDK's supplemental-docs/MD5_FALLBACK.md).
 * - Timeouts per attempt (connect, request, idle socket) and the SDK's standard retry policy
 *   (`maxAttempts`, exponential backoff with jitter, retries throttling and 5xx only).
 * - Errors are BlobStoreError: operation, S3 error code, status, request id — never the SDK error
 *   (it can carry the access key id and the string to sign), credentials redacted from the message.
 */
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BlobStoreError, type BlobHead, type BlobListing, type BlobStore } from './blob-store.js';
import { assertExpiresIn, assertSafeKey, assertSafePrefix, assertTypeFitsKey, contentDisposition, isSafeContentType } from './keys.js';

export type S3BlobStoreOptions = {
  bucket: string;
  region: string;
  /** e.g. `http://minio:9000` or `https://<account>.r2.cloudflarestorage.com`; AWS when omitted. */
  endpoint?: string;
  /** `/<bucket>/<key>` URLs instead of `<bucket>.host/<key>` (MinIO). */
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Every key is stored under this prefix (`probador/` …), so one bucket can serve several installs. */
  prefix?: string;
  /** Attempts per operation, the first included (default 3). */
  maxAttempts?: number;
  /** Per attempt (defaults: connect 5 s, request 30 s). */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Deadline for `ping` (HeadBucket) over all its attempts (default 5 s): /ready must answer fast. */
  pingTimeoutMs?: number;
  /** Keys per ListObjectsV2 page and DeleteObjects batch in deletePrefix (default and maximum 1000). */
  pageSize?: number;
};

type SdkError = { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number; requestId?: string } };

export function s3BlobStore(opts: S3BlobStoreOptions): BlobStore {
  const { bucket, accessKeyId, secretAccessKey } = opts;
  if (!bucket) throw new TypeError('s3BlobStore: bucket is required');
  if (!opts.region) throw new TypeError('s3BlobStore: region is required');
  if (!accessKeyId !== !secretAccessKey) throw new TypeError('s3BlobStore: accessKeyId and secretAccessKey go together');
  const pageSize = opts.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new RangeError('s3BlobStore: pageSize must be 1 … 1000');
  let keyPrefix = '';
  if (opts.prefix) {
    keyPrefix = opts.prefix.endsWith('/') ? opts.prefix : `${opts.prefix}/`;
    assertSafePrefix(keyPrefix);
  }
  const requestTimeout = opts.requestTimeoutMs ?? 30_000;
  const pingTimeout = opts.pingTimeoutMs ?? 5_000;

  const client = new S3Client({
    region: opts.region,
    endpoint: opts.endpoint,
    forcePathStyle: opts.forcePathStyle ?? false,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    maxAttempts: opts.maxAttempts ?? 3,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: opts.connectTimeoutMs ?? 5_000,
      requestTimeout,
      socketTimeout: requestTimeout,
      throwOnRequestTimeout: true,
    },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // Runs after the SDK's flexibleChecksumsMiddleware (build step, normal priority), before signing.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      if (context.commandName === 'DeleteObjectsCommand' && request.headers && (typeof request.body === 'string' || request.body instanceof Uint8Array)) {
        for (const h of Object.keys(request.headers)) {
          if (/^x-amz-(sdk-)?checksum-/i.test(h)) delete request.headers[h];
        }
        request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
      }
      return next(args);
    },
    { name: 'probadorDeleteObjectsContentMd5', step: 'build', priority: 'low' },
  );

  const redact = (text: string) => {
    let out = text;
    for (const s of [accessKeyId, secretAccessKey]) if (s && s.length >= 8) out = out.split(s).join('[redacted]');
    return out;
  };
  const toError = (operation: string, e: unknown): BlobStoreError => {
    const err = (e ?? {}) as SdkError;
    const code = typeof err.name === 'string' ? err.name : 'Error';
    const status = err.$metadata?.httpStatusCode;
    const detail = typeof err.message === 'string' && err.message !== code ? `: ${err.message.slice(0, 300)}` : '';
    const message = redact(`S3 ${operation} failed (bucket ${bucket}): ${code}${status ? ` (HTTP ${status})` : ''}${detail}`);
    return new BlobStoreError(message, { operation, code, status, requestId: err.$metadata?.requestId });
  };
  const statusOf = (e: unknown) => (e as SdkError).$metadata?.httpStatusCode;
  const nameOf = (e: unknown) => (e as SdkError).name;
  const objectKey = (key: string) => {
    assertSafeKey(key);
    return keyPrefix + key;
  };

  return {
    driver: 's3',
    put: async (key, data, contentType) => {
      const Key = objectKey(key);
      assertTypeFitsKey(key, contentType);
      try {
        await client.send(new PutObjectCommand({
          Bucket: bucket, Key, Body: data, ContentType: contentType, ContentLength: data.length,
          ContentMD5: createHash('md5').update(data).digest('base64'),
        }));
      } catch (e) {
        throw toError('put', e);
      }
    },
    get: async (key) => {
      const Key = objectKey(key);
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
        if (!res.Body) return Buffer.alloc(0);
        const bytes = await res.Body.transformToByteArray();
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (e) {
        if (nameOf(e) === 'NoSuchKey') return undefined; // not a 404 from a missing bucket
        throw toError('get', e);
      }
    },
    head: async (key): Promise<BlobHead | undefined> => {
      const Key = objectKey(key);
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
        const size = res.ContentLength ?? 0;
        return res.ContentType ? { size, contentType: res.ContentType } : { size };
      } catch (e) {
        if (statusOf(e) === 404) return undefined; // HEAD answers carry no error code; ping tells a missing bucket
        throw toError('head', e);
      }
    },
    delete: async (key) => {
      const Key = objectKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
      } catch (e) {
        if (nameOf(e) === 'NoSuchKey') return; // S3 answers 204; some compatible stores 404
        throw toError('delete', e);
      }
    },
    deletePrefix: async (prefix) => {
      assertSafePrefix(prefix);
      const Prefix = keyPrefix + prefix;
      let removed = 0;
      let token: string | undefined;
      do {
        let keys: string[];
        try {
          const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix, MaxKeys: pageSize, ContinuationToken: token }));
          keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } catch (e) {
          throw toError('deletePrefix (list)', e);
        }
        if (keys.length === 0) continue;
        let failed;
        try {
          const res = await client.send(new DeleteObjectsCommand({
            Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }));
          failed = res.Errors ?? [];
        } catch (e) {
          throw toError('deletePrefix (delete)', e);
        }
        removed += keys.length - failed.length;
        if (failed.length > 0) {
          const code = failed[0]?.Code ?? 'Error';
          throw new BlobStoreError(
            `S3 deletePrefix failed (bucket ${bucket}): ${failed.length} of ${keys.length} objects were not deleted (${code}); ${removed} removed so far`,
            { operation: 'deletePrefix (delete)', code },
          );
        }
      } while (token);
      return removed;
    },
    list: async function* () {
      let token: string | undefined;
      do {
        let page;
        try {
          page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix || undefined, MaxKeys: pageSize, ContinuationToken: token }));
        } catch (e) {
          throw toError('list', e);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        const listed: BlobListing[] = [];
        for (const o of page.Contents ?? []) {
          if (!o.Key?.startsWith(keyPrefix)) continue;
          listed.push({ key: o.Key.slice(keyPrefix.length), size: o.Size ?? 0, ...(o.ETag ? { etag: o.ETag } : {}) });
        }
        if (listed.length > 0) yield listed;
      } while (token);
    },
    signedUrl: async (key, opts) => {
      const Key = objectKey(key);
      assertExpiresIn(opts.expiresInS);
      if (opts.contentType !== undefined && !isSafeContentType(opts.contentType)) throw new TypeError('signedUrl: invalid contentType');
      try {
        return await getSignedUrl(client, new GetObjectCommand({
          Bucket: bucket, Key,
          ResponseContentType: opts.contentType,
          ResponseContentDisposition: opts.downloadName === undefined ? undefined : contentDisposition(opts.downloadName),
        }), { expiresIn: opts.expiresInS });
      } catch (e) {
        throw toError('signedUrl', e);
      }
    },
    ping: async () => {
      try {
        // /ready must answer quickly: one deadline over all attempts.
        await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(pingTimeout) });
      } catch (e) {
        throw toError('ping', e);
      }
    },
    close: async () => {
      client.destroy();
    },
  };
}
