/**
 * @probador/sdk: the Probador API typed from its OpenAPI document (openapi-fetch), plus helpers.
 *
 *   const probador = createProbador({ baseUrl: 'https://tryon.example.com', apiKey: process.env.PROBADOR_KEY });
 *   const person = await probador.uploadFile(photoBytes, { kind: 'person', filename: 'me.jpg' });
 *   const { data } = await probador.POST('/v1/tryons', { body: { person: person.id, garments: [{ product_id: 'linen-shirt' }] } });
 *   const tryon = await probador.waitForTryon(data!.id);
 *   for await (const t of probador.paginate('/v1/tryons', { query: { limit: 50 } })) console.log(t.id, t.status);
 */
import { type ApiClient, createApiClient, type ProbadorOptions } from './client.js';
import { paginate, type ListPath, type PaginateOptions } from './pagination.js';
import { waitForTryon, type WaitOptions } from './tryons.js';
import { uploadFile, type FileInput, type UploadFileOptions } from './uploads.js';

export { ProbadorError, unwrap, retryDelayMs, type ApiClient, type ProbadorOptions, type Problem, type Schemas } from './client.js';
export { paginate, type ListItem, type ListPath, type PaginateOptions } from './pagination.js';
export { waitForTryon, FINAL_TRYON_STATUSES, type Tryon, type TryonProgress, type WaitOptions } from './tryons.js';
export { uploadFile, type FileInput, type Upload, type UploadFileOptions } from './uploads.js';
export { verifyWebhook, signWebhook, WebhookVerificationError, type VerifyOptions, type WebhookEvent, type WebhookHeaders } from './webhooks.js';
export { readSse, type SseEvent } from './sse.js';
export { VERSION } from './version.js';
export type { components, operations, paths } from './schema.js';

export type Probador = ApiClient & {
  /** The plain openapi-fetch client (same middleware). */
  client: ApiClient;
  uploadFile(file: FileInput, opts?: UploadFileOptions): ReturnType<typeof uploadFile>;
  waitForTryon(id: string, opts?: WaitOptions): ReturnType<typeof waitForTryon>;
  paginate<P extends ListPath>(path: P, opts?: PaginateOptions<P>): ReturnType<typeof paginate<P>>;
};

export function createProbador(opts: ProbadorOptions): Probador {
  const client = createApiClient(opts);
  return {
    ...client,
    client,
    uploadFile: (file, o) => uploadFile(client, file, o),
    waitForTryon: (id, o) => waitForTryon(client, id, o),
    paginate: (path, o) => paginate(client, path, o),
  };
}
