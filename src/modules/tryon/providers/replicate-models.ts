/**
 * The try-on models the Replicate adapter knows: how our input maps to each model's inputs,
 * whether it runs as an official model (`POST /v1/models/{owner}/{name}/predictions`) or by a
 * pinned version (`POST /v1/predictions` with `version`), and what one call costs.
 *
 * - prunaai/p-image-try-on (official): person_image, garment_images[] (up to 11, 6 recommended),
 *   reference_pose, prompt, turbo, seed, preserve_input_size, output_format, output_quality;
 *   output: one URI. Price (Pruna): $0.015 first garment + $0.008 each additional; turbo $0.008/garment.
 * - cuuupid/idm-vton (community, version-pinned): human_img, garm_img, garment_des,
 *   category upper_body|lower_body|dresses, crop, seed, steps; output: one URI. Billed by GPU
 *   time; ~$0.025 is our estimate. Licence CC BY-NC-SA (non-commercial): opt-in only.
 */
import type { GarmentCategory, TryonInput } from './types.js';

export type ReplicateImageRefs = { person: string; garments: string[] };

export type ReplicateModel = {
  /** Pinned version hash for community models (run through `POST /v1/predictions`). */
  version?: string;
  maxGarments: number;
  categories: readonly GarmentCategory[];
  priceUsd: (input: TryonInput) => number;
  input: (input: TryonInput, refs: ReplicateImageRefs) => Record<string, unknown>;
};

const IDM_CATEGORY: Record<GarmentCategory, string> = { tops: 'upper_body', bottoms: 'lower_body', 'one-pieces': 'dresses', auto: 'upper_body' };
const IDM_STEPS = { fast: 20, balanced: 30, quality: 40 } as const;

export const REPLICATE_MODELS: Record<string, ReplicateModel> = {
  'prunaai/p-image-try-on': {
    maxGarments: 6,
    categories: ['tops', 'bottoms', 'one-pieces', 'auto'],
    priceUsd: (i) => (i.mode === 'fast' ? 0.008 * i.garments.length : 0.015 + 0.008 * Math.max(0, i.garments.length - 1)),
    input: (i, refs) => ({
      person_image: refs.person,
      garment_images: refs.garments,
      turbo: i.mode === 'fast',
      preserve_input_size: true,
      output_format: 'jpg',
      output_quality: i.mode === 'quality' ? 95 : 90,
      ...(i.seed === undefined ? {} : { seed: i.seed }),
    }),
  },
  'cuuupid/idm-vton': {
    version: '0513734a452173b8173e907e3a59d19a36266e55b48528559432bd21c7d7e985',
    maxGarments: 1,
    categories: ['tops', 'bottoms', 'one-pieces'],
    priceUsd: () => 0.025,
    input: (i, refs) => ({
      human_img: refs.person,
      garm_img: refs.garments[0],
      garment_des: `a ${i.garments[0]?.category === 'bottoms' ? 'pair of trousers or skirt' : i.garments[0]?.category === 'one-pieces' ? 'dress' : 'top'}`,
      category: IDM_CATEGORY[i.garments[0]?.category ?? 'tops'],
      crop: false,
      steps: IDM_STEPS[i.mode],
      ...(i.seed === undefined ? {} : { seed: i.seed }),
    }),
  },
};

/** `owner/name` or `owner/name:version` → the table entry and the version to run (if any). */
export function resolveReplicateModel(id: string): { name: string; model: ReplicateModel; version: string | undefined } | undefined {
  const [name = '', pinned] = id.split(':');
  const model = REPLICATE_MODELS[name];
  if (!model) return undefined;
  return { name, model, version: pinned ?? model.version };
}
