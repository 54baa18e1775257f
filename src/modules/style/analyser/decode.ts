/** The selfie's pixels for sampling: EXIF-rotated, alpha flattened on white, 8-bit sRGB, longest side ≤ 1024 px. */
import { loadSharp } from '../../../platform/images/sharp.js';

export const DECODE_SIDE = 1024;

export async function decodeSelfie(bytes: Buffer): Promise<{ rgb: Buffer; width: number; height: number }> {
  // sharp loads on first use (an API node that never analyses a selfie never maps libvips).
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes, { limitInputPixels: 100_000_000 })
    .rotate()
    .resize({ width: DECODE_SIDE, height: DECODE_SIDE, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { rgb: data, width: info.width, height: info.height };
}
