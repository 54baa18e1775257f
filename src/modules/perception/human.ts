/**
 * @vladmandic/human on the WASM backend, with the models shipped in its npm package: BlazeFace +
 * face mesh with iris + age (faceres), and MoveNet Lightning for the body. Loaded once per worker
 * thread and warmed up. The package's exports map does not expose the node-wasm build, so it is
 * required by file path; model files are read from disk through a `fetch` that knows `file://`
 * (this runs inside a worker thread only, so the main thread's fetch is untouched). The backend's
 * own .wasm is read by Emscripten from disk: tfjs-backend-wasm picks the SIMD build, single-threaded
 * (in Node, WASM_HAS_SIMD_SUPPORT is true and WASM_HAS_MULTITHREAD_SUPPORT false; see wasmFlags).
 *
 * The age model is served through a load router that fuses its batch-norm and ReLU6 into the
 * convolutions (fuse-graph.ts): same outputs, half the time.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { io } from '@tensorflow/tfjs-core';
import { asShipped, fuseConvBnRelu6, type ModelJson, type TfForFusion } from './fuse-graph.js';

const require = createRequire(import.meta.url);

/** The part of Human's API used here (its bundled typings do not resolve through the file path). */
export type HumanResult = {
  face: {
    box: [number, number, number, number];
    score: number;
    age?: number;
    rotation?: { angle: { yaw: number; pitch: number; roll: number } } | null;
    mesh: [number, number, number][];
    annotations: Record<string, [number, number, number][]>;
  }[];
  body: { score: number; box: [number, number, number, number]; keypoints: { part: string; position: [number, number]; score: number }[] }[];
};
type Tensor = { dispose: () => void };
export type HumanLike = {
  tf: TfForFusion & {
    tensor3d: (data: Float32Array, shape: [number, number, number], dtype: 'float32') => Tensor;
    getBackend: () => string;
    env: () => { getAsync: (flag: string) => Promise<unknown> };
    io: { registerLoadRouter: (router: (url: string | string[]) => io.IOHandler | null) => void };
  };
  load: () => Promise<void>;
  warmup: () => Promise<unknown>;
  models: { models: Record<string, { artifacts?: { weightData?: unknown } } | null> };
  detect: (input: Tensor, config?: Record<string, unknown>) => Promise<HumanResult>;
};

function patchFetchForFiles() {
  const original = globalThis.fetch;
  if ((original as { probadorFiles?: boolean }).probadorFiles) return;
  const patched = async (url: string | URL | Request, init?: RequestInit) => {
    const u = typeof url === 'string' ? url : url instanceof URL ? url.href : url.url;
    if (u.startsWith('file://')) return new Response(await readFile(new URL(u)), { status: 200 });
    return original(url, init);
  };
  (patched as { probadorFiles?: boolean }).probadorFiles = true;
  globalThis.fetch = patched as typeof fetch;
}

/** Paths inside node_modules, resolved from this file (works from src/ and from dist/). */
export function modelPaths() {
  const humanMain = require.resolve('@vladmandic/human');
  const humanRoot = join(dirname(humanMain), '..');
  const wasmMain = require.resolve('@tensorflow/tfjs-backend-wasm');
  let wasmDist = dirname(wasmMain);
  if (!wasmDist.endsWith('dist')) wasmDist = join(wasmDist, 'dist');
  return {
    build: join(humanRoot, 'dist', 'human.node-wasm.js'),
    models: pathToFileURL(join(humanRoot, 'models')).href + '/',
    wasm: pathToFileURL(wasmDist).href + '/',
  };
}

/** How the face description model (age) was loaded: how many convolutions were fused (0: as shipped). */
export const descriptionModel: { fused: number; error?: string } = { fused: 0 };
const routed = new Set<string>();

/** A graph model's JSON and weights, read from disk. */
async function readGraphModel(url: string): Promise<{ json: ModelJson; weights: ArrayBuffer }> {
  const json = JSON.parse(await readFile(fileURLToPath(url), 'utf8')) as ModelJson;
  const parts = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(fileURLToPath(new URL(p, url)))));
  const bin = Buffer.concat(parts);
  return { json, weights: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) };
}

/**
 * Serves the graph model at `url` with batch-norm and ReLU6 fused into its convolutions
 * (fuse-graph.ts) through a tfjs load router: Human loads the model by that URL as usual and gets
 * the fused graph. Should fusing fail, the model is served as shipped (slower, same results).
 */
function routeFused(tf: HumanLike['tf'], url: string) {
  if (routed.has(url)) return;
  routed.add(url);
  tf.io.registerLoadRouter((u) => {
    if (u !== url) return null;
    return {
      load: async () => {
        const { json, weights } = await readGraphModel(url);
        try {
          const r = await fuseConvBnRelu6(tf, json, weights);
          descriptionModel.fused = r.fused;
          return r.artifacts;
        } catch (e) {
          descriptionModel.error = e instanceof Error ? e.message : String(e);
          return asShipped(json, weights);
        }
      },
    };
  });
}

/** Which build of the WASM backend runs: SIMD, threads (the goal is one core, so threads stay off). */
export async function wasmFlags(h: HumanLike): Promise<{ simd: boolean; threads: boolean }> {
  const [simd, threads] = await Promise.all([h.tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), h.tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')]);
  return { simd: simd === true, threads: threads === true };
}

export async function loadHuman(): Promise<HumanLike> {
  patchFetchForFiles();
  const paths = modelPaths();
  const H = require(paths.build) as { Human: new (config: Record<string, unknown>) => HumanLike };
  const human = new H.Human({
    backend: 'wasm',
    modelBasePath: paths.models,
    wasmPath: paths.wasm,
    debug: false,
    // Still photos, not video: no frame-to-frame caching.
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: true,
      // Up to 4 faces, so "two people" is seen; iris is part of the mesh (478 points).
      detector: { maxDetected: 4, rotation: false, minConfidence: 0.4, skipFrames: 0 },
      mesh: { enabled: true },
      iris: { enabled: true },
      description: { enabled: true },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: true, modelPath: 'movenet-lightning.json', maxDetected: 1, minConfidence: 0.2 },
    hand: { enabled: false },
    gesture: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
  });
  // The age model (faceres) as shipped runs its batch-norm and ReLU6 as separate ops: about half its time.
  routeFused(human.tf, `${paths.models}faceres.json`);
  await human.load();
  await human.warmup();
  releaseWeightSources(human);
  return human;
}

/**
 * tfjs keeps each graph model's source weights (`artifacts.weightData`, 22 MB for these five
 * models, the age model's 13 MB of them) on the model for a later `save()`; the graph runs from its
 * own tensors in the WASM memory, so the copy is dropped once the models are loaded and warm.
 */
function releaseWeightSources(h: HumanLike) {
  for (const m of Object.values(h.models.models)) if (m?.artifacts) m.artifacts.weightData = undefined;
}
