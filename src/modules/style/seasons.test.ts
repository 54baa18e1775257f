/** The season classifier shared by every colour answer (photo, quiz, Gemini, fusion). */
import { describe, expect, it } from 'vitest';
import { SEASONS_12 } from '../../../contracts/style.js';
import { PARENT, PROTOTYPES, classify, fuseAxes } from './seasons.js';

describe('season classifier', () => {
  it('puts each prototype in its own season, with the 4-season parent and a clear margin', () => {
    for (const s of SEASONS_12) {
      const c = classify(PROTOTYPES[s]);
      expect(c.ranked[0]!.season).toBe(s);
      expect(c.season4.season).toBe(PARENT[s]);
      expect(c.margin).toBeGreaterThan(0.2);
      expect(c.ranked.reduce((a, r) => a + r.confidence, 0)).toBeCloseTo(1, 9);
    }
  });

  it('halfway between two prototypes shares the confidence between them', () => {
    const a = PROTOTYPES.light_summer;
    const b = PROTOTYPES.soft_summer;
    const mid = { temperature: (a.temperature + b.temperature) / 2, value: (a.value + b.value) / 2, chroma: (a.chroma + b.chroma) / 2 };
    const c = classify(mid);
    expect(new Set(c.ranked.slice(0, 2).map((r) => r.season))).toEqual(new Set(['light_summer', 'soft_summer']));
    expect(c.margin).toBeLessThan(0.05);
  });

  it('a lower certainty flattens the confidences toward 1/12', () => {
    const sure = classify(PROTOTYPES.deep_winter, 1);
    const unsure = classify(PROTOTYPES.deep_winter, 0.3);
    expect(unsure.ranked[0]!.season).toBe('deep_winter');
    expect(unsure.ranked[0]!.confidence).toBeLessThan(sure.ranked[0]!.confidence);
    expect(classify(PROTOTYPES.deep_winter, 0).ranked[0]!.confidence).toBeCloseTo(1 / 12, 9);
  });

  it('fuses axes by weight', () => {
    const f = fuseAxes([
      { axes: { temperature: 1, value: 0, chroma: 0 }, weight: 3 },
      { axes: { temperature: -1, value: 1, chroma: 1 }, weight: 1 },
    ]);
    expect(f).toEqual({ temperature: 0.5, value: 0.25, chroma: 0.25 });
    expect(() => fuseAxes([{ axes: f, weight: 0 }])).toThrow();
  });
});
