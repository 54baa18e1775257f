/**
 * `POST /v1/photo-checks`: a widget endpoint (secret key, or publishable key from an allowed
 * origin with its `probador-session` header). Answers 200 with `ok` and the issues — a refused
 * photo is a result, not an error; bad input (not an image, too large) is a 4xx problem.
 */
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { problemResponses } from '../../../contracts/common.js';
import { CreatePhotoCheckBody, PhotoCheck, PhotoIssue, type TPhotoCheck } from '../../../contracts/perception.js';
import { AppError } from '../../platform/errors.js';
import { keyPrincipal } from '../../platform/http/principal.js';
import type { App } from '../../platform/http/types.js';
import { normalizeImage } from '../../platform/images/normalize.js';
import { parseImageDataUrl } from '../../platform/images/data-url.js';
import { safeFetch } from '../../platform/net/safe-fetch.js';
import type { Config } from '../../config.js';
import type { Category } from './precheck.js';
import type { PhotoCheckOutcome } from './index.js';
import type { PerceptionStatus } from './types.js';

/** Reads an upload's bytes for the caller (tenant and widget session checked by the try-on module). */
export type UploadReader = (req: FastifyRequest, uploadId: string) => Promise<Buffer>;

type Deps = {
  config: Config;
  checkPhoto: (tenantId: string, bytes: Buffer, categories: Category[], signal?: AbortSignal) => Promise<PhotoCheckOutcome>;
  status: () => PerceptionStatus;
  readUpload: UploadReader;
};

export function presentCheck(r: PhotoCheckOutcome, models: boolean): TPhotoCheck {
  const a = r.analysis;
  const face = a.faces[0];
  const body = a.bodies[0];
  const m = a.measures;
  return {
    object: 'photo_check',
    ok: r.ok,
    strictness: r.strictness,
    categories: r.categories,
    issues: r.issues,
    features: { faces: models && a.models, body: models && a.models, image: true },
    measures: {
      width: m.width,
      height: m.height,
      sharpness: m.sharpness,
      brightness: m.brightness,
      clipped_dark: m.clippedDark,
      clipped_bright: m.clippedBright,
      color_cast: m.cast,
    },
    face: face
      ? {
          box: face.box,
          score: face.score,
          age: face.age,
          rotation: face.rotation,
          landmarks: { left_eye: face.landmarks.leftEye, right_eye: face.landmarks.rightEye, nose_tip: face.landmarks.noseTip, mouth: face.landmarks.mouth },
        }
      : null,
    body: body ? { score: body.score, box: body.box, keypoints: body.keypoints } : null,
    // A weak body found by MoveNet on a photo judged to hold no person (no_person) is not a person.
    people: r.issues.some((i) => i.code === 'no_person') ? 0 : (r.issues.find((i) => i.code === 'multiple_people')?.detail?.faces as number | undefined ?? (face ? 1 : body ? 1 : 0)),
    took_ms: r.tookMs,
  };
}

const SESSION = /^[A-Za-z0-9_-]{16,128}$/;

export function photoCheckRoutes(app: App, d: Deps) {
  app.addSchema(PhotoIssue);
  app.addSchema(PhotoCheck);
  app.post(
    '/v1/photo-checks',
    {
      config: { auth: 'key' },
      bodyLimit: Math.ceil(d.config.images.maxBytes * 1.37) + 64 * 1024,
      schema: {
        tags: ['photo checks'],
        summary: 'Check a shopper photo before a try-on: one person, large enough, usable pose, sharp, well lit',
        description:
          'Answers 200 with `ok: false` and the issues when the photo would be refused; each issue has a code, a severity and a short message and tip in English and Spanish. Strictness is the tenant setting `settings.precheck.strictness` (off, lenient, standard, strict). POST /v1/tryons runs the same check and answers 422 PHOTO_REJECTED with these issues.',
        body: CreatePhotoCheckBody,
        response: { 200: Type.Ref('PhotoCheck'), ...problemResponses(400, 401, 403, 404, 410, 413, 415, 422, 429, 503) },
      },
    },
    async (req) => {
      const principal = keyPrincipal(req.principal);
      const header = req.headers['probador-session'];
      const session = Array.isArray(header) ? header[0] : header;
      if (principal.keyKind === 'publishable' && (!session || !SESSION.test(session))) {
        throw new AppError('VALIDATION_FAILED', 'Widget requests need a probador-session header (16–128 characters of A–Z, a–z, 0–9, _ or -).');
      }
      const { image, categories } = req.body;
      let bytes: Buffer;
      if (/^upl_[0-9A-Za-z]{1,64}$/.test(image)) bytes = await d.readUpload(req, image);
      else if (image.startsWith('data:')) bytes = parseImageDataUrl(image, { maxBytes: d.config.images.maxBytes }).bytes;
      else if (/^https?:\/\//i.test(image)) {
        bytes = (await safeFetch(image, { maxBytes: d.config.images.maxBytes, timeoutMs: d.config.fetch.timeoutMs, allowHttp: 'allow-listed', allowPrivateHosts: d.config.fetch.allowPrivateHosts, accept: 'image/*' })).body;
      } else throw new AppError('VALIDATION_FAILED', 'image must be an upload id (upl_…), a data URL or an https URL.');
      const img = await normalizeImage(bytes, { maxSide: d.config.images.maxSide, maxInputPixels: d.config.images.maxPixels, maxBytes: d.config.images.maxBytes });
      let r: PhotoCheckOutcome;
      try {
        r = await d.checkPhoto(principal.tenantId, img.bytes, (categories ?? []) as Category[]);
      } catch (e) {
        if ((e as Error).name === 'AbortError' || (e as Error).name === 'TimeoutError' || /queue/i.test((e as Error).message)) {
          throw new AppError('OVERLOADED', 'Photo checks are busy; retry in a few seconds.', { headers: { 'retry-after': '5' }, cause: e });
        }
        throw e;
      }
      return presentCheck(r, d.status().models === 'ready');
    },
  );
}
