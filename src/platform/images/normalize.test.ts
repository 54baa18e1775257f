/**
 * Image intake: every input is generated here with sharp (plus the public-domain astronaut
 * fixture), so each case says exactly what it feeds in.
 */
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { normalizeImage, type NormalizeOptions } from './normalize.js';
import { sniffImageType } from './sniff.js';

const OPTS: NormalizeOptions = { maxSide: 1024, maxInputPixels: 40_000_000, maxBytes: 15_000_000 };
const ASTRONAUT = new URL('../../../test/fixtures/astronaut.png', import.meta.url);

const solid = (width: number, height: number, background = '#c0392b') =>
  sharp({ create: { width, height, channels: 3, background } });

async function gradientJpeg(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 255) / width;
      raw[i + 1] = (y * 255) / height;
      raw[i + 2] = 128;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).code;
  }
  throw new Error('expected the promise to reject');
}

/** A PNG whose header claims width × height; the pixel data is a token (never reached). */
function craftedPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1024))), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('normalizeImage: accepted inputs', () => {
  it('normalises the astronaut fixture: size, type, stable hash, nothing enlarged', async () => {
    const input = readFileSync(ASTRONAUT);
    const a = await normalizeImage(input, { ...OPTS, maxSide: 256 });
    expect(a).toMatchObject({ contentType: 'image/jpeg', width: 256, height: 256, originalFormat: 'png', originalWidth: 512, originalHeight: 512 });
    expect(sniffImageType(a.bytes)).toBe('jpeg');
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    const b = await normalizeImage(input, { ...OPTS, maxSide: 256 });
    expect(b.sha256).toBe(a.sha256);

    const big = await normalizeImage(input, { ...OPTS, maxSide: 4096 });
    expect([big.width, big.height]).toEqual([512, 512]);
  });

  it('shrinks a large gradient JPEG so the longest side is maxSide, keeping the aspect ratio', async () => {
    const out = await normalizeImage(await gradientJpeg(3000, 2000), OPTS);
    expect([out.width, out.height]).toEqual([1024, 683]);
    expect(out.contentType).toBe('image/jpeg');
    const meta = await sharp(out.bytes).metadata();
    expect([meta.format, meta.space, meta.channels, meta.depth]).toEqual(['jpeg', 'srgb', 3, 'uchar']);
  });

  it('applies EXIF orientation 6 and strips EXIF, GPS, XMP and ICC', async () => {
    const input = await solid(400, 200)
      .withExif({ IFD0: { Make: 'Acme', Model: 'Phone 9', Copyright: 'Shopper' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 26/1 46/1' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const before = await sharp(input).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif?.toString('latin1')).toContain('Acme');

    const out = await normalizeImage(input, OPTS);
    expect([out.width, out.height]).toEqual([200, 400]); // rotated upright
    expect([out.originalWidth, out.originalHeight]).toEqual([200, 400]);
    const after = await sharp(out.bytes).metadata();
    expect(after.exif).toBeUndefined();
    expect(after.orientation).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.icc).toBeUndefined();
    expect(out.bytes.includes(Buffer.from('Acme'))).toBe(false);
    expect(out.bytes.includes(Buffer.from('Exif'))).toBe(false);
  });

  it('flattens alpha onto white by default and keeps it as PNG (or WebP) when asked', async () => {
    const input = await sharp({ create: { width: 64, height: 32, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0 } } }).png().toBuffer();
    const flat = await normalizeImage(input, OPTS);
    expect(flat.contentType).toBe('image/jpeg');
    const { data } = await sharp(flat.bytes).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(240); // white, not black

    const kept = await normalizeImage(input, { ...OPTS, keepAlpha: true });
    expect(kept.contentType).toBe('image/png');
    expect((await sharp(kept.bytes).metadata()).hasAlpha).toBe(true);

    const webp = await normalizeImage(input, { ...OPTS, keepAlpha: true, format: 'webp' });
    expect(webp.contentType).toBe('image/webp');
    expect(sniffImageType(webp.bytes)).toBe('webp');
  });

  it('converts 16-bit, greyscale and CMYK inputs to 8-bit sRGB', async () => {
    const inputs = [
      await solid(50, 40, '#123456').toColourspace('rgb16').png().toBuffer(),
      await solid(50, 40, '#777777').toColourspace('b-w').jpeg().toBuffer(),
      await solid(50, 40, '#123456').toColourspace('cmyk').jpeg().toBuffer(),
    ];
    expect((await sharp(inputs[0]).metadata()).depth).toBe('ushort');
    expect((await sharp(inputs[1]).metadata()).channels).toBe(1);
    expect((await sharp(inputs[2]).metadata()).space).toBe('cmyk');
    for (const input of inputs) {
      for (const format of ['jpeg', 'png'] as const) {
        const out = await normalizeImage(input, { ...OPTS, format });
        const meta = await sharp(out.bytes).metadata();
        expect([meta.space, meta.channels, meta.depth]).toEqual(['srgb', 3, 'uchar']);
      }
    }
  });

  it('accepts WebP and AVIF (decoded by the prebuilt sharp), and a GIF as its first frame', async () => {
    const webp = await normalizeImage(await solid(120, 80).webp().toBuffer(), OPTS);
    expect(webp).toMatchObject({ originalFormat: 'webp', width: 120, height: 80 });
    const avif = await normalizeImage(await solid(120, 80).avif().toBuffer(), OPTS);
    expect(avif).toMatchObject({ originalFormat: 'avif', width: 120, height: 80, contentType: 'image/jpeg' });
    // The same file without the 'avif' brand (a generic HEIF container) is treated as HEIC: refused.
    const generic = Buffer.from(await solid(120, 80).avif().toBuffer());
    const ftypSize = generic.readUInt32BE(0);
    generic.set(Buffer.from(generic.subarray(0, ftypSize).toString('latin1').replaceAll('avif', 'mif1'), 'latin1'), 0);
    expect(sniffImageType(generic)).toBe('heic');
    expect(await codeOf(normalizeImage(generic, OPTS))).toBe('UNSUPPORTED_IMAGE_TYPE');

    const frames = await Promise.all(['#ff0000', '#00ff00'].map((c) => solid(30, 20, c).raw().toBuffer()));
    const animated = await sharp(Buffer.concat(frames), { raw: { width: 30, height: 40, channels: 3, pageHeight: 20 } } as sharp.SharpOptions)
      .gif()
      .toBuffer();
    expect((await sharp(animated).metadata()).pages).toBe(2);
    const gif = await normalizeImage(animated, OPTS);
    expect(gif).toMatchObject({ originalFormat: 'gif', width: 30, height: 20 });
    const { data } = await sharp(gif.bytes).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(200); // red: the first frame
    expect(data[1]).toBeLessThan(60);
  });
});

describe('normalizeImage: refused inputs', () => {
  it('refuses a decompression bomb from its header (crafted 20000×20000 PNG, a few hundred bytes)', async () => {
    const bomb = craftedPng(20_000, 20_000);
    expect(bomb.length).toBeLessThan(2_000);
    expect((await sharp(bomb, { limitInputPixels: false }).metadata()).width).toBe(20_000);
    await expect(normalizeImage(bomb, OPTS)).rejects.toMatchObject({ code: 'IMAGE_TOO_MANY_PIXELS', status: 413, message: expect.stringContaining('40,000,000') });
  });

  it('refuses a real highly compressible PNG above the pixel limit', async () => {
    const png = await solid(6000, 6000, '#000000').png({ compressionLevel: 9 }).toBuffer();
    expect(png.length).toBeLessThan(200_000);
    expect(await codeOf(normalizeImage(png, { ...OPTS, maxInputPixels: 24_000_000 }))).toBe('IMAGE_TOO_MANY_PIXELS');
  });

  it('refuses a JPEG cut in half and other corrupt data as IMAGE_UNREADABLE', async () => {
    const full = await gradientJpeg(800, 600);
    expect(await codeOf(normalizeImage(full.subarray(0, full.length >> 1), OPTS))).toBe('IMAGE_UNREADABLE');
    const garbage = Buffer.concat([full.subarray(0, 200), Buffer.alloc(5000, 0x5a)]);
    expect(await codeOf(normalizeImage(garbage, OPTS))).toBe('IMAGE_UNREADABLE');
    expect(await codeOf(normalizeImage(Buffer.alloc(0), OPTS))).toBe('IMAGE_UNREADABLE');
  });

  it('refuses SVG (plain, with <image> or script, or with an XML prolog) as UNSUPPORTED_IMAGE_TYPE', async () => {
    const svgs = [
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="file:///etc/passwd"/><script>alert(1)</script></svg>',
      '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
      '\ufeff  <svg xmlns="http://www.w3.org/2000/svg"/>',
    ];
    for (const svg of svgs) expect(await codeOf(normalizeImage(Buffer.from(svg), OPTS))).toBe('UNSUPPORTED_IMAGE_TYPE');
  });

  it('refuses text, PDF, TIFF and HEIF-without-AV1 by content, whatever the name or declared type says', async () => {
    const inputs = [
      Buffer.from('this is photo.jpg, honest (Content-Type: image/jpeg)\n'),
      Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n'),
      await solid(20, 20).tiff().toBuffer(),
      Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheicmif1heic', 'latin1'), Buffer.alloc(64)]),
      Buffer.from([0xff, 0xd8]),
    ];
    for (const input of inputs) expect(await codeOf(normalizeImage(input, OPTS))).toBe('UNSUPPORTED_IMAGE_TYPE');
  });

  it('refuses a PNG header glued to a JPEG body (polyglot) and never trusts the extension', async () => {
    const jpeg = await solid(20, 20).jpeg().toBuffer();
    const polyglot = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), jpeg]);
    expect(['UNSUPPORTED_IMAGE_TYPE', 'IMAGE_UNREADABLE']).toContain(await codeOf(normalizeImage(polyglot, OPTS)));
  });

  it('refuses bytes above maxBytes before looking at them', async () => {
    const input = await gradientJpeg(400, 300);
    await expect(normalizeImage(input, { ...OPTS, maxBytes: input.length - 1 })).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE', status: 413 });
    expect((await normalizeImage(input, { ...OPTS, maxBytes: input.length })).width).toBe(400);
  });
});
