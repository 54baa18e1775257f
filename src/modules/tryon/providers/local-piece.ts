/** A piece of a placed garment (local-placement.ts, local-sleeve.ts): an inverse map over a box of the photo. */
import type { P } from './local-body.js';

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/**
 * Where an output pixel samples the garment, where across its piece it lies (-1…1, for the
 * roundness of the shading; 0 where the piece is not rounded there), and how opaque the piece is there.
 */
export type Mapped = { gx: number; gy: number; across: number; fade: number };
export type Piece = {
  name: 'torso' | 'left-sleeve' | 'right-sleeve' | 'garment';
  /** Bounding box on the photo (inclusive, clamped). */
  left: number;
  top: number;
  right: number;
  bottom: number;
  /** Garment labels this piece samples. */
  labels: number[];
  /** Output pixel → garment; false outside the piece. Writes into `out` (no allocation per pixel). */
  map: (x: number, y: number, out: Mapped) => boolean;
};

/** A bounding box around image points, grown by m and clamped to the photo. */
export function boxOf(points: P[], m: number, W: number, H: number) {
  return {
    left: clamp(Math.floor(Math.min(...points.map((p) => p.x)) - m), 0, W - 1),
    right: clamp(Math.ceil(Math.max(...points.map((p) => p.x)) + m), 0, W - 1),
    top: clamp(Math.floor(Math.min(...points.map((p) => p.y)) - m), 0, H - 1),
    bottom: clamp(Math.ceil(Math.max(...points.map((p) => p.y)) + m), 0, H - 1),
  };
}
