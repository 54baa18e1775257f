/**
 * One contract, both drivers: the local folder (in a temp dir) and S3 (the AWS SDK against the fake
 * S3 server in test/fakes/s3.ts). Driver-specific behaviour is tested in fs-blob-store.test.ts and
 * s3.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsBlobStore, type BlobStore } from './blob-store.js';
import { s3BlobStore } from './s3.js';
import { startFakeS3 } from '../../../test/fakes/s3.js';

type Harness = { store: BlobStore; cleanup: () => Promise<void> };

const drivers: { name: string; setup: () => Promise<Harness> }[] = [
  {
    name: 'fs',
    setup: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'probador-blobs-'));
      const store = fsBlobStore(join(dir, 'blobs'));
      return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 's3',
    setup: async () => {
      const fake = await startFakeS3({ requireContentMd5: true });
      const store = s3BlobStore({
        bucket: fake.bucket, region: 'us-east-1', endpoint: fake.endpoint, forcePathStyle: true,
        accessKeyId: 'AKIACONTRACTTEST', secretAccessKey: 'contract-test-secret', prefix: 'probador', pageSize: 50,
      });
      return { store, cleanup: async () => { await store.close(); await fake.close(); } };
    },
  },
];

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe.each(drivers)('BlobStore contract: $name', ({ setup }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup();
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('round-trips binary bytes and keeps the content type', async () => {
    const data = Buffer.concat([allBytes, randomBytes(100_000), allBytes]);
    await h.store.put('tenants/ten_1/uploads/upl_1.jpg', data, 'image/jpeg');
    const back = await h.store.get('tenants/ten_1/uploads/upl_1.jpg');
    expect(back).toBeInstanceOf(Buffer);
    expect(back!.equals(data)).toBe(true);
    expect(await h.store.head('tenants/ten_1/uploads/upl_1.jpg')).toEqual({ size: data.length, contentType: 'image/jpeg' });
  });

  it('overwrites bytes and content type', async () => {
    await h.store.put('over/write', Buffer.from('one'), 'text/plain');
    await h.store.put('over/write', Buffer.from('second'), 'application/octet-stream');
    expect((await h.store.get('over/write'))!.toString()).toBe('second');
    expect(await h.store.head('over/write')).toEqual({ size: 6, contentType: 'application/octet-stream' });
  });

  it('a key whose extension names an image type holds only that type: another is refused, nothing written', async () => {
    await expect(h.store.put('over/photo.png', Buffer.from('first'), 'application/octet-stream')).rejects.toThrow(TypeError);
    await expect(h.store.put('over/photo.JPG', Buffer.from('first'), 'image/png')).rejects.toThrow(TypeError);
    expect(await h.store.head('over/photo.png')).toBeUndefined();
    await h.store.put('over/photo.png', Buffer.from('second'), 'image/png');
    await h.store.put('over/photo.JPG', Buffer.from('jpeg'), 'image/jpeg');
    expect(await h.store.head('over/photo.png')).toEqual({ size: 6, contentType: 'image/png' });
    expect(await h.store.head('over/photo.JPG')).toEqual({ size: 4, contentType: 'image/jpeg' });
    // Other extensions keep the type they were given.
    await h.store.put('over/notes.txt', Buffer.from('x'), 'application/json');
    expect(await h.store.head('over/notes.txt')).toEqual({ size: 1, contentType: 'application/json' });
  });

  it('stores empty blobs', async () => {
    await h.store.put('empty/blob', Buffer.alloc(0), 'application/octet-stream');
    expect((await h.store.get('empty/blob'))!.length).toBe(0);
    expect((await h.store.head('empty/blob'))!.size).toBe(0);
  });

  it('answers undefined for a missing blob (get and head)', async () => {
    expect(await h.store.get('missing/nothing.png')).toBeUndefined();
    expect(await h.store.head('missing/nothing.png')).toBeUndefined();
  });

  it('deletes, and deleting again (or a blob never written) is fine', async () => {
    await h.store.put('del/one', Buffer.from('x'), 'text/plain');
    await h.store.delete('del/one');
    expect(await h.store.get('del/one')).toBeUndefined();
    expect(await h.store.head('del/one')).toBeUndefined();
    await expect(h.store.delete('del/one')).resolves.toBeUndefined();
    await expect(h.store.delete('del/never/written')).resolves.toBeUndefined();
  });

  it('deletePrefix removes exactly the keys under the prefix and counts them', async () => {
    const keys = ['p/shp_1/a.jpg', 'p/shp_1/sub/b.jpg', 'p/shp_10/c.jpg', 'p/shp_2/d.jpg', 'q/shp_1/e.jpg', 'p/shp_1.jpg'];
    for (const k of keys) await h.store.put(k, Buffer.from(k), 'image/jpeg');
    expect(await h.store.deletePrefix('p/shp_1/')).toBe(2);
    expect(await h.store.get('p/shp_1/a.jpg')).toBeUndefined();
    expect(await h.store.get('p/shp_1/sub/b.jpg')).toBeUndefined();
    for (const k of ['p/shp_10/c.jpg', 'p/shp_2/d.jpg', 'q/shp_1/e.jpg', 'p/shp_1.jpg']) {
      expect((await h.store.get(k))?.toString()).toBe(k);
    }
    // Without the slash it is a plain string prefix, as on S3.
    expect(await h.store.deletePrefix('p/shp_1')).toBe(2); // shp_10/c.jpg and shp_1.jpg
    expect((await h.store.get('p/shp_2/d.jpg'))?.toString()).toBe('p/shp_2/d.jpg');
    expect(await h.store.deletePrefix('p/shp_1/')).toBe(0);
    expect(await h.store.deletePrefix('nothing/here/')).toBe(0);
    // A key can be written again under an erased prefix.
    await h.store.put('p/shp_1/a.jpg', Buffer.from('again'), 'image/jpeg');
    expect((await h.store.get('p/shp_1/a.jpg'))?.toString()).toBe('again');
  });

  it('deletePrefix erases many blobs (several list pages on S3)', async () => {
    const n = 120;
    await Promise.all(Array.from({ length: n }, (_, i) => h.store.put(`bulk/ten_9/k${String(i).padStart(4, '0')}`, Buffer.from([i % 256]), 'application/octet-stream')));
    await h.store.put('bulk/ten_8/keep', Buffer.from('keep'), 'text/plain');
    expect(await h.store.deletePrefix('bulk/ten_9/')).toBe(n);
    expect(await h.store.get('bulk/ten_9/k0000')).toBeUndefined();
    expect((await h.store.get('bulk/ten_8/keep'))?.toString()).toBe('keep');
  });

  it('list gives every blob with its size, in pages (several on S3), and nothing that is not a blob', async () => {
    const before = new Map<string, number>();
    for await (const page of h.store.list()) for (const b of page) before.set(b.key, b.size);
    const n = 60;
    await Promise.all(Array.from({ length: n }, (_, i) => h.store.put(`listed/ten_7/k${String(i).padStart(3, '0')}.bin`, Buffer.alloc(i + 1), 'application/octet-stream')));
    await h.store.put('listed/ten_7/typed', Buffer.from('{}'), 'application/json'); // a content type kept beside it (fs: .meta/)
    await h.store.put('listed/ten_7/gone.jpg', Buffer.from('x'), 'image/jpeg');
    await h.store.delete('listed/ten_7/gone.jpg');
    const after = new Map<string, number>();
    let pages = 0;
    for await (const page of h.store.list()) {
      pages++;
      for (const b of page) {
        expect(after.has(b.key), b.key).toBe(false);
        after.set(b.key, b.size);
        if (h.store.driver === 's3') expect(b.etag).toMatch(/^"[0-9a-f]{32}"$/);
      }
    }
    const added = [...after.keys()].filter((k) => !before.has(k)).sort();
    expect(added).toEqual([...Array.from({ length: n }, (_, i) => `listed/ten_7/k${String(i).padStart(3, '0')}.bin`), 'listed/ten_7/typed']);
    expect(after.get('listed/ten_7/k009.bin')).toBe(10);
    if (h.store.driver === 's3') expect(pages).toBeGreaterThan(1); // 50 keys a page here
  });

  it('refuses keys that are not safe paths', async () => {
    const bad = ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a/./b', '.hidden', 'a/.meta', 'trailing/', '', 'back\\slash', 'sp ace', 'a\nb', 'x'.repeat(513)];
    for (const key of bad) {
      await expect(h.store.put(key, Buffer.from('x'), 'text/plain'), key).rejects.toThrow(TypeError);
      await expect(h.store.get(key), key).rejects.toThrow(TypeError);
      await expect(h.store.head(key), key).rejects.toThrow(TypeError);
      await expect(h.store.delete(key), key).rejects.toThrow(TypeError);
      await expect(h.store.signedUrl(key, { expiresInS: 60 }), key).rejects.toThrow(TypeError);
    }
    for (const prefix of ['', '/', '../', 'a/../', '.meta/']) {
      await expect(h.store.deletePrefix(prefix), prefix).rejects.toThrow(TypeError);
    }
  });

  it('signedUrl checks its lifetime', async () => {
    for (const expiresInS of [0, -1, 1.5, 604_801]) {
      await expect(h.store.signedUrl('a/b', { expiresInS })).rejects.toThrow(RangeError);
    }
  });

  it('pings, and closes more than once', async () => {
    await expect(h.store.ping()).resolves.toBeUndefined();
  });
});

describe.each(drivers)('BlobStore close: $name', ({ setup }) => {
  it('is idempotent', async () => {
    const h = await setup();
    await h.store.close();
    await h.store.close();
    await h.cleanup();
  });
});
