/** data: URL parsing for uploads sent inside JSON bodies. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { parseImageDataUrl } from './data-url.js';
import { normalizeImage } from './normalize.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).code;
  }
  throw new Error('expected a throw');
};

describe('parseImageDataUrl', () => {
  it('decodes a base64 image data URL (parameters allowed) and feeds normalizeImage', async () => {
    const png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#0a0' } }).png().toBuffer();
    const parsed = parseImageDataUrl(`data:image/PNG;name=me.png;base64,${png.toString('base64')}`, { maxBytes: 10_000 });
    expect(parsed.declaredType).toBe('image/png');
    expect(parsed.bytes.equals(png)).toBe(true);
    const out = await normalizeImage(parsed.bytes, { maxSide: 100, maxInputPixels: 1e6, maxBytes: 10_000 });
    expect([out.width, out.height]).toEqual([8, 6]);
  });

  it('refuses what is not a base64 data URL as INVALID_DATA_URL', () => {
    const bad = [
      'https://example.com/a.png', 'data:image/png,rawbytes', 'data:image/png;base64', 'data:image/png;base64,',
      'data:image/png;base64,abc', 'data:image/png;base64,ab$d', 'data:image/png;base64,YWJj\nZA==', 'data:image/png;base64,YW=j',
      'data:image/png;x;base64,AAAA', `data:image/png;${'p=1;'.repeat(100)}base64,AAAA`, 42, null,
    ];
    for (const input of bad) expect(codeOf(() => parseImageDataUrl(input, { maxBytes: 1000 })), String(input)).toBe('INVALID_DATA_URL');
  });

  it('refuses SVG, HTML and other non-raster declared types as UNSUPPORTED_IMAGE_TYPE', () => {
    for (const type of ['image/svg+xml', 'text/html', 'application/pdf', 'image/tiff', '']) {
      expect(codeOf(() => parseImageDataUrl(`data:${type};base64,PHN2Zz4=`, { maxBytes: 1000 })), type).toBe('UNSUPPORTED_IMAGE_TYPE');
    }
  });

  it('checks the size from the length before decoding, exactly at the limit', () => {
    const bytes = Buffer.alloc(1000, 7);
    const url = `data:image/jpeg;base64,${bytes.toString('base64')}`;
    expect(parseImageDataUrl(url, { maxBytes: 1000 }).bytes.length).toBe(1000);
    expect(codeOf(() => parseImageDataUrl(url, { maxBytes: 999 }))).toBe('IMAGE_TOO_LARGE');
    // 60 MB of non-base64 garbage is refused by size without being scanned.
    const huge = `data:image/jpeg;base64,${'!'.repeat(60_000_000)}`;
    expect(codeOf(() => parseImageDataUrl(huge, { maxBytes: 10_000_000 }))).toBe('IMAGE_TOO_LARGE');
  });
});
