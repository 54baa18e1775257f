/**
 * Images other modules store through the try-on intake (the generation module's reference
 * images): an upload id (the caller's own, visible to it), a data URL or an https URL (safeFetch:
 * no private addresses), checked by content, EXIF-rotated and stripped, normalised, stored as an
 * `uploads` row of kind `garment` (transparency kept) with the tenant's retention. Returned with
 * where the bytes are, so a job reads no upload row; `created` tells the images stored for this
 * request from upload ids the caller named (only the former may be erased on its behalf).
 */
import { AppError } from '../../platform/errors.js';
import { classifyImageRef } from './intake.js';
import type { Caller, TryonService } from './service.js';

export type IntakenImage = { upload_id: string; sha256: string; created: boolean; blob: { key: string; content_type: string; width: number; height: number } };

export function createIntakeImages(svc: Pick<TryonService, 'createUpload' | 'getUpload' | 'deleteUpload'>) {
  return {
    async store(c: Caller, refs: string[]): Promise<IntakenImage[]> {
      const out: IntakenImage[] = [];
      for (const ref of refs) {
        const r = classifyImageRef(ref);
        const created = !('upload_id' in r);
        const u = 'upload_id' in r ? await svc.getUpload(c, r.upload_id) : await svc.createUpload(c, r, 'garment', null);
        out.push({ upload_id: u.id, sha256: u.sha256, created, blob: { key: u.blobKey!, content_type: u.contentType, width: u.width, height: u.height } });
      }
      return out;
    },
    /** Erase uploads (their blobs; the rows stay as records), as DELETE /v1/uploads/:id does; one already gone is fine. */
    async erase(c: Caller, uploadIds: string[]) {
      for (const id of uploadIds) {
        await svc.deleteUpload(c, id).catch((e: unknown) => {
          if (!(e instanceof AppError && e.code === 'UPLOAD_NOT_FOUND')) throw e;
        });
      }
    },
  };
}
