/**
 * Blob storage for photos and results. The local-folder driver is the embedded default;
 * the S3 driver arrives with the try-on pipeline (see docs/architecture.md).
 */
import { mkdir, readFile, rm, stat, writeFile, rename } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';

export type BlobStore = {
  readonly driver: 'fs' | 's3';
  put: (key: string, data: Buffer, contentType: string) => Promise<void>;
  get: (key: string) => Promise<Buffer | undefined>;
  delete: (key: string) => Promise<void>;
  /** Cheap reachability check for /ready. */
  ping: () => Promise<void>;
};

export function fsBlobStore(root: string): BlobStore {
  const base = resolve(root);
  const pathOf = (key: string) => {
    const p = resolve(base, key);
    if (!p.startsWith(base + sep)) throw new Error('blob key escapes the store');
    return p;
  };
  return {
    driver: 'fs',
    put: async (key, data) => {
      const p = pathOf(key);
      await mkdir(dirname(p), { recursive: true });
      const tmp = `${p}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, data);
      await rename(tmp, p);
    },
    get: async (key) => {
      try {
        return await readFile(pathOf(key));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    delete: async (key) => {
      await rm(pathOf(key), { force: true });
    },
    ping: async () => {
      await mkdir(base, { recursive: true });
      await stat(base);
      const probe = join(base, '.ready-probe');
      await writeFile(probe, 'ok');
      await rm(probe, { force: true });
    },
  };
}
