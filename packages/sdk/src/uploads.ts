/** Uploading a photo or a garment picture once (multipart), to use its id in try-ons. */
import { type ApiClient, type Schemas, unwrap } from './client.js';

export type Upload = Schemas['Upload'];

export interface UploadFileOptions {
  /** `person` (default) or `garment`. */
  kind?: 'person' | 'garment';
  /** The file's name (helps the server name the media type when the bytes do not). */
  filename?: string;
  /** The media type when `file` is bytes (default `application/octet-stream`: the server sniffs the content). */
  contentType?: string;
  /** Groups a shopper's photos so they can be erased together (`DELETE /v1/shoppers/{id}`). */
  shopperId?: string;
  signal?: AbortSignal;
}

/** A Blob or File (browser), or bytes (Node: `await readFile(path)`). */
export type FileInput = Blob | ArrayBuffer | ArrayBufferView;

export async function uploadFile(client: ApiClient, file: FileInput, opts: UploadFileOptions = {}): Promise<Upload> {
  const blob =
    file instanceof Blob
      ? file
      : new Blob([ArrayBuffer.isView(file) ? new Uint8Array(file.buffer, file.byteOffset, file.byteLength).slice() : new Uint8Array(file)], {
          type: opts.contentType ?? 'application/octet-stream',
        });
  const form = new FormData();
  form.set('kind', opts.kind ?? 'person');
  if (opts.shopperId) form.set('shopper_id', opts.shopperId);
  form.set('file', blob, opts.filename ?? (typeof File !== 'undefined' && file instanceof File ? file.name : 'upload'));
  // The document describes the JSON body; the same route takes multipart, sent as is.
  return unwrap(
    await client.POST('/v1/uploads', {
      body: form as never,
      bodySerializer: (b: unknown) => b as FormData,
      ...(opts.signal ? { signal: opts.signal } : {}),
    }),
  );
}
