/**
 * S3 driver specifics, against the fake S3 server (the real AWS SDK over real HTTP): presigned URLs,
 * signing, checksums, pagination past 1000 keys, the key prefix, retries, timeouts and errors that
 * never carry credentials.
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BlobStoreError, type BlobStore } from './blob-store.js';
import { s3BlobStore, type S3BlobStoreOptions } from './s3.js';
import { startFakeS3, type FakeS3 } from '../../../test/fakes/s3.js';

const ACCESS_KEY_ID = 'AKIAPROBADORTESTKEY1';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYPROBADORKEY';

let clock = Date.now();
let fake: FakeS3;
const stores: BlobStore[] = [];
const storeFor = (extra: Partial<S3BlobStoreOptions> = {}) => {
  const s = s3BlobStore({
    bucket: fake.bucket, region: 'us-east-1', endpoint: fake.endpoint, forcePathStyle: true,
    accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, ...extra,
  });
  stores.push(s);
  return s;
};
const seed = (key: string, body = 'x', contentType = 'text/plain') =>
  fake.objects.set(key, { body: Buffer.from(body), contentType, etag: '"e"', lastModified: new Date() });

beforeAll(async () => {
  fake = await startFakeS3({ now: () => clock, requireContentMd5: true });
});
afterEach(() => {
  fake.reset();
  clock = Date.now();
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await fake.close();
});

describe('s3BlobStore', () => {
  it('signs every request (SigV4) and sends Content-Type and Content-MD5 on put', async () => {
    const store = storeFor();
    await store.put('a/photo.png', Buffer.from([1, 2, 3]), 'image/png');
    await store.get('a/photo.png');
    await store.head('a/photo.png');
    await store.delete('a/photo.png');
    await store.ping();
    expect(fake.requests.map((r) => r.op)).toEqual(['PutObject', 'GetObject', 'HeadObject', 'DeleteObject', 'HeadBucket']);
    for (const r of fake.requests) {
      expect(r.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/us-east-1/s3/aws4_request`));
      expect(r.path.startsWith(`/${fake.bucket}`)).toBe(true); // path-style
    }
    const put = fake.requests[0]!;
    expect(put.headers['content-type']).toBe('image/png');
    expect(put.headers['content-md5']).toBe('Uonfc331cyb83SJZevsfrA==');
  });

  it('the fake refuses unsigned requests', async () => {
    seed('open/secret.txt', 'hidden');
    const res = await fetch(`${fake.endpoint}/${fake.bucket}/open/secret.txt`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('presigned URL: plain fetch gets the bytes, with content type and download name; it expires', async () => {
    const store = storeFor();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await store.put('results/try_1.webp', bytes, 'image/webp');
    const url = (await store.signedUrl('results/try_1.webp', { expiresInS: 60, contentType: 'image/png', downloadName: 'Mi prueba "1".png' }))!;
    const u = new URL(url);
    expect(u.origin).toBe(fake.endpoint);
    expect(u.pathname).toBe(`/${fake.bucket}/results/try_1.webp`);
    expect(u.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(u.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(url).not.toContain(SECRET);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Mi prueba 1.png"; filename*=UTF-8''Mi%20prueba%201.png`);
    expect(fake.requests.at(-1)).toMatchObject({ op: 'GetObject', presigned: true, status: 200 });

    clock += 59_000;
    expect((await fetch(url)).status).toBe(200);
    clock += 2_000; // past X-Amz-Date + 60 s
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
  });

  it('presigned URL without options serves the stored content type', async () => {
    const store = storeFor();
    await store.put('x/y.jpg', Buffer.from('jpeg'), 'image/jpeg');
    const res = await fetch((await store.signedUrl('x/y.jpg', { expiresInS: 300 }))!);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('content-disposition')).toBeNull();
    await expect(store.signedUrl('x/y.jpg', { expiresInS: 60, contentType: 'text/html\r\nx-evil: 1' })).rejects.toThrow(TypeError);
  });

  it('deletePrefix pages past 1000 keys and deletes in batches of at most 1000, with Content-MD5', async () => {
    for (let i = 0; i < 2300; i++) seed(`tenants/ten_1/f${String(i).padStart(5, '0')}`);
    seed('tenants/ten_10/keep');
    seed('tenants/ten_2/keep');
    const store = storeFor();
    expect(await store.deletePrefix('tenants/ten_1/')).toBe(2300);
    expect([...fake.objects.keys()].sort()).toEqual(['tenants/ten_10/keep', 'tenants/ten_2/keep']);

    const lists = fake.requests.filter((r) => r.op === 'ListObjectsV2');
    const deletes = fake.requests.filter((r) => r.op === 'DeleteObjects');
    expect(lists.map((r) => r.query['continuation-token'] !== undefined)).toEqual([false, true, true]);
    expect(lists.every((r) => r.query.prefix === 'tenants/ten_1/' && r.query['max-keys'] === '1000')).toBe(true);
    expect(deletes.map((r) => (r.body.toString().match(/<Object>/g) ?? []).length)).toEqual([1000, 1000, 300]);
    for (const r of deletes) {
      expect(r.status).toBe(200);
      expect(r.headers['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Object.keys(r.headers).filter((h) => h.startsWith('x-amz-checksum-') || h.startsWith('x-amz-sdk-checksum-'))).toEqual([]);
      expect(r.body.toString()).toContain('<Quiet>true</Quiet>');
    }
  });

  it('keeps every key under its prefix, and deletePrefix never leaves it', async () => {
    seed('other-app/tenants/ten_1/a');
    const store = storeFor({ prefix: 'probador/' });
    await store.put('tenants/ten_1/a', Buffer.from('mine'), 'text/plain');
    expect(fake.objects.has('probador/tenants/ten_1/a')).toBe(true);
    expect((await store.get('tenants/ten_1/a'))?.toString()).toBe('mine');
    expect(await store.deletePrefix('tenants/')).toBe(1);
    expect([...fake.objects.keys()]).toEqual(['other-app/tenants/ten_1/a']);
    expect(new URL((await store.signedUrl('k', { expiresInS: 5 }))!).pathname).toBe(`/${fake.bucket}/probador/k`);
  });

  it('reports objects DeleteObjects could not delete', async () => {
    seed('t/a');
    seed('t/b');
    fake.denyDelete.add('t/b');
    const err = await storeFor().deletePrefix('t/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlobStoreError);
    expect((err as BlobStoreError).message).toMatch(/1 of 2 objects were not deleted \(AccessDenied\)/);
    expect([...fake.objects.keys()]).toEqual(['t/b']);
  });

  it('retries 5xx answers (standard policy) and then succeeds', async () => {
    fake.fail({ op: 'PutObject', times: 2, error: { status: 500, code: 'InternalError' } });
    await storeFor({ maxAttempts: 3 }).put('r/ok', Buffer.from('ok'), 'text/plain');
    expect(fake.requests.filter((r) => r.op === 'PutObject').map((r) => r.status)).toEqual([500, 500, 200]);
    expect(fake.objects.get('r/ok')?.body.toString()).toBe('ok');
  });

  it('gives up after maxAttempts', async () => {
    fake.fail({ op: 'GetObject', times: 5, error: { status: 503, code: 'ServiceUnavailable' } });
    const err = await storeFor({ maxAttempts: 2 }).get('r/x').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'BlobStoreError', operation: 'get', code: 'ServiceUnavailable', status: 503 });
    expect(fake.requests.filter((r) => r.op === 'GetObject')).toHaveLength(2);
  });

  it('times out a stalled request', async () => {
    fake.fail({ op: 'HeadBucket', delayMs: 3_000 });
    const started = Date.now();
    const err = await storeFor({ requestTimeoutMs: 200, maxAttempts: 1 }).ping().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'BlobStoreError', operation: 'ping', code: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('never puts credentials in errors', async () => {
    fake.fail({
      op: 'GetObject', times: 5,
      error: {
        status: 403, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.',
        extra: { AWSAccessKeyId: ACCESS_KEY_ID, StringToSign: `AWS4-HMAC-SHA256 ${ACCESS_KEY_ID}`, SignatureProvided: 'abc' },
      },
    });
    fake.fail({ op: 'PutObject', error: { status: 400, code: 'InvalidArgument', message: `bad key ${ACCESS_KEY_ID} / ${SECRET}` } });
    const store = storeFor();
    for (const op of [() => store.get('s/k'), () => store.put('s/k', Buffer.from('x'), 'text/plain')]) {
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BlobStoreError);
      const dump = `${inspect(err, { depth: 10, showHidden: true })} ${JSON.stringify(err)} ${(err as Error).message} ${(err as Error).stack}`;
      expect(dump).not.toContain(ACCESS_KEY_ID);
      expect(dump).not.toContain(SECRET);
      expect((err as Error).cause).toBeUndefined();
    }
  });

  it('a missing bucket is an error for ping and get, not a missing blob', async () => {
    const store = storeFor({ bucket: 'no-such-bucket' });
    await expect(store.ping()).rejects.toMatchObject({ name: 'BlobStoreError', status: 404 });
    await expect(store.get('a/b')).rejects.toMatchObject({ name: 'BlobStoreError', code: 'NoSuchBucket' });
  });

  it('ping has one deadline over all its attempts', async () => {
    fake.fail({ op: 'HeadBucket', times: 3, delayMs: 3_000 });
    const started = Date.now();
    const err = await storeFor({ pingTimeoutMs: 300 }).ping().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'BlobStoreError', operation: 'ping' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('an unreachable endpoint fails fast with a clear error', async () => {
    const store = s3BlobStore({ bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, accessKeyId: 'a', secretAccessKey: 'b', maxAttempts: 1 });
    stores.push(store);
    await expect(store.ping()).rejects.toThrow(/S3 ping failed \(bucket b\)/);
  });

  it('validates its options', () => {
    const base = { bucket: 'b', region: 'us-east-1' };
    expect(() => s3BlobStore({ ...base, accessKeyId: 'only-the-id' })).toThrow(/go together/);
    expect(() => s3BlobStore({ ...base, bucket: '' })).toThrow(/bucket/);
    expect(() => s3BlobStore({ ...base, pageSize: 1001 })).toThrow(RangeError);
    expect(() => s3BlobStore({ ...base, prefix: '../up' })).toThrow(TypeError);
  });
});
