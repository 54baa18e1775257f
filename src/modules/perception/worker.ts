/**
 * The perception worker thread (run by piscina): Human is loaded once per thread and kept warm.
 * A task decodes the photo (sharp), scales it to ≤ 1024 px for the models, detects faces and the
 * body, measures the image and returns plain data in the photo's own pixel coordinates.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { descriptionModel, loadHuman, wasmFlags, type HumanLike, type HumanResult } from './human.js';
import { measureRgb } from './measures.js';
import { BODY_PARTS, type Analysis, type AnalysisLevel, type Body, type BodyPart, type Face, type Point } from './types.js';
import { configureSharp } from '../../platform/images/sharp.js';

configureSharp(sharp);

export const DETECT_SIDE = 1024;

export type WorkerTask = { op: 'analyze'; image: Uint8Array; level?: AnalysisLevel } | { op: 'status' } | { op: 'memory' };
export type WorkerStatus = {
  ok: boolean;
  error?: string;
  backend?: string;
  loadMs?: number;
  /** The WASM backend's build: SIMD and threads (the SIMD build, one thread, is expected). */
  wasm?: { simd: boolean; threads: boolean };
  /** Convolutions of the age model fused at load (0: it runs as shipped), and why not, if it failed. */
  ageModel?: { fused: number; error?: string };
};

let loading: Promise<HumanLike> | undefined;
let loadMs: number | undefined;
let loadError: string | undefined;

function human(): Promise<HumanLike> {
  if (!loading) {
    const t0 = performance.now();
    loading = loadHuman().then(
      (h) => {
        loadMs = Math.round(performance.now() - t0);
        return h;
      },
      (e: unknown) => {
        loadError = e instanceof Error ? e.message : String(e);
        throw e;
      },
    );
  }
  return loading;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/**
 * CPU time of this thread so far, in ms (Linux: utime + stime of /proc/thread-self/stat, 10 ms
 * ticks), or undefined elsewhere. Unlike wall time it does not grow when other processes share the cores.
 */
function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
const deg = (rad: number) => r1((rad * 180) / Math.PI);

function centre(points: [number, number, number][] | undefined, s: number): Point | null {
  if (!points || points.length === 0) return null;
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p[0];
    y += p[1];
  }
  return { x: r1((x / points.length) * s), y: r1((y / points.length) * s) };
}

function toFace(f: HumanResult['face'][number], s: number): Face {
  const a = f.annotations;
  const eye = (side: 'left' | 'right') => centre([...(a[`${side}EyeUpper0`] ?? []), ...(a[`${side}EyeLower0`] ?? [])], s) ?? { x: 0, y: 0 };
  const iris = (side: 'left' | 'right') => centre(a[`${side}EyeIris`]?.slice(0, 1), s);
  return {
    box: { x: r1(f.box[0] * s), y: r1(f.box[1] * s), width: r1(f.box[2] * s), height: r1(f.box[3] * s) },
    score: Math.round(f.score * 1000) / 1000,
    age: typeof f.age === 'number' && f.age > 0 ? r1(f.age) : null,
    rotation: f.rotation ? { yaw: deg(f.rotation.angle.yaw), pitch: deg(f.rotation.angle.pitch), roll: deg(f.rotation.angle.roll) } : { yaw: 0, pitch: 0, roll: 0 },
    mesh: f.mesh.map((p) => [r1(p[0] * s), r1(p[1] * s), r1(p[2])]),
    landmarks: {
      leftEye: eye('left'),
      rightEye: eye('right'),
      leftIris: iris('left'),
      rightIris: iris('right'),
      noseTip: centre(a.noseTip, s) ?? { x: 0, y: 0 },
      mouth: centre([...(a.lipsUpperOuter ?? []), ...(a.lipsLowerOuter ?? [])], s) ?? { x: 0, y: 0 },
    },
  };
}

const finite = (...v: number[]) => v.every(Number.isFinite);

/**
 * A detected body, or undefined when there is none to speak of. MoveNet always answers one
 * "body"; on a photo with no person its keypoints score ~0 and Human's box over the keypoints
 * it kept is min/max of nothing: ±Infinity (a flat grey, a packshot, a 1-pixel strip …). Such a
 * body is dropped — the photo then has no person, which the pre-check reports as `no_person` —
 * and a box that is not finite is rebuilt from the finite keypoints.
 */
function toBody(b: HumanResult['body'][number], s: number): Body | undefined {
  const keypoints = b.keypoints
    .filter((k) => (BODY_PARTS as readonly string[]).includes(k.part) && finite(k.position[0], k.position[1], k.score))
    .map((k) => ({ part: k.part as BodyPart, x: r1(k.position[0] * s), y: r1(k.position[1] * s), score: Math.round(k.score * 1000) / 1000 }));
  if (keypoints.length === 0 || !finite(b.score)) return undefined;
  let box = { x: r1(b.box[0] * s), y: r1(b.box[1] * s), width: r1(b.box[2] * s), height: r1(b.box[3] * s) };
  if (!finite(box.x, box.y, box.width, box.height)) {
    const xs = keypoints.map((k) => k.x);
    const ys = keypoints.map((k) => k.y);
    box = { x: Math.min(...xs), y: Math.min(...ys), width: r1(Math.max(...xs) - Math.min(...xs)), height: r1(Math.max(...ys) - Math.min(...ys)) };
  }
  return { score: Math.round(b.score * 1000) / 1000, box, keypoints };
}

/**
 * The photo's bytes as float32 (0–255, what the models take), in one array kept for the thread's
 * life: a new 12 MB array per photo cost 5–35 ms in allocation and page faults, more than the
 * copy. The backend copies the values into its own memory when the tensor is made, so the array
 * is free again as soon as `tensor3d` returns.
 */
let floats = new Float32Array(0);
function pixelsAsFloats(bytes: Uint8Array): Float32Array {
  if (floats.length < bytes.length) floats = new Float32Array(bytes.length);
  const view = floats.subarray(0, bytes.length);
  view.set(bytes);
  return view;
}

export async function analyze(image: Uint8Array, level: AnalysisLevel = 'full'): Promise<Analysis> {
  // Without models (they failed to load) the image measures still work.
  return analyzeImage(image, await human().catch(() => undefined), level);
}

/** Decode, detect (when `h` is given) and measure. Also used on the main thread with no models. */
export async function analyzeImage(image: Uint8Array, h: HumanLike | undefined, level: AnalysisLevel = 'full'): Promise<Analysis> {
  const t0 = performance.now();
  const cpu0 = threadCpuMs();
  const { data, info } = await sharp(image, { limitInputPixels: 100_000_000 })
    .rotate()
    .resize({ width: DETECT_SIDE, height: DETECT_SIDE, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const meta = await sharp(image).metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  const original = { width: (swap ? meta.height : meta.width) ?? info.width, height: (swap ? meta.width : meta.height) ?? info.height };
  const s = original.width / info.width;
  const t1 = performance.now();
  let result: HumanResult = { face: [], body: [] };
  if (h) {
    const tensor = h.tf.tensor3d(pixelsAsFloats(data), [info.height, info.width, 3], 'float32');
    try {
      // Both switches every call: Human keeps per-call settings for the next call.
      result = await h.detect(tensor, { face: { enabled: level !== 'body', description: { enabled: level === 'full' } }, body: { enabled: level !== 'mesh' } });
    } finally {
      tensor.dispose();
    }
  }
  const t2 = performance.now();
  // The main face: the most confident (to 0.1), then the largest.
  const order = (x: HumanResult['face'][number], y: HumanResult['face'][number]) => Math.round(y.score * 10) - Math.round(x.score * 10) || y.box[2] * y.box[3] - x.box[2] * x.box[3];
  // A face whose box or score is not finite is no face (see toBody for the bodies).
  const faces = result.face.filter((f) => finite(f.score, ...f.box)).sort(order);
  const main = faces[0];
  const faceBox = main ? { x: main.box[0], y: main.box[1], width: main.box[2], height: main.box[3] } : undefined;
  const measures = await measureRgb(data, info.width, info.height, original, faceBox);
  const t3 = performance.now();
  return {
    width: original.width,
    height: original.height,
    level,
    models: h !== undefined,
    faces: faces.map((f) => toFace(f, s)),
    bodies: result.body.map((b) => toBody(b, s)).filter((b): b is Body => b !== undefined),
    measures,
    timings: { decodeMs: r1(t1 - t0), detectMs: r1(t2 - t1), totalMs: r1(t3 - t0), ...(cpu0 !== undefined ? { cpuMs: (threadCpuMs() ?? cpu0) - cpu0 } : {}) },
  };
}

export async function status(): Promise<WorkerStatus> {
  try {
    const h = await human();
    const backend = h.tf.getBackend();
    return { ok: true, backend, ...(backend === 'wasm' ? { wasm: await wasmFlags(h) } : {}), ageModel: { ...descriptionModel }, ...(loadMs !== undefined ? { loadMs } : {}) };
  } catch {
    return { ok: false, error: loadError ?? 'the models could not be loaded' };
  }
}

/** piscina's entry point. */
export default async function run(task: WorkerTask): Promise<unknown> {
  if (task.op === 'analyze') return analyze(task.image, task.level);
  if (task.op === 'memory') return process.memoryUsage();
  return status();
}
