/**
 * A white card or sheet of paper held in the picture: a large, bright, low-chroma, uniform region
 * outside the face that is shaped like a card (fills most of its bounding box, not a long strip,
 * wholly inside the frame rather than a wall behind the person, clearly brighter than what
 * surrounds it). Found on a grid of blocks (~64 on the long side): each block's mean colour and
 * luma spread, candidate blocks joined into components when their colours agree, the largest
 * component that passes the shape tests wins.
 */
import { LINEAR, de, linearToLab, median, type Lab } from './colour.js';
import type { Img } from './geometry.js';

export type Card = {
  /** Linear RGB of the card (median of its inner blocks). */
  linear: [number, number, number];
  lab: Lab;
  /** Its box in pixels. */
  box: { x: number; y: number; width: number; height: number };
  /** Fraction of the picture it covers. */
  area: number;
};

const MIN_L = 60;
const MAX_CHROMA = 16;
const MAX_LUMA_SD = 6;
const NEIGHBOUR_DE = 5;
/** How much darker (8-bit luma) the surroundings must be than the card. */
const MIN_EDGE_STEP = 12;

export function findCard(img: Img, avoid: { x: number; y: number; width: number; height: number } | null): Card | null {
  const { rgb, width, height } = img;
  const B = Math.max(4, Math.round(Math.max(width, height) / 64));
  const gw = Math.floor(width / B);
  const gh = Math.floor(height / B);
  if (gw < 4 || gh < 4) return null;
  const n = gw * gh;
  const cand = new Uint8Array(n);
  const labs: (Lab | undefined)[] = new Array(n);
  const lin: ([number, number, number] | undefined)[] = new Array(n);
  const luma = new Float64Array(n);
  for (let by = 0; by < gh; by++) {
    for (let bx = 0; bx < gw; bx++) {
      const x0 = bx * B;
      const y0 = by * B;
      if (avoid && x0 + B > avoid.x && x0 < avoid.x + avoid.width && y0 + B > avoid.y && y0 < avoid.y + avoid.height) continue;
      let r = 0;
      let g = 0;
      let b = 0;
      let s = 0;
      let s2 = 0;
      let clipped = false;
      for (let y = y0; y < y0 + B; y++) {
        let i = (y * width + x0) * 3;
        for (let x = 0; x < B; x++, i += 3) {
          const R = rgb[i]!;
          const G = rgb[i + 1]!;
          const Bl = rgb[i + 2]!;
          if (R >= 253 || G >= 253 || Bl >= 253) clipped = true;
          r += LINEAR[R]!;
          g += LINEAR[G]!;
          b += LINEAR[Bl]!;
          const y8 = 0.299 * R + 0.587 * G + 0.114 * Bl;
          s += y8;
          s2 += y8 * y8;
        }
      }
      const k = B * B;
      luma[by * gw + bx] = s / k;
      if (clipped) continue;
      const sd = Math.sqrt(Math.max(0, s2 / k - (s / k) ** 2));
      if (sd > MAX_LUMA_SD) continue;
      const m: [number, number, number] = [r / k, g / k, b / k];
      const lab = linearToLab(...m);
      if (lab.l < MIN_L || Math.hypot(lab.a, lab.b) > MAX_CHROMA) continue;
      const idx = by * gw + bx;
      cand[idx] = 1;
      labs[idx] = lab;
      lin[idx] = m;
    }
  }
  // Components of candidate blocks whose colours agree with their neighbour's.
  const comp = new Int32Array(n).fill(-1);
  let best: { blocks: number[]; bx0: number; by0: number; bx1: number; by1: number } | null = null;
  const stack: number[] = [];
  let id = 0;
  for (let start = 0; start < n; start++) {
    if (!cand[start] || comp[start] !== -1) continue;
    const blocks: number[] = [];
    comp[start] = id;
    stack.push(start);
    let bx0 = gw;
    let by0 = gh;
    let bx1 = -1;
    let by1 = -1;
    while (stack.length) {
      const c = stack.pop()!;
      blocks.push(c);
      const cx = c % gw;
      const cy = (c - cx) / gw;
      bx0 = Math.min(bx0, cx);
      bx1 = Math.max(bx1, cx);
      by0 = Math.min(by0, cy);
      by1 = Math.max(by1, cy);
      for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
        const nx = cx + dx;
        const ny = cy + dy;
        if (nx < 0 || ny < 0 || nx >= gw || ny >= gh) continue;
        const nb = ny * gw + nx;
        if (!cand[nb] || comp[nb] !== -1) continue;
        if (de(labs[c]!, labs[nb]!) > NEIGHBOUR_DE) continue;
        comp[nb] = id;
        stack.push(nb);
      }
    }
    id++;
    const bw = bx1 - bx0 + 1;
    const bh = by1 - by0 + 1;
    const borders = Number(bx0 === 0) + Number(by0 === 0) + Number(bx1 === gw - 1) + Number(by1 === gh - 1);
    const fill = blocks.length / (bw * bh);
    const aspect = Math.max(bw, bh) / Math.min(bw, bh);
    const area = blocks.length / n;
    if (blocks.length < 6 || area < 0.006 || area > 0.3 || fill < 0.65 || aspect > 3.2 || borders > 0) continue;
    // An object against its background: the blocks around it are clearly darker.
    const inCard = new Set(blocks);
    const ring = new Set<number>();
    for (const c of blocks) for (const nb of [c - 1, c + 1, c - gw, c + gw]) if (nb >= 0 && nb < n && !inCard.has(nb)) ring.add(nb);
    if (median([...ring].map((c) => luma[c]!)) > median(blocks.map((c) => luma[c]!)) - MIN_EDGE_STEP) continue;
    if (!best || blocks.length > best.blocks.length) best = { blocks, bx0, by0, bx1, by1 };
  }
  if (!best) return null;
  // The inner blocks (all four neighbours in the card) carry no edge; fall back to all blocks.
  const set = new Set(best.blocks);
  const inner = best.blocks.filter((c) => set.has(c - 1) && set.has(c + 1) && set.has(c - gw) && set.has(c + gw));
  const use = inner.length >= 3 ? inner : best.blocks;
  const linear: [number, number, number] = [median(use.map((c) => lin[c]![0])), median(use.map((c) => lin[c]![1])), median(use.map((c) => lin[c]![2]))];
  return {
    linear,
    lab: linearToLab(...linear),
    box: { x: best.bx0 * B, y: best.by0 * B, width: (best.bx1 - best.bx0 + 1) * B, height: (best.by1 - best.by0 + 1) * B },
    area: best.blocks.length / n,
  };
}
