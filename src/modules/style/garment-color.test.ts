/**
 * A garment's dominant colour comes from the garment, not the packshot's background: pictures the
 * test paints itself (a light garment on white, dark ones on dark grounds, the background larger
 * than the garment) and the demo store's packshots.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { differenceCiede2000 } from 'culori';
import { projectRoot } from '../../platform/paths.js';
import { kMeans } from '../../platform/images/kmeans.js';
import { dominantGarmentColor } from './garment-color.js';
import { labOfHex, type TLab } from './palettes.js';

const de = differenceCiede2000();
const dE = (a: TLab, b: TLab) => de({ mode: 'lab65', ...a }, { mode: 'lab65', ...b });
const demo = (name: string) => readFileSync(join(projectRoot(), 'web', 'demo', 'images', `${name}.png`));

/** A tee on a plain background, 400×500, the garment about a third of the picture, with a soft fold shadow and a thin seam line. */
async function packshot(background: string, garment: string, opts: { shade?: string; seam?: string } = {}): Promise<Buffer> {
  const tee = 'M130,120 L175,95 Q200,115 225,95 L270,120 L300,185 L265,200 L255,175 L255,380 L145,380 L145,175 L135,200 L100,185 Z';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="500">
    <rect width="400" height="500" fill="${background}"/>
    <path d="${tee}" fill="${garment}" stroke="${opts.seam ?? garment}" stroke-width="2"/>
    ${opts.shade ? `<path d="M190,200 L210,200 L215,380 L185,380 Z" fill="${opts.shade}"/>` : ''}
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** The largest colour cluster of the whole picture (what a reader that ignores the background would take). */
async function naiveDominant(png: Buffer): Promise<TLab> {
  const { data, info } = await sharp(png).resize(100).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const pts: [number, number, number][] = [];
  for (let i = 0; i < info.width * info.height; i++) {
    const hex = `#${[data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    const l = labOfHex(hex)!;
    pts.push([l.l, l.a, l.b]);
  }
  const top = kMeans(pts, 4).sort((a, b) => b.share - a.share)[0]!;
  return { l: top.lab[0], a: top.lab[1], b: top.lab[2] };
}

describe('dominant garment colour', () => {
  const cases = [
    { name: 'a cream tee on a white background', background: '#fcfcfc', garment: '#ebe0c8', shade: '#ddd2ba', seam: '#d8cdb5' },
    { name: 'a navy tee on a charcoal background', background: '#2f2f31', garment: '#1c2440', shade: '#161d36' },
    { name: 'a near-black tee on a dark grey background', background: '#3c3c3c', garment: '#161616' },
    { name: 'a white tee on a light grey background', background: '#e9e9e9', garment: '#fafafa', seam: '#cfcfcf' },
  ];
  for (const c of cases) {
    it(`reads ${c.name} from the garment, where the whole picture's dominant colour is the background`, async () => {
      const png = await packshot(c.background, c.garment, c);
      const got = await dominantGarmentColor(png);
      expect(got).not.toBeNull();
      const garment = labOfHex(c.garment)!;
      const background = labOfHex(c.background)!;
      expect(got!.method).toBe('plain');
      expect(dE(got!.lab, garment), `${got!.hex} vs garment ${c.garment}`).toBeLessThan(3);
      expect(dE(got!.lab, background)).toBeGreaterThan(dE(got!.lab, garment) + 3);
      expect(got!.hex).toMatch(/^#[0-9a-f]{6}$/);
      // Without the cut-out, the background would have won.
      expect(dE(await naiveDominant(png), background)).toBeLessThan(3);
    });
  }

  it('the demo store’s packshots: navy dominates the Breton tee (not its cream stripes or red bands), the dress is yellow, the jacket green', async () => {
    const tee = (await dominantGarmentColor(demo('striped-tee')))!;
    expect(dE(tee.lab, labOfHex('#1f2a44')!)).toBeLessThan(4); // the tee's navy
    expect(tee.share).toBeGreaterThan(0.5);
    expect(tee.lab.b).toBeLessThan(-10); // blue, not the cream stripes (b* > 0)
    const dress = (await dominantGarmentColor(demo('summer-dress')))!;
    expect(dress.lab.b).toBeGreaterThan(50); // yellow
    expect(dress.lab.l).toBeGreaterThan(65);
    const jacket = (await dominantGarmentColor(demo('wool-jacket')))!;
    expect(jacket.lab.a).toBeLessThan(-15); // green
    for (const g of [tee, dress, jacket]) expect(g.method).toBe('plain');
  });

  it('falls back to the middle of a picture whose background it cannot model, and says so', async () => {
    // Stripes of many colours to the edges: no plain background; the middle is red.
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300">
      ${Array.from({ length: 30 }, (_, i) => `<rect x="${i * 10}" y="0" width="10" height="300" fill="hsl(${(i * 47) % 360},70%,50%)"/>`).join('')}
      <rect x="60" y="60" width="180" height="180" fill="#c0392b"/></svg>`;
    const got = (await dominantGarmentColor(await sharp(Buffer.from(svg)).png().toBuffer()))!;
    expect(['center', 'clusters']).toContain(got.method);
    expect(dE(got.lab, labOfHex('#c0392b')!)).toBeLessThan(5);
  });
});
