/**
 * Safe intake of untrusted images (shopper photos, garment pictures): one sharp pipeline that
 *   1. checks the type by content (JPEG, PNG, WebP, AVIF; GIF → first frame only; everything
 *      else — SVG/XML/text, PDF, TIFF, HEIC, unknown — is refused),
 *   2. refuses decompression bombs from the header dimensions before any pixel is decoded
 *      (and passes `limitInputPixels` to the decoder as a second guard),
 *   3. refuses truncated/corrupt data (`failOn: 'error'`),
 *   4. applies the EXIF orientation, then drops every piece of metadata (EXIF, GPS, XMP, IPTC,
 *      ICC) — shopper photos are biometric-adjacent, see design.md "Privacy is a feature",
 *   5. converts to 8-bit sRGB (CMYK, 16-bit, greyscale inputs included), shrinks so the longest
 *      side is ≤ maxSide (never enlarges) and encodes JPEG — or PNG/WebP when alpha is kept.
 * The header read (`metadata()`) does not decode pixels, so an image is decoded exactly once.
 * HEIC is refused because sharp's prebuilt libvips has no HEVC decoder (AVIF uses AV1, which it has).
 */
import { createHash } from 'node:crypto';
import type sharp from 'sharp';
import { loadSharp } from './sharp.js';
import { AppError } from '../errors.js';
import { sniffImageType, type SniffedImageType } from './sniff.js';

export type NormalizeOptions = {
  /** Longest side of the output, in pixels (never enlarged). */
  maxSide: number;
  /** Refuse inputs whose header says width × height exceeds this. */
  maxInputPixels: number;
  /** Refuse inputs larger than this many bytes. */
  maxBytes: number;
  /** Keep transparency (output PNG, or WebP when `format: 'webp'`); otherwise alpha is flattened onto white. */
  keepAlpha?: boolean;
  /** Output format; default JPEG (switched to PNG when alpha is kept and present). */
  format?: 'jpeg' | 'webp' | 'png';
  /** JPEG/WebP quality, default 90. */
  quality?: number;
  /** Abort decoding/encoding after this long (a pathological input must not hold a worker), default 20. */
  timeoutSeconds?: number;
};

export type NormalizedImage = {
  bytes: Buffer;
  contentType: 'image/jpeg' | 'image/png' | 'image/webp';
  width: number;
  height: number;
  /** Hex SHA-256 of `bytes` (stable for the same input and options). */
  sha256: string;
  /** Detected by content: jpeg | png | webp | gif | avif. */
  originalFormat: string;
  /** Upright (EXIF orientation applied) dimensions of the input. */
  originalWidth: number;
  originalHeight: number;
};

const CONTENT_TYPES = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;
const SHARP_FORMAT: Record<Exclude<SniffedImageType, 'heic'>, string> = {
  jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', avif: 'heif',
};

const unreadable = (cause?: unknown, detail = 'The image is corrupt or truncated') =>
  new AppError('IMAGE_UNREADABLE', detail, { cause });

const tooManyPixels = (limit: number, cause?: unknown) =>
  new AppError('IMAGE_TOO_MANY_PIXELS', `The image has more than ${limit.toLocaleString('en-US')} pixels`, { extra: { limit }, cause });

/** Turns a sharp/libvips failure into one of our codes (the raw message may quote the input; it stays in `cause`). */
function mapSharpError(e: unknown, maxInputPixels: number): AppError {
  const message = e instanceof Error ? e.message : '';
  if (/pixel limit/i.test(message)) return tooManyPixels(maxInputPixels, e);
  if (/timeout/i.test(message)) return unreadable(e, 'The image took too long to process');
  return unreadable(e);
}

function checkOptions(opts: NormalizeOptions) {
  const positive = (n: number) => Number.isInteger(n) && n > 0;
  if (!positive(opts.maxSide) || !positive(opts.maxInputPixels) || !positive(opts.maxBytes)) {
    throw new TypeError('normalizeImage: maxSide, maxInputPixels and maxBytes must be positive integers');
  }
}

export async function normalizeImage(input: Buffer, opts: NormalizeOptions): Promise<NormalizedImage> {
  checkOptions(opts);
  if (input.length === 0) throw unreadable(undefined, 'The image is empty');
  if (input.length > opts.maxBytes) {
    throw new AppError('IMAGE_TOO_LARGE', `The image is larger than ${opts.maxBytes} bytes`, { extra: { limit: opts.maxBytes } });
  }

  const sniffed = sniffImageType(input);
  if (sniffed === undefined) {
    throw new AppError('UNSUPPORTED_IMAGE_TYPE', 'Only JPEG, PNG, WebP, AVIF and GIF images are accepted');
  }
  if (sniffed === 'heic') {
    throw new AppError('UNSUPPORTED_IMAGE_TYPE', 'HEIC images are not supported; send JPEG, PNG, WebP or AVIF');
  }

  const sharp = await loadSharp();
  // Header only: no pixel is decoded here. No pixel limit on this call, so we can say what the size is.
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (e) {
    throw mapSharpError(e, opts.maxInputPixels);
  }
  if (meta.format !== SHARP_FORMAT[sniffed] || (sniffed === 'avif' && meta.compression !== 'av1')) {
    throw new AppError('UNSUPPORTED_IMAGE_TYPE', 'The image content does not match a supported format');
  }
  const { width, height } = meta;
  if (!width || !height) throw unreadable(undefined, 'The image has no dimensions');
  if (width * height > opts.maxInputPixels) throw tooManyPixels(opts.maxInputPixels);

  const keepAlpha = opts.keepAlpha === true && meta.hasAlpha === true;
  let format = opts.format ?? 'jpeg';
  if (format === 'jpeg' && keepAlpha) format = 'png';
  const quality = opts.quality ?? 90;

  let pipeline = sharp(input, {
    limitInputPixels: opts.maxInputPixels,
    failOn: 'error',
    sequentialRead: true,
    animated: false,
  })
    .timeout({ seconds: opts.timeoutSeconds ?? 20 })
    .autoOrient()
    .resize({ width: opts.maxSide, height: opts.maxSide, fit: 'inside', withoutEnlargement: true });
  if (meta.hasAlpha && !keepAlpha) pipeline = pipeline.flatten({ background: '#ffffff' });
  // 8-bit sRGB whatever came in (CMYK, 16-bit, greyscale). Metadata is dropped because we never
  // call keepExif/keepMetadata/withMetadata.
  pipeline = pipeline.toColourspace('srgb');
  if (format === 'jpeg') pipeline = pipeline.jpeg({ quality, mozjpeg: false });
  else if (format === 'webp') pipeline = pipeline.webp({ quality });
  else pipeline = pipeline.png();

  let out: { data: Buffer; info: sharp.OutputInfo };
  try {
    out = await pipeline.toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw mapSharpError(e, opts.maxInputPixels);
  }

  const upright = meta.autoOrient ?? { width, height };
  return {
    bytes: out.data,
    contentType: CONTENT_TYPES[format],
    width: out.info.width,
    height: out.info.height,
    sha256: createHash('sha256').update(out.data).digest('hex'),
    originalFormat: sniffed,
    originalWidth: upright.width,
    originalHeight: upright.height,
  };
}
