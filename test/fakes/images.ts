/**
 * Test images made on the spot with sharp (no downloaded files): solid colours, a simple
 * "person" (light backdrop, skin-tone figure) and a flat-lay "garment" on a white background.
 */
import sharp from 'sharp';
import type { GarmentCategory, InputImage, TryonInput } from '../../src/modules/tryon/providers/types.js';

export async function solidPng(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}

export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** 300×400: pale blue backdrop, a figure (head, torso, legs) in a skin tone. */
export function personPng(width = 300, height = 400): Promise<Buffer> {
  const cx = width / 2;
  return svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="rgb(200,215,235)"/>
    <circle cx="${cx}" cy="${height * 0.12}" r="${width * 0.09}" fill="rgb(224,172,140)"/>
    <rect x="${cx - width * 0.2}" y="${height * 0.2}" width="${width * 0.4}" height="${height * 0.36}" rx="12" fill="rgb(224,172,140)"/>
    <rect x="${cx - width * 0.17}" y="${height * 0.55}" width="${width * 0.14}" height="${height * 0.4}" fill="rgb(60,60,90)"/>
    <rect x="${cx + width * 0.03}" y="${height * 0.55}" width="${width * 0.14}" height="${height * 0.4}" fill="rgb(60,60,90)"/>
  </svg>`);
}

/** 200×200 red T-shirt shape on white (a flat-lay product photo). */
export function garmentPng(fill = 'rgb(210,30,30)'): Promise<Buffer> {
  return svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">
    <rect width="100%" height="100%" fill="rgb(255,255,255)"/>
    <polygon points="60,30 85,20 115,20 140,30 180,70 155,90 145,80 145,180 55,180 55,80 45,90 20,70" fill="${fill}"/>
  </svg>`);
}

export async function asInput(bytes: Buffer, url?: string): Promise<InputImage> {
  const meta = await sharp(bytes).metadata();
  const contentType = meta.format === 'jpeg' ? 'image/jpeg' : meta.format === 'webp' ? 'image/webp' : 'image/png';
  return { bytes, contentType, width: meta.width ?? 0, height: meta.height ?? 0, ...(url ? { url } : {}) };
}

/** A complete try-on input: the test person and one red top. */
export async function tryonInput(over: { category?: GarmentCategory; mode?: TryonInput['mode']; model?: string; seed?: number } = {}): Promise<TryonInput> {
  return {
    person: await asInput(await personPng()),
    garments: [{ ...(await asInput(await garmentPng())), category: over.category ?? 'tops' }],
    mode: over.mode ?? 'balanced',
    model: over.model,
    seed: over.seed,
  };
}

/** Mean RGB over a rectangle of an image (decoded with sharp). */
export async function meanRgb(bytes: Buffer, rect: { left: number; top: number; width: number; height: number }): Promise<[number, number, number]> {
  const { data, info } = await sharp(bytes).removeAlpha().extract(rect).raw().toBuffer({ resolveWithObject: true });
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) sum[c]! += data[i + c]!;
  const n = data.length / info.channels;
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

/** The base64 of an image, for asserting it never appears in an error message. */
export const b64Sample = (bytes: Buffer) => bytes.toString('base64').slice(40, 120);
