/**
 * The photo pre-check: is this shopper photo good enough to spend a generation on? Pure rules over
 * an Analysis. Each problem has its own code, a severity (`error` refuses, `warning` informs) and a
 * short, kind message and tip in English and Spanish. Strictness (per tenant) moves the
 * thresholds; `off` checks nothing. A likely minor is refused at every strictness but `off`, and
 * only when the photo is otherwise usable (an age estimate on a dark or blurred photo is noise).
 */
import type { Analysis, Body, BodyPart, Face } from './types.js';

export type Strictness = 'off' | 'lenient' | 'standard' | 'strict';
export type Category = 'tops' | 'bottoms' | 'one-pieces' | 'auto';
export type Severity = 'error' | 'warning';
export type Text = { en: string; es: string };
export type IssueCode =
  | 'no_person'
  | 'multiple_people'
  | 'face_not_found'
  | 'face_too_small'
  | 'body_too_small'
  | 'pose_unusable'
  | 'head_turned'
  | 'blurry'
  | 'too_dark'
  | 'overexposed'
  | 'color_cast'
  | 'likely_minor';
export type Issue = { code: IssueCode; severity: Severity; message: Text; tip: Text; detail?: Record<string, unknown> };

export const ISSUE_TEXT: Record<IssueCode, { message: Text; tip: Text }> = {
  no_person: {
    message: { en: 'We could not find a person in this photo.', es: 'No encontramos a ninguna persona en esta foto.' },
    tip: { en: 'Use a photo of yourself, facing the camera, from head to hips or more.', es: 'Usa una foto tuya, de frente, de la cabeza a la cadera o más.' },
  },
  multiple_people: {
    message: { en: 'There is more than one person in this photo.', es: 'Hay más de una persona en esta foto.' },
    tip: { en: 'Choose a photo where you are alone, or crop the others out.', es: 'Elige una foto en la que salgas solo o sola, o recorta a los demás.' },
  },
  face_not_found: {
    message: { en: 'We could not see your face clearly.', es: 'No pudimos ver bien tu cara.' },
    tip: { en: 'Face the camera and keep your face uncovered.', es: 'Mira a la cámara y deja tu cara descubierta.' },
  },
  face_too_small: {
    message: { en: 'You look very small in this photo.', es: 'Apareces muy pequeño o pequeña en esta foto.' },
    tip: { en: 'Step closer to the camera, or crop the photo around you.', es: 'Acércate a la cámara o recorta la foto a tu alrededor.' },
  },
  body_too_small: {
    message: { en: 'Your body takes up too little of the photo.', es: 'Tu cuerpo ocupa muy poco de la foto.' },
    tip: { en: 'Fill most of the frame: from head to hips for tops, head to knees or feet for the rest.', es: 'Llena casi todo el encuadre: de la cabeza a la cadera para prendas de arriba, hasta las rodillas o los pies para el resto.' },
  },
  pose_unusable: {
    message: { en: 'We cannot see the part of your body this garment goes on.', es: 'No vemos la parte del cuerpo donde va esta prenda.' },
    tip: { en: 'Stand straight with your shoulders and hips in view (and your knees for trousers and skirts).', es: 'Ponte de pie, recto, con los hombros y la cadera a la vista (y las rodillas para pantalones y faldas).' },
  },
  head_turned: {
    message: { en: 'Your head is turned away from the camera.', es: 'Tienes la cabeza girada respecto a la cámara.' },
    tip: { en: 'Look straight at the camera.', es: 'Mira de frente a la cámara.' },
  },
  blurry: {
    message: { en: 'The photo is blurred.', es: 'La foto está borrosa.' },
    tip: { en: 'Hold the phone still, tap to focus, and try again.', es: 'Sujeta el móvil sin moverlo, toca la pantalla para enfocar y vuelve a intentarlo.' },
  },
  too_dark: {
    message: { en: 'The photo is too dark.', es: 'La foto está demasiado oscura.' },
    tip: { en: 'Face a window or turn on a light, and avoid standing with the light behind you.', es: 'Ponte frente a una ventana o enciende una luz, y evita tener la luz detrás.' },
  },
  overexposed: {
    message: { en: 'The photo is too bright; details are washed out.', es: 'La foto tiene demasiada luz; se pierden los detalles.' },
    tip: { en: 'Move out of direct sunlight or turn off the flash.', es: 'Apártate del sol directo o desactiva el flash.' },
  },
  color_cast: {
    message: { en: 'The colours look tinted, so garments may look off.', es: 'Los colores se ven teñidos y las prendas podrían verse distintas.' },
    tip: { en: 'Daylight gives the truest colours.', es: 'La luz natural da los colores más fieles.' },
  },
  likely_minor: {
    message: { en: 'This photo may show someone under age, so we cannot use it.', es: 'Esta foto podría mostrar a una persona menor de edad, así que no podemos usarla.' },
    tip: { en: 'Try-on is for adults. If you are an adult, try a clearer, well-lit photo.', es: 'El probador es para personas adultas. Si eres mayor de edad, prueba con una foto más nítida y bien iluminada.' },
  },
};

type Thresholds = {
  minFaceHeight: number; // fraction of the photo's height
  minBodyHeight: number; // fraction of the photo's height
  minKeypointScore: number;
  minSharpness: number;
  minBrightness: number;
  maxClippedBright: number;
  maxYaw: number;
  headTurnedIsError: boolean;
  qualityIsError: boolean;
  faceRequired: boolean;
};

export const THRESHOLDS: Record<Exclude<Strictness, 'off'>, Thresholds> = {
  lenient: { minFaceHeight: 0.03, minBodyHeight: 0.15, minKeypointScore: 0.2, minSharpness: 10, minBrightness: 30, maxClippedBright: 0.6, maxYaw: 45, headTurnedIsError: false, qualityIsError: false, faceRequired: false },
  standard: { minFaceHeight: 0.05, minBodyHeight: 0.25, minKeypointScore: 0.25, minSharpness: 25, minBrightness: 45, maxClippedBright: 0.4, maxYaw: 35, headTurnedIsError: false, qualityIsError: true, faceRequired: true },
  strict: { minFaceHeight: 0.08, minBodyHeight: 0.35, minKeypointScore: 0.35, minSharpness: 60, minBrightness: 60, maxClippedBright: 0.25, maxYaw: 25, headTurnedIsError: true, qualityIsError: true, faceRequired: true },
};

/** Keypoints each category needs (both sides). */
export const REQUIRED_PARTS: Record<Exclude<Category, 'auto'>, BodyPart[]> = {
  tops: ['leftShoulder', 'rightShoulder', 'leftHip', 'rightHip'],
  bottoms: ['leftHip', 'rightHip', 'leftKnee', 'rightKnee'],
  'one-pieces': ['leftShoulder', 'rightShoulder', 'leftHip', 'rightHip', 'leftKnee', 'rightKnee'],
};

/** Faces that are separate people: not near the main face (faces[0], the most confident), and not tiny next to it. */
export function distinctFaces(faces: Face[]): Face[] {
  const main = faces[0];
  if (!main) return [];
  const out = [main];
  for (const f of faces.slice(1)) {
    if (f.score < 0.6 || f.box.height < main.box.height * 0.5) continue;
    const cx = f.box.x + f.box.width / 2;
    const cy = f.box.y + f.box.height / 2;
    const m = main.box;
    // Within 1.5 face sizes of the main face: a second detection of the same head (chin, helmet), not a person.
    const inside = cx > m.x - m.width * 1.5 && cx < m.x + m.width * 2.5 && cy > m.y - m.height * 1.5 && cy < m.y + m.height * 2.5;
    if (!inside) out.push(f);
  }
  return out;
}

const usableBody = (b: Body | undefined, minScore: number) => (b && b.score >= 0.3 && b.keypoints.filter((k) => k.score >= minScore).length >= 5 ? b : undefined);

export type CheckOptions = { strictness: Strictness; categories: Category[]; minAge: number };
export type CheckResult = { ok: boolean; strictness: Strictness; issues: Issue[] };

export function issue(code: IssueCode, severity: Severity, detail?: Record<string, unknown>): Issue {
  return { code, severity, ...ISSUE_TEXT[code], ...(detail ? { detail } : {}) };
}

export function checkAnalysis(a: Analysis, opts: CheckOptions): CheckResult {
  if (opts.strictness === 'off') return { ok: true, strictness: 'off', issues: [] };
  const t = THRESHOLDS[opts.strictness];
  const issues: Issue[] = [];
  const quality: Severity = t.qualityIsError ? 'error' : 'warning';
  const m = a.measures;
  const r2 = (v: number) => Math.round(v * 1000) / 1000;

  // Image quality first: it explains most of what follows.
  if (m.sharpness < t.minSharpness) issues.push(issue('blurry', opts.strictness === 'lenient' && m.sharpness >= 4 ? 'warning' : 'error', { sharpness: m.sharpness, min: t.minSharpness }));
  const brightness = m.face?.brightness ?? m.brightness;
  if (brightness < t.minBrightness) issues.push(issue('too_dark', brightness < t.minBrightness / 2 ? 'error' : quality, { brightness, min: t.minBrightness }));
  // Blown-out pixels are judged on the face: a white wall or studio sweep behind the person is fine.
  const clipped = m.face?.clippedBright ?? (a.models ? 0 : m.clippedBright);
  if (clipped > t.maxClippedBright) issues.push(issue('overexposed', quality, { clipped_bright: clipped, max: t.maxClippedBright }));
  if (m.cast.magnitude > 30) issues.push(issue('color_cast', 'warning', { a: m.cast.a, b: m.cast.b }));

  if (!a.models) return { ok: !issues.some((i) => i.severity === 'error'), strictness: opts.strictness, issues };

  const faces = distinctFaces(a.faces);
  const body = usableBody(a.bodies[0], t.minKeypointScore);
  if (faces.length === 0 && !body) {
    issues.push(issue('no_person', 'error'));
    return { ok: false, strictness: opts.strictness, issues };
  }
  if (faces.length > 1) issues.push(issue('multiple_people', 'error', { faces: faces.length }));
  const face = faces[0];
  if (!face) {
    issues.push(issue('face_not_found', t.faceRequired ? 'error' : 'warning'));
  } else {
    const rel = face.box.height / a.height;
    if (rel < t.minFaceHeight || face.box.height < 32) issues.push(issue('face_too_small', 'error', { face_height: r2(rel), min: t.minFaceHeight }));
    if (Math.abs(face.rotation.yaw) > t.maxYaw) issues.push(issue('head_turned', t.headTurnedIsError ? 'error' : 'warning', { yaw: face.rotation.yaw }));
  }
  if (body) {
    const rel = body.box.height / a.height;
    if (rel < t.minBodyHeight) issues.push(issue('body_too_small', 'error', { body_height: r2(rel), min: t.minBodyHeight }));
    const need = new Set(opts.categories.flatMap((c) => REQUIRED_PARTS[c === 'auto' ? 'tops' : c]));
    const missing = [...need].filter((p) => !body.keypoints.some((k) => k.part === p && k.score >= t.minKeypointScore));
    if (missing.length > 0) issues.push(issue('pose_unusable', 'error', { missing }));
  } else if (opts.categories.length > 0) {
    issues.push(issue('pose_unusable', 'error', { missing: [...new Set(opts.categories.flatMap((c) => REQUIRED_PARTS[c === 'auto' ? 'tops' : c]))] }));
  }
  const qualityBad = issues.some((i) => ['blurry', 'too_dark', 'overexposed'].includes(i.code) && i.severity === 'error');
  if (!qualityBad && faces.length === 1 && face?.age !== null && face?.age !== undefined && face.age < opts.minAge) {
    issues.push(issue('likely_minor', 'error'));
  }
  return { ok: !issues.some((i) => i.severity === 'error'), strictness: opts.strictness, issues };
}
