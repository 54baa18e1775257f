/**
 * Photo pre-check (`POST /v1/photo-checks`), used by the widget before an upload and by the
 * server on try-on intake. `ok: false` means at least one issue has severity `error`.
 */
import Type, { type Static } from 'typebox';

const Text = Type.Object({ en: Type.String(), es: Type.String() });
const Point = Type.Object({ x: Type.Number(), y: Type.Number() });
const Box = Type.Object({ x: Type.Number(), y: Type.Number(), width: Type.Number(), height: Type.Number() });

export const IssueCode = Type.Union(
  ['no_person', 'multiple_people', 'face_not_found', 'face_too_small', 'body_too_small', 'pose_unusable', 'head_turned', 'blurry', 'too_dark', 'overexposed', 'color_cast', 'likely_minor'].map(
    (c) => Type.Literal(c),
  ),
);

export const PhotoIssue = Type.Object(
  {
    code: IssueCode,
    severity: Type.Union([Type.Literal('error'), Type.Literal('warning')], { description: '`error` refuses the photo; `warning` only informs' }),
    message: Text,
    tip: Text,
    detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'PhotoIssue' },
);

export const PhotoCheck = Type.Object(
  {
    object: Type.Literal('photo_check'),
    ok: Type.Boolean(),
    strictness: Type.Union([Type.Literal('off'), Type.Literal('lenient'), Type.Literal('standard'), Type.Literal('strict')]),
    categories: Type.Array(Type.String()),
    issues: Type.Array(Type.Ref('PhotoIssue')),
    /** Which detectors ran: `false` when the models are off on this server (only image measures are checked). */
    features: Type.Object({ faces: Type.Boolean(), body: Type.Boolean(), image: Type.Boolean() }),
    measures: Type.Object({
      width: Type.Integer(),
      height: Type.Integer(),
      sharpness: Type.Number(),
      brightness: Type.Number(),
      clipped_dark: Type.Number(),
      clipped_bright: Type.Number(),
      color_cast: Type.Object({ a: Type.Number(), b: Type.Number(), magnitude: Type.Number() }),
    }),
    face: Type.Union([
      Type.Object({
        box: Box,
        score: Type.Number(),
        age: Type.Union([Type.Number(), Type.Null()]),
        rotation: Type.Object({ yaw: Type.Number(), pitch: Type.Number(), roll: Type.Number() }),
        landmarks: Type.Object({ left_eye: Point, right_eye: Point, nose_tip: Point, mouth: Point }),
      }),
      Type.Null(),
    ], { description: 'The main face; null when none was found' }),
    body: Type.Union([
      Type.Object({
        score: Type.Number(),
        box: Box,
        keypoints: Type.Array(Type.Object({ part: Type.String(), x: Type.Number(), y: Type.Number(), score: Type.Number() })),
      }),
      Type.Null(),
    ], { description: 'null when no person was found (no keypoint found, as on a plain background or a packshot)' }),
    people: Type.Integer({ description: 'Distinct faces found' }),
    took_ms: Type.Number(),
  },
  { $id: 'PhotoCheck' },
);
export type TPhotoCheck = Static<typeof PhotoCheck>;

export const PhotoCategory = Type.Union([Type.Literal('auto'), Type.Literal('tops'), Type.Literal('bottoms'), Type.Literal('one-pieces')]);

export const CreatePhotoCheckBody = Type.Object(
  {
    image: Type.String({ minLength: 1, maxLength: 20_000_000, description: 'An upload id (upl_…), a data URL (data:image/…;base64,…) or an https URL' }),
    categories: Type.Optional(Type.Array(PhotoCategory, { maxItems: 3, description: 'Garment categories the photo is meant for (pose needs differ); default tops' })),
  },
  { additionalProperties: false },
);
export type TCreatePhotoCheckBody = Static<typeof CreatePhotoCheckBody>;
