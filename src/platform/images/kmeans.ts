/**
 * A small deterministic k-means over 3-D points (colours in CIELAB, Euclidean distance = ΔE76):
 * the local try-on engine clusters a packshot's border and a person's clothing with it, the style
 * module a garment's pixels.
 */

/**
 * Up to k colour clusters of Lab points: deterministic k-means (6 rounds) from a farthest-point start
 * (the middle point first; no new centre closer than `minGap` ΔE to the others), with their shares.
 */
export function kMeans(pts: [number, number, number][], k: number, minGap = 8): { lab: [number, number, number]; share: number }[] {
  const centres: [number, number, number][] = [[...pts[pts.length >> 1]!]];
  while (centres.length < k) {
    let far = pts[0]!;
    let farD = -1;
    for (const q of pts) {
      const d = Math.min(...centres.map((c) => Math.hypot(q[0] - c[0], q[1] - c[1], q[2] - c[2])));
      if (d > farD) {
        farD = d;
        far = q;
      }
    }
    if (farD < minGap) break;
    centres.push([...far]);
  }
  const counts = new Array<number>(centres.length).fill(0);
  for (let it = 0; it < 6; it++) {
    const sums = centres.map(() => [0, 0, 0]);
    counts.fill(0);
    for (const q of pts) {
      let best = 0;
      let bestD = Infinity;
      centres.forEach((c, i) => {
        const d = Math.hypot(q[0] - c[0], q[1] - c[1], q[2] - c[2]);
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      });
      counts[best]!++;
      for (let c = 0; c < 3; c++) sums[best]![c]! += q[c]!;
    }
    centres.forEach((c, i) => {
      if (counts[i]) for (let j = 0; j < 3; j++) c[j] = sums[i]![j]! / counts[i]!;
    });
  }
  return centres.map((lab, i) => ({ lab, share: counts[i]! / pts.length }));
}
