/**
 * dimensionsOf: the header reader's answer matches sharp's metadata for every format a provider may
 * return, and what the header reader cannot read goes on to sharp (and fails there, as before).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dimensionsOf } from './dimensions.js';

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#2e86c1' } });

describe('dimensionsOf', () => {
  it.each([
    ['jpeg', () => solid(384, 512).jpeg().toBuffer()],
    ['progressive jpeg', () => solid(641, 359).jpeg({ progressive: true }).toBuffer()],
    ['jpeg with EXIF orientation 6 (stored size, as sharp reports)', () => solid(300, 200).withMetadata({ orientation: 6 }).jpeg().toBuffer()],
    ['png', () => solid(123, 45).png().toBuffer()],
    ['webp lossy', () => solid(1000, 1500).webp().toBuffer()],
    ['webp lossless', () => solid(77, 99).webp({ lossless: true }).toBuffer()],
    ['webp with alpha', () => solid(64, 32).ensureAlpha(0.5).webp().toBuffer()],
  ])('%s: the same width and height as sharp', async (_name, make) => {
    const bytes = await make();
    const meta = await sharp(bytes).metadata();
    expect(await dimensionsOf(bytes)).toEqual({ width: meta.width, height: meta.height });
  });

  it('TIFF too; bytes that are no image go on to sharp and fail there, as before', async () => {
    const tiff = await solid(31, 17).tiff().toBuffer();
    expect(await dimensionsOf(tiff)).toEqual({ width: 31, height: 17 });
    await expect(dimensionsOf(Buffer.from('not an image at all'))).rejects.toThrow();
  });
});
