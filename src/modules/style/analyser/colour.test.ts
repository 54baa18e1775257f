/** Colour science helpers and the palettes: ITA bands, Monk levels, undertone, hex, palette data. */
import { describe, expect, it } from 'vitest';
import { SEASONS_12 } from '../../../../contracts/style.js';
import { paletteFor } from '../palettes.js';
import { MONK_HEX, de, hexToLab, itaCategory, itaOf, labToHex, monkLevel, robustColour } from './colour.js';
import { BAND_REFERENCE, undertoneOf } from './features.js';
import { faceShapeScores, SHAPE_PROTOTYPES } from './face-shape.js';
import { FACE_SHAPES } from '../../../../contracts/style.js';

describe('colour helpers', () => {
  it('ITA bands (Chardon): each boundary on the right side', () => {
    expect([56, 55, 42, 41, 29, 28, 11, 10, -29, -30, -31].map(itaCategory)).toEqual(['very_light', 'light', 'light', 'intermediate', 'intermediate', 'tan', 'tan', 'brown', 'brown', 'dark', 'dark']);
    // ITA = atan((L − 50) / b): L 50 is 0°, a light skin is positive.
    expect(itaOf({ l: 50, a: 10, b: 20 })).toBeCloseTo(0, 6);
    expect(itaOf({ l: 70, a: 10, b: 20 })).toBeCloseTo(45, 6);
  });

  it('each Monk reference is its own level, and a colour between two goes to the nearer', () => {
    MONK_HEX.forEach((hex, i) => expect(monkLevel(hexToLab(hex))).toBe(i + 1));
    const a = hexToLab(MONK_HEX[5]);
    const b = hexToLab(MONK_HEX[6]);
    expect(monkLevel({ l: a.l * 0.8 + b.l * 0.2, a: a.a * 0.8 + b.a * 0.2, b: a.b * 0.8 + b.b * 0.2 })).toBe(6);
  });

  it('hex and Lab round-trip; out-of-gamut Lab is brought into sRGB', () => {
    for (const hex of ['#dfc6ad', '#000000', '#ffffff', '#3a312a']) expect(labToHex(hexToLab(hex))).toBe(hex);
    expect(labToHex({ l: 50, a: 120, b: -120 })).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('undertone from the hue angle relative to the ITA band, not from b* > 0', () => {
    const band = BAND_REFERENCE.light;
    const at = (hue: number, c = 20) => ({ l: 70, a: c * Math.cos((hue * Math.PI) / 180), b: c * Math.sin((hue * Math.PI) / 180) });
    // All four have b* > 0.
    expect(undertoneOf(at(band.hue - 8)).undertone).toBe('cool');
    expect(undertoneOf(at(band.hue)).undertone).toBe('neutral');
    expect(undertoneOf(at(band.hue + 5)).undertone).toBe('warm');
    expect(undertoneOf(at(band.hue + 15)).undertone).toBe('olive');
  });

  it('robust colour ignores a minority of outliers (hair strands, highlights)', () => {
    const skin = hexToLab('#c8a083');
    const samples = [...Array.from({ length: 80 }, (_, i) => ({ l: skin.l + ((i % 5) - 2), a: skin.a, b: skin.b })), ...Array.from({ length: 20 }, () => hexToLab('#2a1d14'))];
    expect(de(robustColour(samples)!.lab, skin)).toBeLessThan(0.5);
  });
});

describe('palettes', () => {
  it('every season has a palette: named colours in English and Spanish, hex and the Lab culori gives', () => {
    for (const s of SEASONS_12) {
      const p = paletteFor(s);
      expect(p.season).toBe(s);
      expect(p.best.length).toBeGreaterThanOrEqual(8);
      expect(p.neutrals.length).toBeGreaterThanOrEqual(4);
      expect(p.avoid.length).toBeGreaterThanOrEqual(4);
      expect(p.metals.length).toBeGreaterThan(0);
      for (const c of [...p.best, ...p.neutrals, ...p.avoid]) {
        expect(c.hex).toMatch(/^#[0-9a-f]{6}$/);
        expect(c.name.en.length * c.name.es.length).toBeGreaterThan(0);
        expect(de(c.lab, hexToLab(c.hex))).toBeLessThan(0.05);
      }
      // Nothing is both best and to avoid.
      expect(p.best.some((b) => p.avoid.some((a) => de(a.lab, b.lab) < 3))).toBe(false);
    }
  });
});

describe('face shape scores', () => {
  it('each prototype scores its own shape first', () => {
    for (const s of FACE_SHAPES) expect(faceShapeScores({ ...SHAPE_PROTOTYPES[s], roll: 0 })[0]!.shape).toBe(s);
  });
});
