/**
 * Reading a person's upload from a multipart body: one image in `file`, an optional `kind`
 * (photo | garment). Used by `POST /v1/account/files` and the older Style API's
 * `POST /api/v1/files/upload` (which ignores the other text fields its frontend sent). The type
 * and the pixels are checked by the files service (sniffed, normalised), not here.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../platform/errors.js';

export type UserFileUpload = { bytes: Buffer; kind: 'photo' | 'garment'; filename: string | null };

export async function readUserFileUpload(req: FastifyRequest, o: { maxBytes: number; otherFields: 'refuse' | 'ignore' }): Promise<UserFileUpload> {
  if (!req.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data (the image in `file`).');
  let bytes: Buffer | undefined;
  let kind: string | undefined;
  let filename: string | null = null;
  const tooLarge = () => new AppError('IMAGE_TOO_LARGE', `The file is larger than ${o.maxBytes} bytes.`);
  try {
    const fields = o.otherFields === 'ignore' ? 20 : 4;
    for await (const part of req.parts({ limits: { fileSize: o.maxBytes, files: 1, fields, fieldSize: o.otherFields === 'ignore' ? 4096 : 64, parts: fields + 1 } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw new AppError('VALIDATION_FAILED', 'The image goes in the `file` field.');
        bytes = await part.toBuffer();
        filename = part.filename ? part.filename.slice(0, 255) : null;
      } else if (part.fieldname === 'kind') kind = String(part.value);
      else if (o.otherFields === 'refuse') throw new AppError('VALIDATION_FAILED', `Unexpected form field "${part.fieldname.slice(0, 40)}".`);
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw tooLarge();
    if (code === 'FST_FILES_LIMIT') throw new AppError('VALIDATION_FAILED', 'Send one file.');
    if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw new AppError('VALIDATION_FAILED', 'Too many form fields.');
    throw new AppError('VALIDATION_FAILED', 'The multipart body could not be read.');
  }
  if (!bytes || bytes.length === 0) throw new AppError('VALIDATION_FAILED', bytes ? 'The uploaded file is empty.' : 'Send the image in the `file` field.');
  if (kind !== undefined && kind !== 'photo' && kind !== 'garment') throw new AppError('VALIDATION_FAILED', 'kind: must be photo or garment.');
  return { bytes, kind: (kind ?? 'photo') as 'photo' | 'garment', filename };
}
