/**
 * Turning what a client sends into a stored, normalised image: a multipart file, a data URL or
 * a remote URL (fetched with SSRF protection). Images are checked by content, EXIF-rotated then
 * stripped, refused above the pixel limit, and resized (see platform/images/normalize.ts).
 */
import { AppError } from '../../platform/errors.js';
import { normalizeImage, type NormalizedImage } from '../../platform/images/normalize.js';
import { parseImageDataUrl } from '../../platform/images/data-url.js';
import { safeFetch } from '../../platform/net/safe-fetch.js';
import type { Config } from '../../config.js';

export type ImageSource = { file: Buffer } | { data_url: string } | { url: string };
export type SourceKind = 'file' | 'data_url' | 'url';

export async function readSource(src: ImageSource, config: Config, signal?: AbortSignal): Promise<{ bytes: Buffer; source: SourceKind }> {
  if ('file' in src) return { bytes: src.file, source: 'file' };
  if ('data_url' in src) return { bytes: parseImageDataUrl(src.data_url, { maxBytes: config.images.maxBytes }).bytes, source: 'data_url' };
  const res = await safeFetch(src.url, {
    maxBytes: config.images.maxBytes,
    timeoutMs: config.fetch.timeoutMs,
    // https only; plain http only for the operator's allow-listed hosts (PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS).
    allowHttp: 'allow-listed',
    allowPrivateHosts: config.fetch.allowPrivateHosts,
    accept: 'image/*',
    ...(signal ? { signal } : {}),
  });
  return { bytes: res.body, source: 'url' };
}

export async function normalizeFor(kind: 'person' | 'garment', bytes: Buffer, config: Config): Promise<NormalizedImage> {
  return normalizeImage(bytes, {
    maxSide: config.images.maxSide,
    maxInputPixels: config.images.maxPixels,
    maxBytes: config.images.maxBytes,
    // Garments keep transparency (cut-outs); shopper photos become JPEG.
    keepAlpha: kind === 'garment',
  });
}

/** Decide what an API value means: an upload id, a data URL or a URL. */
export function classifyImageRef(value: string): { upload_id: string } | ImageSource {
  if (/^upl_[0-9A-Za-z]{1,64}$/.test(value)) return { upload_id: value };
  if (value.startsWith('data:')) return { data_url: value };
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return { url: value };
  throw new AppError('VALIDATION_FAILED', 'An image must be an upload id (upl_…), a data URL or an https URL.');
}

export const extensionOf = (contentType: string) => (contentType === 'image/png' ? 'png' : contentType === 'image/webp' ? 'webp' : 'jpg');
