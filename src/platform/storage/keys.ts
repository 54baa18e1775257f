/**
 * Blob keys are paths like `tenants/ten_1/uploads/upl_2.jpg`. Both drivers accept the same keys,
 * so code that works on the local folder works on S3 and the other way round:
 * - segments separated by `/`, each 1–255 of `A–Z a–z 0–9 _ - .`, never starting with a dot
 *   (no `.`, `..`, hidden files; the fs driver keeps its own files under dot-names);
 * - no leading or trailing `/`, no empty segment, at most 512 characters in all.
 * A prefix (for deletePrefix) is a key, optionally ending with `/`.
 */
const SEGMENT = '[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}';
const KEY = new RegExp(`^${SEGMENT}(?:/${SEGMENT})*$`);
const MAX_KEY_LENGTH = 512;

export function isSafeKey(key: unknown): key is string {
  return typeof key === 'string' && key.length <= MAX_KEY_LENGTH && KEY.test(key);
}

export function assertSafeKey(key: string): void {
  if (!isSafeKey(key)) throw new TypeError(`invalid blob key ${JSON.stringify(String(key).slice(0, 80))}`);
}

/** A non-empty prefix: a safe key, optionally ending with `/`. The empty prefix (everything) is refused. */
export function assertSafePrefix(prefix: string): void {
  const body = typeof prefix === 'string' && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (!isSafeKey(body)) throw new TypeError(`invalid blob prefix ${JSON.stringify(String(prefix).slice(0, 80))}`);
}

/**
 * Content types that a key's extension names (every image key the platform makes ends in one, from
 * the image's type). Such a key only ever holds that type, on both drivers: the local folder then
 * needs no metadata file for it, and no check for a stale one on each put.
 */
const IMPLIED: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

export function impliedContentType(key: string): string | undefined {
  const dot = key.lastIndexOf('.');
  return dot > key.lastIndexOf('/') ? IMPLIED[key.slice(dot + 1).toLowerCase()] : undefined;
}

/** A put of another type under a key whose extension names one is a bug in the caller: refused. */
export function assertTypeFitsKey(key: string, contentType: string): void {
  const implied = impliedContentType(key);
  if (implied !== undefined && implied !== contentType) throw new TypeError(`blob key ${JSON.stringify(key.slice(-80))} holds ${implied}, not ${JSON.stringify(contentType.slice(0, 80))}`);
}

/** S3 presigned URLs live at most 7 days (SigV4); we also refuse zero, negative and fractional lifetimes. */
export const MAX_SIGNED_URL_TTL_S = 7 * 24 * 3600;

export function assertExpiresIn(expiresInS: number): void {
  if (!Number.isInteger(expiresInS) || expiresInS < 1 || expiresInS > MAX_SIGNED_URL_TTL_S) {
    throw new RangeError(`expiresInS must be a whole number of seconds between 1 and ${MAX_SIGNED_URL_TTL_S}`);
  }
}

const CONTENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(?:\s*;\s*[A-Za-z0-9_.-]+=(?:[A-Za-z0-9_.+-]+|"[^"\\\r\n]*"))*$/;

export function isSafeContentType(value: string): boolean {
  return value.length <= 255 && CONTENT_TYPE.test(value);
}

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266 / 8187) for a download name chosen by
 * our code or a user: quotes, backslashes, control characters and path separators are dropped.
 */
export function contentDisposition(downloadName: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = downloadName.replace(/[\u0000-\u001f\u007f"\\/]/g, '').trim().slice(0, 200) || 'download';
  const ascii = cleaned.replace(/[^\x20-\x7e]/g, '_');
  const encoded = encodeURIComponent(cleaned).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
