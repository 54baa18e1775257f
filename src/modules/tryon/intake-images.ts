/**
 * Images other modules store through the try-on intake (the generation module's reference
 * images, the style module's selfies): an upload id (the caller's own, visible to it), a data URL,
 * an https URL (safeFetch: no private addresses) or a file of the request's multipart body
 * (`multipart-part:<field>:<n>`, when the caller carries `files`), checked by content,
 * EXIF-rotated and stripped, normalised, stored as an `uploads` row of kind `garment`
 * (transparency kept) or `person` (a photo of someone: JPEG) with the tenant's retention. Returned with
 * where the bytes are, so a job reads no upload row; `created` tells the images stored for this
 * request from upload ids the caller named (only the former may be erased on its behalf).
 */
import { AppError } from '../../platform/errors.js';
import { classifyImageRef, type ImageSource } from './intake.js';
import { MULTIPART_REF, type Caller, type TryonService } from './service.js';

export type IntakenImage = { upload_id: string; sha256: string; created: boolean; blob: { key: string; content_type: string; width: number; height: number } };

/** A file of the request's multipart body (never honoured without `files`: in a JSON body it would just be a URL). */
function multipartFile(c: Caller, ref: string): ImageSource | undefined {
  if (!c.files || !ref.startsWith(MULTIPART_REF)) return undefined;
  const file = c.files.get(ref.slice(MULTIPART_REF.length));
  if (!file) throw new AppError('VALIDATION_FAILED', `The multipart file ${ref.slice(MULTIPART_REF.length)} is missing.`);
  return { file };
}

export function createIntakeImages(svc: Pick<TryonService, 'createUpload' | 'getUpload' | 'deleteUpload'>) {
  return {
    async store(c: Caller, refs: string[], opts: { kind?: 'person' | 'garment'; shopperId?: string | null } = {}): Promise<IntakenImage[]> {
      const out: IntakenImage[] = [];
      for (const ref of refs) {
        const r = multipartFile(c, ref) ?? classifyImageRef(ref);
        const created = !('upload_id' in r);
        const u = 'upload_id' in r ? await svc.getUpload(c, r.upload_id) : await svc.createUpload(c, r, opts.kind ?? 'garment', opts.shopperId ?? null);
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
