/** What perception reports about a photo. Coordinates are pixels of the photo as given (after EXIF rotation). */

export type Point = { x: number; y: number };
export type Box = { x: number; y: number; width: number; height: number };

export const BODY_PARTS = [
  'nose',
  'leftEye',
  'rightEye',
  'leftEar',
  'rightEar',
  'leftShoulder',
  'rightShoulder',
  'leftElbow',
  'rightElbow',
  'leftWrist',
  'rightWrist',
  'leftHip',
  'rightHip',
  'leftKnee',
  'rightKnee',
  'leftAnkle',
  'rightAnkle',
] as const;
export type BodyPart = (typeof BODY_PARTS)[number];

export type Keypoint = { part: BodyPart; x: number; y: number; score: number };

export type Face = {
  box: Box;
  /** Detector confidence, 0–1. */
  score: number;
  /** Estimated age in years (about ±5); null when the age model is off. */
  age: number | null;
  /** Head rotation in degrees. */
  rotation: { yaw: number; pitch: number; roll: number };
  /** 478 points (468 face mesh + 10 iris), [x, y, z] each; z is relative depth. */
  mesh: [number, number, number][];
  /** Centres of a few landmarks taken from the mesh. */
  landmarks: { leftEye: Point; rightEye: Point; leftIris: Point | null; rightIris: Point | null; noseTip: Point; mouth: Point };
};

export type Body = { score: number; box: Box; keypoints: Keypoint[] };

export type ImageMeasures = {
  width: number;
  height: number;
  /** Variance of the Laplacian of the grey image at 512 px on the long side: low = blurred. */
  sharpness: number;
  /** Mean brightness 0–255 (Rec. 601 luma). */
  brightness: number;
  /** Fractions of pixels crushed to black (≤ 8) and blown to white (≥ 247). */
  clippedDark: number;
  clippedBright: number;
  /** Mean CIELAB a*, b* of the photo and their length (grey-world colour cast). */
  cast: { a: number; b: number; magnitude: number };
  /** The same exposure figures inside the main face's box (null without a face). */
  face: { brightness: number; clippedDark: number; clippedBright: number } | null;
};

/**
 * What to run: `full` (faces with mesh, iris and age + body), `faces` (no age), `mesh` (faces with
 * mesh and iris only: no body, no age — the style analyser's level), `body` (no faces).
 */
export type AnalysisLevel = 'full' | 'faces' | 'mesh' | 'body';
/** The levels whose analysis answers a request at each level (an analysis made at a richer level serves a cheaper one). */
export const COVERED_BY: Record<AnalysisLevel, readonly AnalysisLevel[]> = {
  full: ['full'],
  faces: ['faces', 'full'],
  mesh: ['mesh', 'faces', 'full'],
  body: ['body', 'faces', 'full'],
};

export type Analysis = {
  level: AnalysisLevel;
  width: number;
  height: number;
  /** false when the face/body models are off: only `measures` is meaningful then. */
  models: boolean;
  faces: Face[];
  bodies: Body[];
  measures: ImageMeasures;
  /** Wall times, and the worker thread's CPU time for the task (Linux; 10 ms resolution). */
  timings: { decodeMs: number; detectMs: number; totalMs: number; cpuMs?: number | undefined };
};

export type PerceptionStatus = {
  /** Face and body models loaded and warm; `standby`: not loaded now, loaded on first use. */
  models: 'ready' | 'loading' | 'standby' | 'off';
  /** Why the models are off, when they are. */
  reason?: string | undefined;
  backend?: string | undefined;
  threads: number;
  loadMs?: number | undefined;
};
