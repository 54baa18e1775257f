/**
 * @vladmandic/human on the WASM backend, with the models shipped in its npm package: BlazeFace +
 * face mesh with iris + age (faceres), and MoveNet Lightning for the body. Loaded once per worker
 * thread and warmed up. The package's exports map does not expose the node-wasm build, so it is
 * required by file path; model and wasm files are read from disk through a `fetch` that knows
 * `file://` (this runs inside a worker thread only, so the main thread's fetch is untouched).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

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
  tf: { tensor3d: (data: Uint8Array, shape: [number, number, number], dtype: 'int32') => Tensor; getBackend: () => string };
  load: () => Promise<void>;
  warmup: () => Promise<unknown>;
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
  await human.load();
  await human.warmup();
  return human;
}
