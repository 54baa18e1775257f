/** Percentiles from a log-bucket latency histogram (bucket b = [base^b, base^(b+1)) ms). */
import { LATENCY_BASE } from './rollup.js';

export function percentile(hist: Map<number, number>, q: number): number | null {
  let total = 0;
  for (const n of hist.values()) total += n;
  if (total === 0) return null;
  const target = q * total;
  let cum = 0;
  for (const b of [...hist.keys()].sort((x, y) => x - y)) {
    const n = hist.get(b)!;
    if (cum + n >= target) {
      if (b < 0) return 0;
      // Geometric interpolation inside the bucket.
      const frac = n === 0 ? 0 : Math.min(1, Math.max(0, (target - cum) / n));
      return Math.round(LATENCY_BASE ** (b + frac));
    }
    cum += n;
  }
  return null;
}
