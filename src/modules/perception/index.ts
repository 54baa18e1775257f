/**
 * Perception: faces (box, 478-point mesh with iris, head rotation, age), body keypoints and image
 * measures, computed in worker threads (pool.ts) so the API's event loop never runs a model.
 * Used by the photo pre-check (`POST /v1/photo-checks` and try-on intake), the local try-on engine
 * (body pose) and the fidelity check of results. Other modules use only what this file exports.
 *
 * With PROBADOR_PERCEPTION_THREADS=0, or when the models cannot load, the server still runs: the
 * pre-check checks image measures only, the local engine places garments in fixed regions and
 * results get no fidelity score; the start-up log says so.
 */
import { createHash } from 'node:crypto';
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { createPerceptionPool, type PerceptionPool } from './pool.js';
import { checkAnalysis, distinctFaces, type Category, type CheckResult, type Strictness } from './precheck.js';
import type { Fidelity } from './fidelity.js';
import { photoCheckRoutes, type UploadReader } from './routes.js';
import { COVERED_BY, type Analysis, type AnalysisLevel, type Body, type Box, type PerceptionStatus, type Point } from './types.js';

export type PerceptionPorts = {
  getTenant: (tenantId: string) => Promise<{ settings: Record<string, unknown> }>;
};

export type PhotoCheckOutcome = CheckResult & { analysis: Analysis; categories: Category[]; tookMs: number };

export type PerceptionOptions = {
  /**
   * Load the models at start-up (true) or on first use (false). The models take ~100 MB per
   * thread, so an API-only node loads them only once it is asked to check a photo.
   */
  preload?: boolean;
};

export function createPerceptionModule(deps: Deps, ports: PerceptionPorts, opts: PerceptionOptions = {}) {
  const { config, log } = deps;
  const threads = config.perception.threads;
  const idleMs = config.perception.idleSeconds * 1000;
  const preload = opts.preload ?? true;
  let pool: PerceptionPool | undefined;
  let state: PerceptionStatus = threads === 0 ? { models: 'off', threads, reason: 'PROBADOR_PERCEPTION_THREADS=0' } : { models: preload ? 'loading' : 'standby', threads };
  let warming: Promise<PerceptionStatus> | undefined;
  // Idle retirement: after idleMs without a task the threads (and their models) are released and
  // loaded again on the next use. Tasks in flight keep the pool.
  let inFlight = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const cancelIdleRelease = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
  };
  const scheduleIdleRelease = () => {
    if (idleMs <= 0 || inFlight > 0 || !pool) return;
    idleTimer = setTimeout(() => void retire(), idleMs);
    idleTimer.unref();
  };
  async function retire() {
    if (inFlight > 0 || !pool || !warming) return;
    const p = pool;
    pool = undefined;
    warming = undefined;
    state = { models: 'standby', threads };
    log.info({ perception: state }, `perception: models released after ${config.perception.idleSeconds} s without use; they load again on the next photo`);
    await p.close().catch(() => undefined);
  }
  // Recent analyses by image hash: the widget's check and the try-on intake see the same photo.
  // On the platform cache (`perception.analyses`: figures for operators; with Redis shared by the
  // nodes, so the intake on one node reuses the check made on another). An analysis made with
  // the models off is not reused once they are on.
  const recent = deps.caches.create<Analysis>({ namespace: 'perception.analyses', ttlMs: 10 * 60_000, maxEntries: 32 });

  function warm(): Promise<PerceptionStatus> {
    if (threads === 0) {
      warming ??= (async () => {
        log.info({ perception: state }, 'perception: models are OFF (PROBADOR_PERCEPTION_THREADS=0); photo pre-check checks image quality only, the local try-on uses fixed placement, results get no fidelity score');
        return state;
      })();
      return warming;
    }
    warming ??= (async () => {
      state = { models: 'loading', threads };
      try {
        pool = await createPerceptionPool(threads);
        const s = await pool.warm();
        state = s.ok ? { models: 'ready', threads, backend: s.backend, loadMs: s.loadMs } : { models: 'off', threads, reason: s.error ?? 'the models could not be loaded' };
      } catch (e) {
        state = { models: 'off', threads, reason: (e as Error).message };
      }
      if (state.models === 'ready') log.info({ perception: state }, `perception: face and body models ready (${state.backend}, ${threads} thread(s), loaded in ${state.loadMs ?? '?'} ms)`);
      else log.warn({ perception: state }, `perception: models are OFF (${state.reason}); photo pre-check checks image quality only, the local try-on uses fixed placement, results get no fidelity score`);
      return state;
    })();
    return warming;
  }

  async function analyze(bytes: Buffer, signal?: AbortSignal, level: AnalysisLevel = 'full'): Promise<Analysis> {
    const key = createHash('sha256').update(bytes).digest('base64url');
    const hit = await recent.get(key);
    if (hit && COVERED_BY[level].includes(hit.level) && (hit.models || state.models !== 'ready')) return hit;
    inFlight++;
    cancelIdleRelease();
    try {
      const s = await warm();
      const timeout = AbortSignal.timeout(config.perception.timeoutMs);
      const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
      const a = s.models === 'ready' && pool ? await pool.analyze(bytes, sig, level) : await (await import('./worker.js')).analyzeImage(bytes, undefined, level); // image measures only, on this thread
      await recent.set(key, a);
      return a;
    } finally {
      inFlight--;
      scheduleIdleRelease();
    }
  }

  function strictnessOf(settings: Record<string, unknown>): Strictness {
    const p = settings.precheck as { strictness?: unknown } | undefined;
    const s = p && typeof p === 'object' ? p.strictness : undefined;
    return s === 'off' || s === 'lenient' || s === 'standard' || s === 'strict' ? s : config.perception.precheckDefault;
  }

  async function checkPhoto(tenantId: string, bytes: Buffer, categories: Category[], signal?: AbortSignal): Promise<PhotoCheckOutcome> {
    const tenant = await ports.getTenant(tenantId);
    return checkWith(tenant.settings, bytes, categories, signal);
  }

  async function checkWith(settings: Record<string, unknown>, bytes: Buffer, categories: Category[], signal?: AbortSignal): Promise<PhotoCheckOutcome> {
    const t0 = performance.now();
    const strictness = strictnessOf(settings);
    const cats: Category[] = categories.length ? categories : ['tops'];
    const analysis = await analyze(bytes, signal);
    const r = checkAnalysis(analysis, { strictness, categories: cats, minAge: config.perception.minAge });
    return { ...r, analysis, categories: cats, tookMs: Math.round(performance.now() - t0) };
  }

  /**
   * The try-on intake's check: undefined when the tenant's strictness is `off` (nothing analysed)
   * or perception failed (timeout, crash — logged; the try-on goes ahead rather than fail on us).
   * The caller passes the tenant it already holds and a loader, so a tenant whose strictness is
   * `off` costs neither a tenant read nor a blob read.
   */
  async function precheck(tenant: { id: string; settings: Record<string, unknown> }, loadBytes: () => Promise<Buffer>, categories: Category[]): Promise<PhotoCheckOutcome | undefined> {
    if (strictnessOf(tenant.settings) === 'off') return undefined;
    try {
      const bytes = await loadBytes();
      if (bytes.length === 0) return undefined;
      return await checkWith(tenant.settings, bytes, categories);
    } catch (err) {
      log.warn({ err, tenant_id: tenant.id }, 'photo pre-check failed; the try-on goes ahead unchecked');
      return undefined;
    }
  }

  /**
   * Body keypoints of the main person and the box and chin (mesh point 152) of the largest face, for
   * the local try-on engine (undefined when unknown). The `faces` level: the engine keeps the face
   * clear of the garment and sets the neckline below the chin; a pre-check at `full` level is reused.
   */
  async function bodyPose(bytes: Buffer, signal?: AbortSignal): Promise<(Body & { face?: { box: Box; chin?: Point | undefined } }) | undefined> {
    const s = await warm();
    if (s.models !== 'ready') return undefined;
    const a = await analyze(bytes, signal, 'faces');
    const body = a.bodies[0];
    if (!body) return undefined;
    const face = a.faces.reduce<Analysis['faces'][number] | undefined>((best, f) => (!best || f.box.width * f.box.height > best.box.width * best.box.height ? f : best), undefined);
    const chin = face?.mesh[152];
    return face ? { ...body, face: { box: face.box, chin: chin ? { x: chin[0], y: chin[1] } : undefined } } : body;
  }

  /** How well a result kept the input person; null score when perception is off or no person was found. */
  async function resultFidelity(before: Buffer, after: Buffer, signal?: AbortSignal): Promise<Fidelity | undefined> {
    const s = await warm();
    if (s.models !== 'ready') return undefined;
    const [a, b] = [await analyze(before, signal, 'faces'), await analyze(after, signal, 'faces')];
    const { fidelity } = await import('./fidelity.js');
    return fidelity({ bytes: before, analysis: a }, { bytes: after, analysis: b });
  }

  return {
    warm,
    status: () => state,
    analyze,
    checkPhoto,
    precheck,
    strictnessOf,
    bodyPose,
    resultFidelity,
    distinctFaces,
    registerRoutes(app: App, readUpload: UploadReader) {
      photoCheckRoutes(app, { config, checkPhoto, status: () => state, readUpload });
    },
    /** Worker threads' memory (heap of each isolate; WASM memory counts in arrayBuffers/external). */
    memory: () => pool?.memory() ?? Promise.resolve([]),
    /** Loads the models now unless they load on first use (see PerceptionOptions.preload). */
    start() {
      if (preload) void warm().then(scheduleIdleRelease);
      else if (threads > 0) log.info({ perception: state }, 'perception: face and body models load on first use (PROBADOR_PERCEPTION_LOAD)');
    },
    async close() {
      cancelIdleRelease();
      await pool?.close();
      pool = undefined;
    },
  };
}

export type PerceptionModule = ReturnType<typeof createPerceptionModule>;
export type { Analysis, Body, Face, Keypoint, PerceptionStatus } from './types.js';
export type { Category, CheckResult, Issue, Strictness } from './precheck.js';
export type { Fidelity } from './fidelity.js';
/** Faces that are separate people (not a second detection of the main face), for other modules' own checks. */
export { distinctFaces } from './precheck.js';
