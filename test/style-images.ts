/**
 * Pictures the style tests make from the portrait fixture (test/fixtures/astronaut.png): a 1024 px
 * selfie, per-channel light shifts in linear RGB, a white card drawn in, the skin inside the face
 * mesh repainted in a given colour (keeping the skin's fine texture), two portraits side by side,
 * a turned head, a stretched or widened face. Colour conversions through culori.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { converter } from 'culori';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, FACE_OVAL, LIPS_OUTER, inside, scalePolygon, type Pt } from '../src/modules/style/analyser/geometry.js';

export const PORTRAIT = readFileSync(new URL('./fixtures/astronaut.png', import.meta.url));

const toLrgb = converter('lrgb');
const toRgb = converter('rgb');
const toLab = converter('lab65');
const LIN = Float64Array.from({ length: 256 }, (_, v) => toLrgb({ mode: 'rgb', r: v / 255, g: 0, b: 0 }).r);
const enc = (v: number) => Math.round(Math.min(1, Math.max(0, toRgb({ mode: 'lrgb', r: v, g: 0, b: 0 }).r)) * 255);

export type Raw = { data: Buffer; width: number; height: number };
export async function raw(bytes: Buffer): Promise<Raw> {
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
export const png = (r: Raw) => sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } }).png().toBuffer();
export const jpeg = (r: Raw, quality = 90) => sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } }).jpeg({ quality }).toBuffer();

/** The portrait at 1024 px (a selfie's usual resolution after intake; the face ~290 px wide). */
export const selfie1024 = () => sharp(PORTRAIT).resize(1024).png().toBuffer();

/** The light's colour changed: each channel multiplied by its factor in linear RGB (what a different illuminant does). */
export async function shiftLight(bytes: Buffer, k: [number, number, number], format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const r = await raw(bytes);
  const luts = k.map((kc) => Uint8Array.from({ length: 256 }, (_, v) => enc(LIN[v]! * kc)));
  const out = Buffer.alloc(r.data.length);
  for (let i = 0; i < out.length; i++) out[i] = luts[i % 3]![r.data[i]!]!;
  return format === 'png' ? png({ ...r, data: out }) : jpeg({ ...r, data: out });
}

/** A white card (neutral, 93 % white) held in the lower right of the picture, over the dark helmet. */
export async function withCard(bytes: Buffer, grey = 238): Promise<Buffer> {
  const m = await sharp(bytes).metadata();
  const w = m.width!;
  const h = m.height!;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect x="${w * 0.64}" y="${h * 0.72}" width="${w * 0.24}" height="${h * 0.16}" fill="rgb(${grey},${grey},${grey})"/></svg>`;
  return sharp(bytes).composite([{ input: Buffer.from(svg) }]).png().toBuffer();
}

/**
 * The skin inside the face mesh (the face outline less the eyes, brows and lips) repainted in
 * `hex`: L* of the colour plus a third of the skin's fine detail (its luma less a blurred copy), a* and
 * b* of the colour. `mesh` is in the picture's pixels.
 */
export async function paintSkin(bytes: Buffer, mesh: Pt[], hex: string): Promise<Buffer> {
  const r = await raw(bytes);
  const grey = Buffer.alloc(r.width * r.height);
  for (let p = 0; p < grey.length; p++) grey[p] = Math.round(0.299 * r.data[p * 3]! + 0.587 * r.data[p * 3 + 1]! + 0.114 * r.data[p * 3 + 2]!);
  const blurred = await sharp(grey, { raw: { width: r.width, height: r.height, channels: 1 } }).blur(4).extractChannel(0).raw().toBuffer();
  const target = toLab(hex)!;
  const oval = FACE_OVAL.map((i) => mesh[i]!);
  const holes = [
    scalePolygon(EYE_RIGHT.map((i) => mesh[i]!), 1.4),
    scalePolygon(EYE_LEFT.map((i) => mesh[i]!), 1.4),
    scalePolygon(BROW_RIGHT.map((i) => mesh[i]!), 1.3),
    scalePolygon(BROW_LEFT.map((i) => mesh[i]!), 1.3),
    scalePolygon(LIPS_OUTER.map((i) => mesh[i]!), 1.15),
  ];
  const ys = oval.map((p) => p.y);
  const xs = oval.map((p) => p.x);
  const out = Buffer.from(r.data);
  for (let y = Math.max(0, Math.floor(Math.min(...ys))); y <= Math.min(r.height - 1, Math.ceil(Math.max(...ys))); y++) {
    for (let x = Math.max(0, Math.floor(Math.min(...xs))); x <= Math.min(r.width - 1, Math.ceil(Math.max(...xs))); x++) {
      const cx = x + 0.5;
      const cy = y + 0.5;
      if (!inside(oval, cx, cy) || holes.some((h) => inside(h, cx, cy))) continue;
      const p = y * r.width + x;
      const detail = ((grey[p]! - blurred[p]!) / 255) * 100 * 0.35;
      const c = toRgb({ mode: 'lab65', l: target.l + detail, a: target.a, b: target.b });
      out[p * 3] = Math.round(Math.min(1, Math.max(0, c.r)) * 255);
      out[p * 3 + 1] = Math.round(Math.min(1, Math.max(0, c.g)) * 255);
      out[p * 3 + 2] = Math.round(Math.min(1, Math.max(0, c.b)) * 255);
    }
  }
  return png({ ...r, data: out });
}

/** The portrait twice, side by side. */
export async function twoPortraits(bytes: Buffer): Promise<Buffer> {
  const m = await sharp(bytes).metadata();
  return sharp(bytes).extend({ right: m.width!, background: '#000000' }).composite([{ input: bytes, left: m.width!, top: 0 }]).png().toBuffer();
}

/** The face's far half squeezed: the picture split at `x` and the right part narrowed to `k` of its width (a head turned to its left). */
export async function turnedHead(bytes: Buffer, x: number, k: number): Promise<Buffer> {
  const m = await sharp(bytes).metadata();
  const w = m.width!;
  const h = m.height!;
  const left = await sharp(bytes).extract({ left: 0, top: 0, width: x, height: h }).png().toBuffer();
  const rightW = Math.max(1, Math.round((w - x) * k));
  const right = await sharp(bytes).extract({ left: x, top: 0, width: w - x, height: h }).resize(rightW, h, { fit: 'fill' }).png().toBuffer();
  return sharp({ create: { width: x + rightW, height: h, channels: 3, background: '#808080' } })
    .composite([
      { input: left, left: 0, top: 0 },
      { input: right, left: x, top: 0 },
    ])
    .png()
    .toBuffer();
}

/** The picture resized to width × height (a face stretched or widened). */
export const resized = (bytes: Buffer, width: number, height: number) => sharp(bytes).resize(width, height, { fit: 'fill' }).png().toBuffer();
