/** Colour matching's arithmetic: verdicts and scores by ΔE2000, and the stored per-season fit that ranks a catalog. */
import { describe, expect, it } from 'vitest';
import { SEASONS_12 } from '../../../contracts/style.js';
import { AVOID_DE, FIT_STRIDE, FLATTERS_DE, colorFit, fitOffset, matchColor, matchFromFit, scoreOf, verdictOf } from './color-match.js';
import { PALETTES, labOfHex } from './palettes.js';

describe('colour matching', () => {
  it('a palette’s own colours flatter it (score 1 when far from its colours to avoid); its colours to avoid are avoided', () => {
    for (const s of SEASONS_12) {
      for (const c of [...PALETTES[s].best, ...PALETTES[s].neutrals]) {
        const m = matchColor(s, c.lab);
        expect(m.delta_e.best, `${s} ${c.name.en}`).toBeLessThan(0.01);
        expect(m.nearest.hex).toBe(c.hex);
        expect(m.verdict, `${s} ${c.name.en}`).toBe('flatters');
      }
      for (const c of PALETTES[s].avoid) {
        const m = matchColor(s, c.lab);
        expect(m.delta_e.avoid!, `${s} ${c.name.en}`).toBeLessThan(0.01);
        // A colour to avoid that is also near a best colour (within 0.01) cannot exist: the lists differ.
        expect(m.verdict, `${s} ${c.name.en}`).toBe('avoid');
      }
    }
  });

  it('verdict thresholds and score as documented', () => {
    expect(verdictOf(FLATTERS_DE, 30)).toBe('flatters');
    expect(verdictOf(FLATTERS_DE + 0.01, 30)).toBe('neutral');
    expect(verdictOf(30, AVOID_DE)).toBe('avoid');
    expect(verdictOf(5, 5)).toBe('neutral');
    expect(verdictOf(5, null)).toBe('flatters');
    expect(scoreOf(0, 40)).toBe(1);
    expect(scoreOf(40, 0)).toBe(0);
    expect(scoreOf(12, 12)).toBe(0.5);
    expect(scoreOf(50, 60)).toBe(0.5); // far from both
    expect(scoreOf(6, 18)).toBeCloseTo(0.7, 9);
  });

  it('orders colours as colour theory does: navy suits winter, not light spring; yellow suits spring, not true winter', () => {
    const navy = labOfHex('#1f2a44')!;
    expect(matchColor('deep_winter', navy).score).toBeGreaterThan(matchColor('light_spring', navy).score + 0.5);
    const yellow = labOfHex('#e9b824')!;
    expect(matchColor('true_spring', yellow).verdict).toBe('flatters');
    expect(matchColor('true_winter', yellow).verdict).toBe('avoid');
  });

  it('a stored fit gives the same match as scoring the colour (after float4 storage too)', () => {
    for (const hex of ['#1f2a44', '#e9b824', '#2e694d', '#3e6fb6', '#c8a2c8', '#777777']) {
      const lab = labOfHex(hex)!;
      const fit = colorFit(lab);
      expect(fit).toHaveLength(SEASONS_12.length * FIT_STRIDE);
      const float4 = Float32Array.from(fit);
      for (const s of SEASONS_12) {
        const o = fitOffset(s);
        expect(matchFromFit(s, float4.slice(o, o + FIT_STRIDE)), `${hex} ${s}`).toEqual(matchColor(s, lab));
      }
    }
  });
});
