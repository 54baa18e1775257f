/**
 * The palettes' data is checked against colour theory, so a wrong hex or a colour in the wrong
 * season cannot pass silently: on average each palette's best colours sit at its own season's
 * position on the axes (warm/cool, light/deep, clear/soft), nearer to it than to the opposite
 * season, and its colours to avoid sit farther away.
 */
import { describe, expect, it } from 'vitest';
import { differenceCiede2000 } from 'culori';
import { SEASONS_12, type TSeason12 } from '../../../contracts/style.js';
import { PROTOTYPES, axisDistance, type Axes } from './seasons.js';
import { PALETTES, colorAxes, hexOfLab, labOfHex, paletteFor, type TLab } from './palettes.js';

const mean = (xs: Axes[]): Axes => ({
  temperature: xs.reduce((a, x) => a + x.temperature, 0) / xs.length,
  value: xs.reduce((a, x) => a + x.value, 0) / xs.length,
  chroma: xs.reduce((a, x) => a + x.chroma, 0) / xs.length,
});
/** The season farthest from `s` on the axes (light spring ↔ deep winter, …). */
const opposite = (s: TSeason12): TSeason12 => [...SEASONS_12].sort((a, b) => axisDistance(PROTOTYPES[b], PROTOTYPES[s]) - axisDistance(PROTOTYPES[a], PROTOTYPES[s]))[0]!;
const de = differenceCiede2000();
const lab = (c: TLab) => ({ mode: 'lab65' as const, ...c });

describe('palettes', () => {
  it('every season has named best colours, neutrals, metals and colours to avoid, in English and Spanish, with Lab that matches the hex', () => {
    for (const s of SEASONS_12) {
      const p = paletteFor(s);
      expect(p.season).toBe(s);
      expect(p.name.en.length * p.name.es.length).toBeGreaterThan(0);
      expect(p.best.length).toBeGreaterThanOrEqual(12);
      expect(p.best.length).toBeLessThanOrEqual(16);
      expect(p.neutrals.length).toBeGreaterThanOrEqual(5);
      expect(p.avoid.length).toBeGreaterThanOrEqual(6);
      expect(p.avoid.length).toBeLessThanOrEqual(8);
      expect(p.metals.length).toBeGreaterThan(0);
      const all = [...p.best, ...p.neutrals, ...p.avoid];
      for (const c of all) {
        expect(c.hex).toMatch(/^#[0-9a-f]{6}$/);
        expect(c.name.en.trim()).not.toBe('');
        expect(c.name.es.trim()).not.toBe('');
        const l = labOfHex(c.hex)!;
        expect(Math.abs(l.l - c.lab.l) + Math.abs(l.a - c.lab.a) + Math.abs(l.b - c.lab.b)).toBeLessThan(0.02);
        expect(hexOfLab(c.lab)).toBe(c.hex);
      }
      // No colour is both recommended and to avoid, and none twice in one palette.
      expect(new Set(all.map((c) => c.hex)).size).toBe(all.length);
    }
  });

  /** Why `best` would be wrong for season `s` (empty when it fits). */
  function misfit(s: TSeason12, best: { lab: TLab }[]): string[] {
    const m = mean(best.map((c) => colorAxes(c.lab)));
    const own = axisDistance(m, PROTOTYPES[s]);
    const why: string[] = [];
    if (!(own < axisDistance(m, PROTOTYPES[opposite(s)]) * 0.6)) why.push('not nearer than the opposite season');
    if ([...SEASONS_12].sort((a, b) => axisDistance(m, PROTOTYPES[a]) - axisDistance(m, PROTOTYPES[b])).indexOf(s) >= 3) why.push('not among the 3 nearest');
    if (Math.sign(m.temperature) !== Math.sign(PROTOTYPES[s].temperature)) why.push('wrong side of warm/cool');
    if (!(Math.abs(m.value - PROTOTYPES[s].value) < 0.2)) why.push('wrong depth');
    return why;
  }

  it('each palette’s best colours sit, on average, at their season’s place: nearer to it than to the opposite season, among its three nearest, on its side of warm/cool', () => {
    for (const s of SEASONS_12) expect(misfit(s, PALETTES[s].best), s).toEqual([]);
    const value = (s: TSeason12) => mean(PALETTES[s].best.map((c) => colorAxes(c.lab))).value;
    const chroma = (s: TSeason12) => mean(PALETTES[s].best.map((c) => colorAxes(c.lab))).chroma;
    // Light seasons' best colours are lighter than deep seasons', clear ones more saturated than soft ones.
    for (const light of ['light_spring', 'light_summer'] as const) for (const deep of ['deep_autumn', 'deep_winter'] as const) expect(value(light)).toBeGreaterThan(value(deep) + 0.4);
    for (const bright of ['bright_spring', 'bright_winter'] as const) for (const soft of ['soft_summer', 'soft_autumn'] as const) expect(chroma(bright)).toBeGreaterThan(chroma(soft) + 0.4);
  });

  it('the same check refuses a palette given to the wrong season (so it can fail)', () => {
    for (const s of SEASONS_12) expect(misfit(s, PALETTES[opposite(s)].best).length, s).toBeGreaterThan(0);
    expect(misfit('light_spring', PALETTES.deep_autumn.best)).toContain('wrong depth');
    expect(misfit('true_winter', PALETTES.true_autumn.best)).toContain('wrong side of warm/cool');
  });

  it('the colours to avoid sit farther from the season than its best colours do', () => {
    for (const s of SEASONS_12) {
      const p = PALETTES[s];
      const best = axisDistance(mean(p.best.map((c) => colorAxes(c.lab))), PROTOTYPES[s]);
      const avoid = axisDistance(mean(p.avoid.map((c) => colorAxes(c.lab))), PROTOTYPES[s]);
      expect(avoid, s).toBeGreaterThan(best + 0.2);
    }
  });

  it('by ΔE2000, a season’s best colours are nearer to each other than to the opposite season’s best colours', () => {
    for (const s of SEASONS_12) {
      const own = PALETTES[s].best;
      const other = PALETTES[opposite(s)].best;
      const nearestIn = (c: TLab, set: typeof own) => Math.min(...set.filter((x) => x.lab !== c).map((x) => de(lab(c), lab(x.lab))));
      const avgOwn = own.reduce((a, c) => a + nearestIn(c.lab, own), 0) / own.length;
      const avgOther = own.reduce((a, c) => a + nearestIn(c.lab, other), 0) / own.length;
      expect(avgOwn, s).toBeLessThan(avgOther);
    }
  });

  it('maps colours to the axes as colour theory reads them', () => {
    const ax = (hex: string) => colorAxes(labOfHex(hex)!);
    expect(ax('#ff8c1a').temperature).toBeGreaterThan(0.5); // orange: warm
    expect(ax('#ffd400').temperature).toBeGreaterThan(0.8); // yellow: warmest
    expect(ax('#1e3fd6').temperature).toBeLessThan(-0.8); // royal blue: coolest
    expect(ax('#e0218a').temperature).toBeLessThan(-0.3); // fuchsia: cool
    expect(Math.abs(ax('#808080').temperature)).toBeLessThan(0.05); // grey: neither
    expect(ax('#f5eea0').value).toBeGreaterThan(ax('#5c1a1b').value + 0.5);
    expect(ax('#ff1f8e').chroma).toBeGreaterThan(ax('#a8879a').chroma + 0.4);
    expect(labOfHex('zzzzzz')).toBeUndefined();
    expect(labOfHex('FF0000')!.l).toBeCloseTo(53.24, 1);
  });
});
