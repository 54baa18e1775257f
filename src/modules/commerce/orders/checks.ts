/** Field checks the schemas cannot make: phone numbers against their country's plan, metadata size. */
import { createRequire } from 'node:module';
import type { parsePhoneNumberFromString as ParseMax } from 'libphonenumber-js/max';
import { AppError } from '../../../platform/errors.js';

const MAX_METADATA_BYTES = 8 * 1024;

type Parse = typeof ParseMax;
let parseMax: Parse | undefined;
/**
 * libphonenumber-js with its full metadata (each country's number patterns, not only lengths),
 * loaded on first use: ~2 MB of heap an API node that never checks a seller's phone does not keep.
 */
const parsePhoneNumberFromString: Parse = (...args) => (parseMax ??= (createRequire(import.meta.url)('libphonenumber-js/max') as { parsePhoneNumberFromString: Parse }).parsePhoneNumberFromString)(...args);

/** A valid phone number in E.164 (`+5491122334455`), or VALIDATION_FAILED naming the field. */
export function e164(value: string, field: string): string {
  const p = parsePhoneNumberFromString(value);
  if (!p?.isValid()) {
    throw new AppError('VALIDATION_FAILED', `${field} is not a valid phone number (E.164 with the plus and the country code, e.g. +5491122334455).`, {
      extra: { errors: [{ in: 'body', path: `/${field.replace(/\./g, '/')}`, message: 'must be a valid phone number' }] },
    });
  }
  return p.number;
}

export function checkMetadata(metadata: Record<string, unknown> | undefined): void {
  if (metadata !== undefined && Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    throw new AppError('VALIDATION_FAILED', `metadata is larger than ${MAX_METADATA_BYTES} bytes as JSON.`);
  }
}
