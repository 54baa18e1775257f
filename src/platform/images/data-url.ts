/**
 * Parses `data:image/<type>[;param=value]*;base64,<payload>` from untrusted JSON bodies.
 * The decoded size is computed from the payload length and checked BEFORE anything is decoded;
 * only strict base64 (RFC 4648 alphabet, padded, no whitespace) and raster image types are
 * accepted. The declared type is a hint only — normalizeImage() checks the bytes themselves.
 */
import { AppError } from '../errors.js';

export type DataUrlImage = {
  bytes: Buffer;
  /** The media type the sender declared (lower-cased); not trusted, content is checked later. */
  declaredType: string;
};

const ACCEPTED_TYPES = new Set([
  'image/jpeg', 'image/jpg', 'image/pjpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif',
]);
/** `data:` + media type + parameters never need more than this; bounds the header scan. */
const MAX_HEADER_LENGTH = 256;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const PARAM = /^[A-Za-z0-9!#$&^_.+-]+=[^;,\s]*$/;

const invalid = (detail: string) => new AppError('INVALID_DATA_URL', detail);

/** Exact decoded length of a padded base64 string of this length, without decoding it. */
function decodedLength(payload: string): number {
  const pad = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0;
  return (payload.length / 4) * 3 - pad;
}

export function parseImageDataUrl(input: unknown, opts: { maxBytes: number }): DataUrlImage {
  if (typeof input !== 'string' || input.slice(0, 5).toLowerCase() !== 'data:') {
    throw invalid('Expected a data: URL');
  }
  const comma = input.indexOf(',', 5);
  if (comma === -1 || comma > MAX_HEADER_LENGTH) throw invalid('The data URL has no payload');

  const params = input.slice(5, comma).split(';').map((p) => p.trim());
  const declaredType = (params.shift() ?? '').toLowerCase();
  if (params.pop()?.toLowerCase() !== 'base64') throw invalid('The data URL must be base64-encoded');
  if (!params.every((p) => PARAM.test(p))) throw invalid('The data URL has malformed parameters');
  if (!ACCEPTED_TYPES.has(declaredType)) {
    throw new AppError('UNSUPPORTED_IMAGE_TYPE', 'Only JPEG, PNG, WebP, AVIF and GIF images are accepted');
  }

  // Size first: a 100 MB string must not be scanned or decoded.
  const payloadLength = input.length - comma - 1;
  if (payloadLength === 0) throw invalid('The data URL is empty');
  if (Math.floor(payloadLength / 4) * 3 - 2 > opts.maxBytes) {
    throw new AppError('IMAGE_TOO_LARGE', `The image is larger than ${opts.maxBytes} bytes`, { extra: { limit: opts.maxBytes } });
  }
  const payload = input.slice(comma + 1);
  if (payload.length % 4 !== 0 || !BASE64.test(payload)) throw invalid('The data URL payload is not valid base64');
  if (decodedLength(payload) > opts.maxBytes) {
    throw new AppError('IMAGE_TOO_LARGE', `The image is larger than ${opts.maxBytes} bytes`, { extra: { limit: opts.maxBytes } });
  }
  return { bytes: Buffer.from(payload, 'base64'), declaredType };
}
