/**
 * The built widget bundle (packages/widget/dist/widget.js, made by `npm run build:widget`), held in
 * memory with its content hash, SRI digest and pre-compressed gzip and brotli copies.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../platform/paths.js';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export type WidgetAsset = {
  raw: Buffer;
  gzip: Buffer;
  br: Buffer;
  /** First 10 hex characters of the SHA-256 of the bundle: the immutable file name. */
  hash: string;
  /** Subresource Integrity value: `sha384-<base64>`. */
  integrity: string;
  etag: string;
  file: string;
};

export function loadWidget(file = join(projectRoot(), 'packages', 'widget', 'dist', 'widget.js')): WidgetAsset | undefined {
  if (!existsSync(file)) return undefined;
  const raw = readFileSync(file);
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 10);
  return {
    raw,
    gzip: gzipSync(raw, { level: 9 }),
    br: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    hash,
    integrity: `sha384-${createHash('sha384').update(raw).digest('base64')}`,
    etag: `"${hash}"`,
    file,
  };
}
