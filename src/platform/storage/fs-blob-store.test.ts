/** Local-folder driver specifics: it stays inside its root, keeps metadata aside, tidies folders. */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsBlobStore, type BlobStore } from './blob-store.js';

let dir: string;
let root: string;
let store: BlobStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probador-fsblobs-'));
  root = join(dir, 'blobs');
  store = fsBlobStore(root);
  await writeFile(join(dir, 'outside.txt'), 'do not touch');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fsBlobStore', () => {
  it('refuses keys escaping the root and never touches files outside it', async () => {
    for (const key of ['../outside.txt', 'a/../../outside.txt', `${dir}/outside.txt`, '..', '../blobs-sibling/x']) {
      await expect(store.put(key, Buffer.from('evil'), 'text/plain')).rejects.toThrow(TypeError);
      await expect(store.get(key)).rejects.toThrow(TypeError);
      await expect(store.delete(key)).rejects.toThrow(TypeError);
    }
    await expect(store.deletePrefix('../')).rejects.toThrow(TypeError);
    await expect(store.deletePrefix('..')).rejects.toThrow(TypeError);
    expect(existsSync(join(dir, 'outside.txt'))).toBe(true);
    expect(existsSync(join(dir, 'blobs-sibling'))).toBe(false);
  });

  it('keeps the content type aside, in .meta/, which no key can reach; an image key needs none', async () => {
    await store.put('m/photo.bin', Buffer.from('jpeg'), 'application/x-not-jpeg');
    expect(existsSync(join(root, '.meta', 'm', 'photo.bin~.json'))).toBe(true);
    expect(await store.head('m/photo.bin')).toEqual({ size: 4, contentType: 'application/x-not-jpeg' });
    await expect(store.get('.meta/m/photo.bin~.json')).rejects.toThrow(TypeError);
    // The type the extension says needs no metadata file (and only that type goes under such a key).
    await store.put('m/photo.jpg', Buffer.from('jpeg!'), 'image/jpeg');
    expect(existsSync(join(root, '.meta', 'm', 'photo.jpg~.json'))).toBe(false);
    expect(await store.head('m/photo.jpg')).toEqual({ size: 5, contentType: 'image/jpeg' });
    await store.put('m/pic.WEBP', Buffer.from('w'), 'image/webp');
    expect(existsSync(join(root, '.meta', 'm', 'pic.WEBP~.json'))).toBe(false);
    expect(await store.head('m/pic.WEBP')).toEqual({ size: 1, contentType: 'image/webp' });
    // `x` and `x.json/y` side by side: their metadata files cannot collide.
    await store.put('m/x', Buffer.from('1'), 'text/plain');
    await store.put('m/x.json/y', Buffer.from('2'), 'text/csv');
    expect(await store.head('m/x')).toEqual({ size: 1, contentType: 'text/plain' });
    expect(await store.head('m/x.json/y')).toEqual({ size: 1, contentType: 'text/csv' });
  });

  it('head without metadata (a file from an older version) gives the size, and the type its extension says', async () => {
    await mkdir(join(root, 'legacy'), { recursive: true });
    await writeFile(join(root, 'legacy', 'old.bin'), Buffer.from('12345'));
    expect(await store.head('legacy/old.bin')).toEqual({ size: 5 });
    await writeFile(join(root, 'legacy', 'old.png'), Buffer.from('1234'));
    expect(await store.head('legacy/old.png')).toEqual({ size: 4, contentType: 'image/png' });
    expect((await store.get('legacy/old.bin'))?.toString()).toBe('12345');
  });

  it('a folder is not a blob', async () => {
    await store.put('folder/inner/file', Buffer.from('x'), 'text/plain');
    expect(await store.get('folder/inner')).toBeUndefined();
    expect(await store.head('folder/inner')).toBeUndefined();
    await store.delete('folder/inner'); // no-op: does not remove the folder
    expect((await store.get('folder/inner/file'))?.toString()).toBe('x');
    expect(await store.get('folder/inner/file/deeper')).toBeUndefined(); // a file where a folder is expected
  });

  it('removes folders emptied by delete and deletePrefix, and their metadata', async () => {
    await store.put('tidy/ten_1/shp_1/a.jpg', Buffer.from('a'), 'image/jpeg');
    await store.put('tidy/ten_1/shp_2/b.jpg', Buffer.from('b'), 'image/jpeg');
    await store.delete('tidy/ten_1/shp_1/a.jpg');
    expect(existsSync(join(root, 'tidy', 'ten_1', 'shp_1'))).toBe(false);
    expect(existsSync(join(root, '.meta', 'tidy', 'ten_1', 'shp_1'))).toBe(false);
    expect(existsSync(join(root, 'tidy', 'ten_1', 'shp_2'))).toBe(true);
    expect(await store.deletePrefix('tidy/ten_1/')).toBe(1);
    expect(existsSync(join(root, 'tidy'))).toBe(false);
    expect(existsSync(join(root, '.meta', 'tidy'))).toBe(false);
    expect(existsSync(root)).toBe(true);
  });

  it('leaves no temp files behind and survives concurrent writes of one key', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put('race/k', Buffer.from(`v${i}`), 'text/plain')));
    expect((await store.get('race/k'))?.toString()).toMatch(/^v\d+$/);
    expect((await readdir(join(root, 'race'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('writes a small blob in the call itself and a big one through the thread pool, both whole', async () => {
    await store.put('sizes/warm.jpg', Buffer.from('x'), 'image/jpeg'); // the folder is known from here on
    const small = Buffer.alloc(30_000, 1);
    const big = Buffer.alloc(600 * 1024, 2);
    const pendingSmall = store.put('sizes/small.jpg', small, 'image/jpeg');
    expect(existsSync(join(root, 'sizes/small.jpg'))).toBe(true); // synchronous: there before any await
    const pendingBig = store.put('sizes/big.jpg', big, 'image/jpeg');
    expect(existsSync(join(root, 'sizes/big.jpg'))).toBe(false); // still on its way
    await Promise.all([pendingSmall, pendingBig]);
    expect((await store.get('sizes/small.jpg'))?.equals(small)).toBe(true);
    expect((await store.get('sizes/big.jpg'))?.equals(big)).toBe(true);
    expect((await readdir(join(root, 'sizes'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('put and deletePrefix racing on one folder: the put either lands or fails cleanly, never corrupts', async () => {
    for (let round = 0; round < 10; round++) {
      const results = await Promise.allSettled([
        store.put(`racing/ten_1/a${round}`, Buffer.from('fresh'), 'text/plain'),
        store.deletePrefix('racing/ten_1/'),
      ]);
      const got = await store.get(`racing/ten_1/a${round}`);
      expect(got === undefined || got.toString() === 'fresh').toBe(true);
      expect(results[1]?.status).toBe('fulfilled');
    }
  });

  it('puts into a folder another process removed since this one last wrote there', async () => {
    const other = fsBlobStore(root); // a second process on the same folder
    await store.put('gone/a/1.jpg', Buffer.from('one'), 'image/jpeg');
    await other.delete('gone/a/1.jpg'); // prunes gone/a and gone behind this store's back
    expect(existsSync(join(root, 'gone'))).toBe(false);
    await store.put('gone/a/2.jpg', Buffer.from('two'), 'image/jpeg');
    expect((await store.get('gone/a/2.jpg'))?.toString()).toBe('two');
    await rm(join(root, 'gone'), { recursive: true, force: true }); // and removed by hand
    await store.put('gone/a/3.jpg', Buffer.from('three'), 'image/jpeg');
    expect((await store.get('gone/a/3.jpg'))?.toString()).toBe('three');
    await store.deletePrefix('gone/');
    await store.put('gone/a/4.jpg', Buffer.from('four'), 'image/jpeg');
    expect((await store.get('gone/a/4.jpg'))?.toString()).toBe('four');
  });

  it('signedUrl is left to the HTTP layer', async () => {
    expect(await store.signedUrl('m/photo.jpg', { expiresInS: 60 })).toBeUndefined();
  });

  it('ping creates the root and leaves nothing behind', async () => {
    const fresh = fsBlobStore(join(dir, 'fresh-root'));
    await fresh.ping();
    expect(await readdir(join(dir, 'fresh-root'))).toEqual([]);
  });
});
