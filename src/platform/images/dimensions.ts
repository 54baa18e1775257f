/**
 * An image's stored width and height, read from its header (image-size: a few µs, on the calling
 * thread) instead of sharp's metadata (~120 µs of CPU through libvips' thread pool), which stays the
 * fallback for anything the header reader does not understand. Used on every try-on result.
 * Like sharp's metadata, the dimensions are the stored ones (before any EXIF rotation).
 */
import { imageSize } from 'image-size';
import { loadSharp } from './sharp.js';

export async function dimensionsOf(bytes: Uint8Array): Promise<{ width: number; height: number }> {
  try {
    const d = imageSize(bytes);
    if (d.width > 0 && d.height > 0) return { width: d.width, height: d.height };
  } catch {
    /* not a format image-size reads, or a damaged header: ask libvips */
  }
  const meta = await (await loadSharp())(bytes).metadata();
  return { width: meta.width ?? 0, height: meta.height ?? 0 };
}
