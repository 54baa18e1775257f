/** `GET /v1/files/<token>`: a blob from the local folder, behind a short-lived HMAC-signed token. */
import Type from 'typebox';
import { AppError } from '../../../platform/errors.js';
import { verifyToken } from '../../../platform/storage/signed-url.js';
import type { App } from '../../../platform/http/types.js';
import type { BlobStore } from '../../../platform/storage/blob-store.js';
import type { Clock } from '../../../platform/clock.js';

export function fileRoutes(app: App, { blobs, clock, secret }: { blobs: BlobStore; clock: Clock; secret: () => Promise<string> }) {
  app.get(
    '/v1/files/:token',
    {
      config: { auth: 'none' },
      schema: { tags: ['try-on'], summary: 'Download a result or photo through its signed link', params: Type.Object({ token: Type.String({ maxLength: 1024 }) }) },
    },
    async (req, reply) => {
      const key = verifyToken(req.params.token, await secret(), clock.now());
      if (!key) throw new AppError('FILE_NOT_FOUND');
      const [head, bytes] = await Promise.all([blobs.head(key), blobs.get(key)]);
      if (!bytes) throw new AppError('FILE_NOT_FOUND');
      return reply
        .header('content-type', head?.contentType ?? 'application/octet-stream')
        .header('cache-control', 'private, max-age=300')
        .header('content-disposition', 'inline')
        // The signed token is the capability (no cookies, no keys), so any page may read the bytes:
        // the widget on a store's own site downloads the result with fetch().
        .header('access-control-allow-origin', '*')
        .send(bytes);
    },
  );
}
