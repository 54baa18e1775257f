/**
 * Hair: a band above the forehead (0.12–0.35 face heights above mesh point 10, 0.6 face widths
 * across, along the head's own up direction), clustered into three colours (k-means in CIELAB);
 * clusters that look like the skin or like the backdrop (the picture's top corners, when they
 * agree) are set aside, and the largest cluster left — if it holds at least a quarter of the band —
 * is the hair. Bald heads, hats and hair the colour of the wall give none.
 */
import { de, medianLab, type Lab } from './colour.js';
import { dist, pixelsIn, type Img, type Pt } from './geometry.js';
import { labsAt, type Gains } from './sample.js';

function kmeans(xs: Lab[], k: number, iterations = 12): { centre: Lab; members: Lab[] }[] {
  const sorted = [...xs].sort((p, q) => p.l - q.l);
  let centres: Lab[] = Array.from({ length: k }, (_, i) => sorted[Math.floor(((i + 0.5) / k) * (sorted.length - 1))]!);
  let groups: Lab[][] = [];
  for (let it = 0; it < iterations; it++) {
    groups = centres.map(() => []);
    for (const x of xs) {
      let best = 0;
      let bestD = Infinity;
      centres.forEach((c, i) => {
        const d = (x.l - c.l) ** 2 + (x.a - c.a) ** 2 + (x.b - c.b) ** 2;
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      });
      groups[best]!.push(x);
    }
    centres = groups.map((g, i) => (g.length ? { l: g.reduce((a, p) => a + p.l, 0) / g.length, a: g.reduce((a, p) => a + p.a, 0) / g.length, b: g.reduce((a, p) => a + p.b, 0) / g.length } : centres[i]!));
  }
  return centres.map((centre, i) => ({ centre, members: groups[i]! }));
}

function cornerBackdrop(img: Img, gains: Gains): Lab | null {
  const w = Math.max(4, Math.round(img.width * 0.06));
  const h = Math.max(4, Math.round(img.height * 0.06));
  const patch = (x0: number) =>
    medianLab(
      labsAt(
        img,
        pixelsIn(img, [
          { x: x0, y: 0 },
          { x: x0 + w, y: 0 },
          { x: x0 + w, y: h },
          { x: x0, y: h },
        ], { max: 200 }),
        gains,
      ),
    );
  const left = patch(0);
  const right = patch(img.width - w);
  return de(left, right) < 6 ? medianLab([left, right]) : null;
}

export function sampleHair(img: Img, mesh: Pt[], skin: Lab | null, gains: Gains): { lab: Lab; share: number } | null {
  const top = mesh[10]!;
  const chin = mesh[152]!;
  const H = dist(top, chin);
  const W = dist(mesh[234]!, mesh[454]!);
  if (H < 8 || W < 8) return null;
  const up = { x: (top.x - chin.x) / H, y: (top.y - chin.y) / H };
  const across = { x: -up.y, y: up.x };
  const at = (h: number, s: number): Pt => ({ x: top.x + up.x * h * H + across.x * s * W, y: top.y + up.y * h * H + across.y * s * W });
  const band = [at(0.12, -0.3), at(0.12, 0.3), at(0.35, 0.3), at(0.35, -0.3)];
  const px = pixelsIn(img, band, { max: 1500 });
  if (px.length < 30) return null;
  const labs = labsAt(img, px, gains);
  const backdrop = cornerBackdrop(img, gains);
  const clusters = kmeans(labs, 3)
    .filter((c) => c.members.length > 0)
    .filter((c) => !(skin && de(c.centre, skin) < 10))
    .filter((c) => !(backdrop && de(c.centre, backdrop) < 8))
    .sort((p, q) => q.members.length - p.members.length);
  const hair = clusters[0];
  if (!hair || hair.members.length < labs.length * 0.25) return null;
  return { lab: medianLab(hair.members), share: hair.members.length / labs.length };
}
