/**
 * Compressed answers (@fastify/compress): JSON — problem+json too — and text (the docs pages, the
 * ReDoc bundle, Prometheus text) of at least `minBytes` are sent brotli or gzip, whichever the
 * client's Accept-Encoding prefers (brotli at quality 4: most of its gain at a fraction of 11's
 * cost); smaller answers, clients that accept neither, and `x-no-compression` get plain bytes.
 *
 * What it leaves alone: images and other binary files (not a compressible type; already
 * compressed), Server-Sent Events (text/event-stream is excluded, and those routes hijack the
 * reply), WebSockets (an upgrade, never a reply), partial content (206 / Content-Range), and any
 * reply that already has a Content-Encoding. Request bodies are never decompressed (a gzip body
 * would slip past the body limit's intent; clients send plain JSON or multipart).
 *
 * Registered before the routes: the plugin adds its onSend hook to each route as it is declared,
 * after the global hooks, so idempotency records and CORS headers see the plain answer.
 */
import compress from '@fastify/compress';
import type { App } from './types.js';

/** JSON of any kind (application/json, application/problem+json …) and text other than event streams. */
export const COMPRESSIBLE = /^(?:application\/(?:[a-z0-9.+-]+\+)?json|application\/javascript|text\/(?:html|css|javascript|plain|markdown|csv|xml))(?:;|$)/i;

export async function registerCompression(app: App, { minBytes }: { minBytes: number }) {
  if (minBytes <= 0) return;
  await app.register(compress, {
    global: true,
    globalDecompression: false,
    threshold: minBytes,
    encodings: ['br', 'gzip'],
    customTypes: COMPRESSIBLE,
  });
}
