import type { UploadRow } from './tables.js';

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
