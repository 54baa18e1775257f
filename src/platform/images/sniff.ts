/**
 * Image type detection by content (magic bytes), never by file name or declared type.
 * Only the formats the intake accepts are recognised; everything else (SVG and other XML/text,
 * PDF, TIFF, BMP, …) is `undefined` and gets refused by the caller.
 */

export type SniffedImageType = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'heic';

const startsWith = (buf: Buffer, bytes: readonly number[], offset = 0) =>
  buf.length >= offset + bytes.length && bytes.every((b, i) => buf[offset + i] === b);

const ascii = (buf: Buffer, start: number, end: number) => buf.subarray(start, end).toString('latin1');

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const HEIF_GENERIC_BRANDS = new Set(['mif1', 'msf1', 'miaf']);

/** ISO-BMFF `ftyp` box: size(4) 'ftyp' major(4) minor(4) compatible(4×n). */
function sniffIsoBmff(buf: Buffer): SniffedImageType | undefined {
  if (buf.length < 16 || ascii(buf, 4, 8) !== 'ftyp') return undefined;
  const boxSize = buf.readUInt32BE(0);
  if (boxSize < 16 || boxSize > 4096) return undefined;
  const end = Math.min(boxSize, buf.length);
  const brands = [ascii(buf, 8, 12)];
  for (let i = 16; i + 4 <= end; i += 4) brands.push(ascii(buf, i, i + 4));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIC_BRANDS.has(b))) return 'heic';
  // A generic HEIF container (mif1 …) without the 'avif' brand, which the AVIF spec requires, is
  // treated as HEIC: libvips reports its codec from the brands, so nothing cheaper could tell.
  if (brands.some((b) => HEIF_GENERIC_BRANDS.has(b))) return 'heic';
  return undefined;
}

export function sniffImageType(buf: Buffer): SniffedImageType | undefined {
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (buf.length >= 12 && ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'webp';
  if (buf.length >= 6 && (ascii(buf, 0, 6) === 'GIF87a' || ascii(buf, 0, 6) === 'GIF89a')) return 'gif';
  return sniffIsoBmff(buf);
}
