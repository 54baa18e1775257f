/**
 * Makes docs/local-tryon-before-after.jpg: the fixture photo, a garment packshot, and the offline
 * `local` engine's result (keypoints and face from the perception worker, as in production), side
 * by side; one row for a generated tee with a white print, one for the demo store's Breton tee
 * (cream stripes running into its outline on a near-white backdrop).
 *
 *   npm run docs:local-tryon
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createPerceptionPool } from '../src/modules/perception/pool.ts';
import { createLocalProvider } from '../src/modules/tryon/providers/local.ts';

const DIR = dirname(fileURLToPath(import.meta.url));
const OUT = join(DIR, 'local-tryon-before-after.jpg');
const fixture = readFileSync(join(DIR, '../test/fixtures/astronaut.png'));
const S = 512;

// A T-shirt packshot on white: teal with a white chest print (it must survive the cut-out).
const teal = await sharp(
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600">
  <rect width="100%" height="100%" fill="#ffffff"/>
  <polygon points="180,90 255,60 345,60 420,90 540,210 465,270 435,240 435,540 165,540 165,240 135,270 60,210" fill="rgb(18,128,128)"/>
  <path d="M255,60 Q300,110 345,60" fill="none" stroke="rgb(10,90,90)" stroke-width="10"/>
  <circle cx="300" cy="230" r="42" fill="#f4f4f4"/><circle cx="300" cy="230" r="22" fill="rgb(18,128,128)"/>
</svg>`),
)
  .png()
  .toBuffer();
const breton = readFileSync(join(DIR, '../web/demo/images/striped-tee.png'));

const pool = await createPerceptionPool(1);
const status = await pool.warm();
if (!status.ok) throw new Error(`perception models did not load: ${status.error}`);
// What the perception module's bodyPose gives the engine: the body's keypoints, the face's box and chin.
const perceive = async (b) => {
  const a = await pool.analyze(b, undefined, 'faces');
  const body = a.bodies[0];
  const face = a.faces[0];
  if (!body) return undefined;
  return face ? { ...body, face: { box: face.box, chin: { x: face.mesh[152][0], y: face.mesh[152][1] } } } : body;
};
const engine = createLocalProvider({ perceive });
const person = { bytes: fixture, contentType: 'image/png', width: S, height: S };
const results = [];
for (const garment of [teal, breton]) {
  const meta = await sharp(garment).metadata();
  results.push(await engine.generate({ person, garments: [{ bytes: garment, contentType: 'image/png', width: meta.width, height: meta.height, category: 'tops' }], mode: 'balanced' }, { signal: AbortSignal.timeout(60_000) }));
}
await pool.close();

const label = (text) =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${S}" height="40"><rect width="100%" height="100%" fill="#111"/>
  <text x="${S / 2}" y="27" font-family="DejaVu Sans, Arial, sans-serif" font-size="20" fill="#fff" text-anchor="middle">${text}</text></svg>`);
const tile = async (img, text) =>
  sharp({ create: { width: S, height: S + 40, channels: 3, background: '#ffffff' } })
    .composite([
      { input: await sharp(img).resize(S, S, { fit: 'contain', background: '#ffffff' }).toBuffer(), left: 0, top: 0 },
      { input: label(text), left: 0, top: S },
    ])
    .png()
    .toBuffer();
const rows = [
  [await tile(fixture, 'before'), await tile(teal, 'garment (packshot)'), await tile(results[0].image, `after: local engine (${results[0].meta.placement})`)],
  [await tile(fixture, 'before'), await tile(breton, 'demo Breton tee (packshot)'), await tile(results[1].image, `after: local engine (${results[1].meta.placement})`)],
];
await sharp({ create: { width: S * 3 + 16, height: (S + 40) * 2 + 8, channels: 3, background: '#111111' } })
  .composite(rows.flatMap((row, r) => row.map((input, i) => ({ input, left: i * (S + 8), top: r * (S + 48) }))))
  .jpeg({ quality: 85 })
  .toFile(OUT);
console.log(`wrote ${OUT} (placement: ${results.map((r) => r.meta.placement).join(', ')})`);
