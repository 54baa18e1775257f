/**
 * The `local` provider: an offline, deterministic try-on preview (sharp + pixel code) — the
 * default when no provider key is set and the last resort otherwise. Not a generative model:
 * 1. the garment is cut out of its packshot by modelling the packshot's background (local-cutout.ts:
 *    a surface fitted to the border, a fill stopped by edges, a soft matte; or the alpha channel);
 * 2. its parts are found from the silhouette (local-shape.ts: torso band, neckline, sleeves);
 * 3. it is placed from the person's body keypoints and face when a `perceive` function is given and
 *    finds the shoulders (local-body.ts, local-placement.ts: the torso between shoulders and hips,
 *    widened over the clothing the person wears; each sleeve along shoulder → elbow → wrist);
 *    otherwise in fixed regions of the photo (tops y 22–55 %, bottoms 50–90 %, one-pieces 22–90 %);
 * 4. it is warped (inverse maps, bilinear) and lit like the scene: the person's luminance at two
 *    scales (prints on their clothing left out) modulates the garment's colour, rounder at the sides;
 * 5. the arms, hands and face are kept in front; a light contact shadow falls on the person;
 * 6. layers: one-pieces, then bottoms, then tops (a top over trousers).
 * Output: JPEG at the person's size, `meta.preview: true`, `meta.engine`. Same inputs → same bytes.
 */
import { workerThread } from '../../../platform/paths.js';
import type { Piscina } from 'piscina';
import { loadSharp } from '../../../platform/images/sharp.js';
import { ProviderError, type GenerateOptions, type TryonInput, type TryonOutput, type TryonProvider } from './types.js';
import { abortError } from './http.js';
import type { ComposeRequest, ComposeResult } from './local-compose.js';
import { BAD_INPUT } from './local-errors.js';
import type { Pose } from './local-body.js';

export { LOCAL_REGIONS, placeGarment } from './local-placement.js';

export type LocalOptions = {
  jpegQuality?: number | undefined;
  /** Body keypoints of the person photo (the perception module); without it, fixed regions. */
  perceive?: ((bytes: Buffer, signal?: AbortSignal) => Promise<Pose | undefined>) | undefined;
  /** Worker threads for the pixel work (0 = on the caller's thread, as unit tests do). */
  threads?: number | undefined;
};

const MODEL = 'local-tryon-v3';
export const LOCAL_ENGINE = 'probador-local';

export function createLocalProvider(opts: LocalOptions = {}): TryonProvider {
  const quality = opts.jpegQuality ?? 90;
  const threads = opts.threads ?? 0;
  // Started on first use; threads retire after a minute idle (sharp and a few MB of JS, quick to start again).
  // piscina itself is imported then too: an API node that never composes does not load it.
  let piscina: Promise<Piscina> | undefined;
  const pool = threads > 0
    ? {
        run: async (req: ComposeRequest, o: { signal: AbortSignal }) => {
          piscina ??= import('piscina').then(({ Piscina }) => new Piscina({
            ...workerThread('modules/tryon/providers/local-worker'),
            minThreads: 0,
            maxThreads: threads,
            idleTimeout: 60_000,
          }));
          return (await piscina).run(req, o) as Promise<ComposeResult>;
        },
      }
    : undefined;
  const check = (signal: AbortSignal) => {
    if (signal.aborted) throw abortError('local', signal);
  };

  async function generate(input: TryonInput, { signal, onProgress }: GenerateOptions): Promise<TryonOutput> {
    check(signal);
    if (input.garments.length < 1 || input.garments.length > 3) {
      throw new ProviderError('local', 'bad_input', `local: 1 to 3 garments per call (got ${input.garments.length})`);
    }
    onProgress?.({ stage: 'processing' });
    // Perception failing (timeout, models off) only costs the pose: fall back to fixed regions.
    const pose = opts.perceive ? await opts.perceive(input.person.bytes, signal).catch(() => undefined) : undefined;
    check(signal);
    const req: ComposeRequest = { person: input.person.bytes, garments: input.garments.map((g) => ({ bytes: g.bytes, category: g.category })), pose, quality };
    let done: ComposeResult;
    try {
      // The pixel code (and sharp) load with the first job, in the thread that runs it.
      done = pool ? await pool.run(req, { signal }) : await (await import('./local-compose.js')).composeTryon(req, signal);
    } catch (e) {
      check(signal);
      const message = (e as Error)?.message ?? String(e);
      if (message.startsWith(BAD_INPUT)) throw new ProviderError('local', 'bad_input', `local: ${message.slice(BAD_INPUT.length)}`, { cause: e });
      throw new ProviderError('local', 'server_error', `local: ${message}`, { cause: e });
    }
    check(signal);
    const image = Buffer.from(done.image.buffer, done.image.byteOffset, done.image.length);
    const placements = done.placements;
    const armsKept = done.armsKept;
    return {
      image,
      contentType: 'image/jpeg',
      model: MODEL,
      costUsd: 0,
      meta: { preview: true, engine: LOCAL_ENGINE, placement: placements.every((p) => p.placement === 'pose') ? 'pose' : 'regions', placements, arms_kept_px: armsKept },
    };
  }

  return {
    name: 'local',
    models: [MODEL],
    maxGarmentsPerCall: 3,
    categories: ['tops', 'bottoms', 'one-pieces', 'auto'],
    generate,
    health: async () => {
      const sharp = await loadSharp();
      return { ok: typeof sharp.versions.vips === 'string', latencyMs: 0, detail: `libvips ${sharp.versions.vips}` };
    },
    estimateCostUsd: () => 0,
  };
}
