/**
 * Multipart requests become the same JSON shape as the JSON API: each file part is kept in memory
 * (within the upload size limit) and referenced from the body as `multipart-part:<field>:<n>`.
 */
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { AppError } from '../../../platform/errors.js';
import { MULTIPART_REF } from '../service.js';

declare module 'fastify' {
  interface FastifyRequest {
    uploadedFiles?: Map<string, Buffer>;
  }
}

const FIELD = /^[a-z_]{1,32}$/;

export async function readMultipart(req: FastifyRequest, maxBytes: number): Promise<{ fields: Record<string, string[]>; files: Map<string, Buffer> }> {
  const fields: Record<string, string[]> = {};
  const files = new Map<string, Buffer>();
  const counts: Record<string, number> = {};
  try {
    for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 4, fields: 30, fieldSize: 64 * 1024, parts: 40 } })) {
      if (!FIELD.test(part.fieldname)) throw new AppError('VALIDATION_FAILED', `Unexpected form field "${part.fieldname.slice(0, 40)}".`);
      if (part.type === 'file') {
        const n = counts[part.fieldname] ?? 0;
        counts[part.fieldname] = n + 1;
        const buf = await part.toBuffer();
        files.set(`${part.fieldname}:${n}`, buf);
      } else {
        (fields[part.fieldname] ??= []).push(String(part.value));
      }
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('IMAGE_TOO_LARGE', `A file is larger than ${maxBytes} bytes.`);
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') throw new AppError('VALIDATION_FAILED', 'Too many form parts.');
    throw new AppError('VALIDATION_FAILED', 'The multipart body could not be read.');
  }
  return { fields, files };
}

export function fileRef(field: string, n = 0) {
  return `${MULTIPART_REF}${field}:${n}`;
}
