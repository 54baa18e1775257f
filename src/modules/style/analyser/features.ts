/**
 * From measured colours to the colour answer: skin ITA, hue angle, chroma and Monk level; the
 * undertone from the skin's hue angle relative to what is usual for its ITA band (never `b* > 0`,
 * which nearly all skin has); the three axes; depth, chroma and contrast labels; the season from
 * the stored prototypes (seasons.ts) with confidence from the distances and the photo's certainty.
 *
 * The band references and weights are starting values (research notes §7), not fitted to labelled
 * people: say so wherever the answer is shown.
 */
import type { TColorAnswer, TUndertone } from '../../../../contracts/style.js';
import { classify, type Axes } from '../seasons.js';
import { paletteFor } from '../palettes.js';
import { chromaOf, clamp, hueAngle, itaCategory, itaOf, labToHex, monkLevel, norm, round, roundLab, type ItaCategory, type Lab } from './colour.js';

/** Usual skin hue angle h_ab and chroma C* per ITA band (starting values). */
export const BAND_REFERENCE: Record<ItaCategory, { hue: number; chroma: number }> = {
  very_light: { hue: 58, chroma: 15 },
  light: { hue: 60, chroma: 18 },
  intermediate: { hue: 62, chroma: 21 },
  tan: { hue: 63, chroma: 23 },
  brown: { hue: 62, chroma: 22 },
  dark: { hue: 58, chroma: 17 },
};

export type Measured = { skin: Lab; eyes: Lab | null; lips: Lab | null; hair: Lab | null };

export function undertoneOf(skin: Lab): { undertone: TUndertone; hueOffset: number } {
  const band = BAND_REFERENCE[itaCategory(itaOf(skin))];
  const dh = hueAngle(skin) - band.hue;
  if (dh >= 8 && chromaOf(skin) >= 10 && skin.a < 9) return { undertone: 'olive', hueOffset: dh };
  if (dh >= 3) return { undertone: 'warm', hueOffset: dh };
  if (dh <= -3) return { undertone: 'cool', hueOffset: dh };
  return { undertone: 'neutral', hueOffset: dh };
}

/** Weighted mean of the parts present (weights renormalised). */
function blend(parts: [value: number | null, weight: number][]): number {
  let s = 0;
  let w = 0;
  for (const [v, wt] of parts) {
    if (v === null || !Number.isFinite(v)) continue;
    s += v * wt;
    w += wt;
  }
  return w > 0 ? s / w : 0;
}

export function contrastOf(m: Measured): number | null {
  const other = m.hair ?? m.eyes;
  return other ? Math.abs(m.skin.l - other.l) : null;
}

export function axesOf(m: Measured): Axes {
  const { hueOffset } = undertoneOf(m.skin);
  const band = BAND_REFERENCE[itaCategory(itaOf(m.skin))];
  const temperature = blend([
    [clamp(hueOffset / 10, -1, 1), 0.6],
    // Lips: orange-red (higher hue) is warm, blue-pink (lower) cool; ~28° between.
    [m.lips ? clamp((hueAngle(m.lips) - 28) / 12, -1, 1) : null, 0.2],
    // Hair: golden, copper and red hair carry chroma; ash, grey and black hair little.
    [m.hair ? clamp((chromaOf(m.hair) - 10) / 10, -1, 1) : null, 0.2],
  ]);
  const value = blend([
    [norm(m.skin.l, 25, 90), 0.5],
    [m.hair ? norm(m.hair.l, 10, 75) : null, 0.3],
    [m.eyes ? norm(m.eyes.l, 15, 65) : null, 0.2],
  ]);
  const contrast = contrastOf(m);
  const chroma = blend([
    [norm(chromaOf(m.skin) - band.chroma, -8, 8), 0.5],
    [m.eyes ? norm(chromaOf(m.eyes), 0, 25) : null, 0.25],
    [contrast !== null ? norm(contrast, 10, 50) : null, 0.25],
  ]);
  return { temperature: round(temperature, 3), value: round(value, 3), chroma: round(chroma, 3) };
}

const measuredColour = (c: Lab | null) => (c ? { hex: labToHex(c), lab: roundLab(c) } : null);

export function colorAnswer(m: Measured, certainty: number, whiteBalance: TColorAnswer['white_balance']): TColorAnswer {
  const axes = axesOf(m);
  const c = classify(axes, certainty);
  const ita = itaOf(m.skin);
  const contrast = contrastOf(m);
  const top = c.ranked[0]!;
  return {
    undertone: undertoneOf(m.skin).undertone,
    depth: axes.value >= 0.62 ? 'light' : axes.value < 0.38 ? 'deep' : 'medium',
    chroma: axes.chroma >= 0.65 ? 'clear' : axes.chroma < 0.35 ? 'soft' : 'medium',
    contrast: contrast === null ? 'medium' : contrast > 40 ? 'high' : contrast < 20 ? 'low' : 'medium',
    season4: { season: c.season4.season, confidence: round(c.season4.confidence, 3) },
    season12: { season: top.season, confidence: round(top.confidence, 3) },
    top3: c.ranked.slice(0, 3).map((r) => ({ season: r.season, confidence: round(r.confidence, 3) })),
    margin: round(c.margin, 3),
    axes,
    measured: {
      skin: {
        hex: labToHex(m.skin),
        lab: roundLab(m.skin),
        ita: round(ita, 1),
        ita_category: itaCategory(ita),
        hue_angle: round(hueAngle(m.skin), 1),
        chroma: round(chromaOf(m.skin), 1),
        monk: monkLevel(m.skin),
      },
      eyes: measuredColour(m.eyes),
      lips: measuredColour(m.lips),
      hair: measuredColour(m.hair),
    },
    palette: paletteFor(top.season),
    white_balance: whiteBalance,
    tie_breakers: [],
  };
}
