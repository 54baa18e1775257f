/**
 * The 12 seasons' palettes (palettes-data.ts) with CIELAB (D65) computed by culori at load, and the
 * map from a colour to the season axes that palettes.test.ts uses to keep the data honest:
 * temperature from the hue angle (warm around orange-yellow, cool around blue), value from L*,
 * chroma from C*.
 */
import { converter, formatHex, parse } from 'culori';
import { SEASONS_12, type TPalette, type TSeason12 } from '../../../contracts/style.js';
import type { Axes } from './seasons.js';
import { PALETTE_DATA, type ColorEntry } from './palettes-data.js';

export type TLab = { l: number; a: number; b: number };
export type TNamedColor = TPalette['best'][number];

const toLab = converter('lab65');
const toLch = converter('lch65');

const round2 = (v: number) => Math.round(v * 100) / 100;

/** CIELAB (D65) of an sRGB hex (`#rrggbb`, `rrggbb`, any case); undefined when it is not one. */
export function labOfHex(hex: string): TLab | undefined {
  const s = hex.startsWith('#') ? hex : `#${hex}`;
  if (!/^#[0-9a-fA-F]{6}$/.test(s)) return undefined;
  const c = toLab(parse(s));
  return c ? { l: c.l, a: c.a, b: c.b } : undefined;
}

/** Lower-case `#rrggbb` of a CIELAB (D65) colour (clamped into sRGB). */
export function hexOfLab(lab: TLab): string {
  return formatHex({ mode: 'lab65', l: lab.l, a: lab.a, b: lab.b }).toLowerCase();
}

function named([en, es, hex]: ColorEntry): TNamedColor {
  const lab = labOfHex(hex);
  if (!lab) throw new Error(`palette colour ${en}: bad hex ${hex}`);
  return { name: { en, es }, hex: hex.toLowerCase(), lab: { l: round2(lab.l), a: round2(lab.a), b: round2(lab.b) } };
}

export const PALETTES: Readonly<Record<TSeason12, TPalette>> = Object.fromEntries(
  SEASONS_12.map((season) => {
    const d = PALETTE_DATA[season];
    const palette: TPalette = {
      season,
      name: { en: d.name[0], es: d.name[1] },
      best: d.best.map(named),
      neutrals: d.neutrals.map(named),
      metals: [...d.metals],
      avoid: d.avoid.map(named),
    };
    return [season, palette];
  }),
) as Record<TSeason12, TPalette>;

/** The season's palette (best colours, neutrals, metals, colours to avoid). */
export function paletteFor(season: TSeason12): TPalette {
  return PALETTES[season];
}

/**
 * The warm arc of hue angles (degrees): from true red (about 30°, neither warm nor cool) through
 * orange and yellow (warmest, in the middle) to yellow-green (about 155°). The rest of the circle,
 * through teal and blue (coolest, in its middle) to magenta and raspberry, is cool.
 */
const WARM_ARC: readonly [number, number] = [30, 155];
/** Below this C* a colour is too grey to be warm or cool. */
const FULL_CHROMA_TEMPERATURE = 25;

/**
 * Where a colour sits on the season axes (the scale of seasons.ts): temperature −1 (blue) … 1
 * (yellow-orange) along the hue circle, fading to 0 for greys; value from L* (L* 15 → 0, L* 90 →
 * 1); chroma from C* (0 → 0, 80 → 1). Hue and chroma come from culori's LCh.
 */
export function colorAxes(lab: TLab): Axes {
  const lch = toLch({ mode: 'lab65', ...lab });
  const c = lch.c ?? 0;
  const h = (((lch.h ?? 0) % 360) + 360) % 360;
  const [w0, w1] = WARM_ARC;
  const warmSpan = w1 - w0;
  const coolSpan = 360 - warmSpan;
  const along = h >= w0 && h <= w1 ? Math.sin((Math.PI * (h - w0)) / warmSpan) : -Math.sin((Math.PI * ((h - w1 + 360) % 360)) / coolSpan);
  const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
  return {
    temperature: along * Math.min(1, c / FULL_CHROMA_TEMPERATURE),
    value: clamp01((lab.l - 15) / 75),
    chroma: clamp01(c / 80),
  };
}
