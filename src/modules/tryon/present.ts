import type { GarmentRef, TryonRow, UploadRow } from './tables.js';

export function presentUpload(u: UploadRow) {
  return {
    id: u.id,
    object: 'upload' as const,
    kind: u.kind,
    content_type: u.contentType,
    width: u.width,
    height: u.height,
    bytes: u.bytes,
    source: u.source,
    shopper_id: u.shopperId,
    created_at: u.createdAt.toISOString(),
    expires_at: u.expiresAt ? u.expiresAt.toISOString() : null,
  };
}

/** For a try-on created with `style`, the garments' colour matches as webhooks carry them; nothing otherwise. */
export function colorMatchesOf(row: Pick<TryonRow, 'garments'>): { garments?: { upload_id: string; product_id: string | null; color_match: GarmentRef['color_match'] }[] } {
  if (!row.garments.some((g) => g.color_match !== undefined)) return {};
  return { garments: row.garments.map((g) => ({ upload_id: g.upload_id, product_id: g.product_id ?? null, color_match: g.color_match ?? null })) };
}
