/** Photos are decoded, turned upright (EXIF orientation) and downscaled in the browser before upload. */

export const MAX_SIDE = 1536;
export const MAX_INPUT_BYTES = 25 * 1024 * 1024;

export class PhotoError extends Error {
  constructor(readonly kind: 'not_image' | 'too_big') {
    super(kind);
  }
}

async function decode(file: Blob): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new PhotoError('not_image');
  }
}

async function encode(bitmap: ImageBitmap, maxSide: number, quality: number): Promise<Blob> {
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * scale));
  const h = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new PhotoError('not_image');
  ctx.fillStyle = '#fff'; // transparent PNGs become JPEG on white, not black
  ctx.fillRect(0, 0, w, h);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, w, h);
  const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', quality));
  if (!blob) throw new PhotoError('not_image');
  return blob;
}

/** The upload (long side ≤ 1536 px, JPEG) and a small preview for the before/after view and later pages of the visit. */
export async function preparePhoto(file: File): Promise<{ upload: Blob; preview: string }> {
  if (file.type && !file.type.startsWith('image/')) throw new PhotoError('not_image');
  if (file.size > MAX_INPUT_BYTES) throw new PhotoError('too_big');
  const bitmap = await decode(file);
  try {
    const upload = await encode(bitmap, MAX_SIDE, 0.9);
    const small = await encode(bitmap, 640, 0.82);
    return { upload, preview: await blobToDataUrl(small) };
  } finally {
    bitmap.close();
  }
}

export function blobToDataUrl(b: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(b);
  });
}
