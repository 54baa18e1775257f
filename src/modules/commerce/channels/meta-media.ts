/**
 * Media on the Cloud API:
 *   upload    POST {base}/{phone_number_id}/media, multipart (messaging_product=whatsapp, type, file) → {id}
 *   metadata  GET  {base}/{media_id} → {url, mime_type, sha256, file_size (a string), id} — without
 *             `phone_number_id`, which restricts the lookup to media uploaded on that number
 *   download  GET  <url> with the same bearer token (URLs live about 5 minutes)
 * The token is only sent to Meta's own hosts (lookaside.fbsbx.com and friends) or to the
 * configured base URL's origin, never to a URL on another host. Downloads are capped while
 * streaming (16 MB by default); a media id Meta no longer has (404, or code 100/subcode 33)
 * is `null`.
 */
import { call, isRecord, str, withDeadline } from '../../../platform/providers/http.js';
import { MEDIA_MAX_BYTES } from './meta-content.js';
import { metaHttpError, readMetaError } from './meta-errors.js';
import { asChannelError, graph, graphRaw, type MetaHttp } from './meta-http.js';
import { readCapped } from './read-capped.js';
import { ChannelError, type InboundMedia, type OutboundMedia } from './types.js';

export const DEFAULT_MEDIA_MAX_BYTES = 16 * 1024 * 1024;
/** Whether a lookup error says the object does not exist (Graph's code 100 with subcode 33). */
const isMissingObject = (payload: unknown) => {
  const err = readMetaError(isRecord(payload) ? payload.error : undefined);
  return err.code === 100 && err.subcode === 33;
};
const META_HOSTS = /(^|\.)(fbsbx\.com|facebook\.com|fbcdn\.net|whatsapp\.net)$/i;

/** Upload bytes and return Meta's media id. */
export async function uploadMedia(h: MetaHttp, media: OutboundMedia, signal: AbortSignal): Promise<string> {
  const bytes = media.bytes!;
  const max = MEDIA_MAX_BYTES[media.kind];
  if (bytes.length === 0) throw new ChannelError('meta', 'bad_request', 'meta: the media is empty');
  if (bytes.length > max) throw new ChannelError('meta', 'bad_request', `meta: ${media.kind} media is larger than ${max} bytes`);
  if (!media.contentType) throw new ChannelError('meta', 'bad_request', 'meta: media bytes need a content type');
  const form = new FormData();
  form.set('messaging_product', 'whatsapp');
  form.set('type', media.contentType);
  form.set('file', new Blob([bytes], { type: media.contentType }), media.filename || `upload.${media.contentType.split('/')[1]?.replace(/[^a-z0-9]/gi, '') || 'bin'}`);
  const out = await graph(h, `${h.base}/${encodeURIComponent(h.phoneNumberId)}/media`, { method: 'POST', body: form }, signal, 'media upload');
  const id = isRecord(out) ? str(out.id) ?? (typeof out.id === 'number' ? String(out.id) : undefined) : undefined;
  if (!id) throw new ChannelError('meta', 'unknown', 'meta media upload failed: the answer has no id');
  return id;
}

function trusted(url: string, origin: string): boolean {
  try {
    const u = new URL(url);
    if (u.origin === new URL(origin).origin) return true;
    return u.protocol === 'https:' && META_HOSTS.test(u.hostname);
  } catch {
    return false;
  }
}

/** Download inbound media by its id; `null` when Meta no longer has it. */
export async function downloadMetaMedia(h: MetaHttp, media: InboundMedia, signal: AbortSignal, maxBytes: number): Promise<{ bytes: Buffer; contentType: string } | null> {
  const id = media.providerMediaId;
  if (!id || !/^[A-Za-z0-9_.-]{1,128}$/.test(id)) throw new ChannelError('meta', 'bad_request', 'meta: the media has no valid media id');
  const lookup = await graphRaw(h, `${h.base}/${encodeURIComponent(id)}`, { method: 'GET' }, signal);
  if (lookup.res.status === 404 || isMissingObject(lookup.payload)) return null;
  if (!lookup.res.ok) throw metaHttpError(h.ctx, lookup.res, lookup.payload, 'media lookup');
  const meta = lookup.payload;
  const url = isRecord(meta) ? str(meta.url) : undefined;
  if (!url || !trusted(url, h.origin)) throw new ChannelError('meta', 'unknown', 'meta media lookup failed: no download URL on a Meta host');
  const size = isRecord(meta) ? Number(meta.file_size ?? 0) : 0;
  if (size > maxBytes) throw new ChannelError('meta', 'bad_request', `meta: the media is larger than ${maxBytes} bytes`, { retryable: false });
  const s = withDeadline(signal, h.timeoutMs * 2);
  try {
    const res = await call(h.ctx, url, { method: 'GET', headers: h.auth, signal: s });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      return null;
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        payload = undefined;
      }
      throw metaHttpError(h.ctx, res, payload, 'media download');
    }
    const bytes = await readCapped(res, maxBytes, () => new ChannelError('meta', 'bad_request', `meta: the media is larger than ${maxBytes} bytes`, { retryable: false }));
    const contentType = (isRecord(meta) ? str(meta.mime_type) : undefined) ?? res.headers.get('content-type')?.split(';')[0] ?? 'application/octet-stream';
    return { bytes, contentType };
  } catch (e) {
    throw asChannelError(e);
  }
}
