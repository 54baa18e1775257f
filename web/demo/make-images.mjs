/**
 * Draws the demo store's garment pictures (flat garments on a light background, as the local
 * engine expects) with sharp from SVG. Run once: `node web/demo/make-images.mjs`; the PNGs are
 * committed (a few kB each).
 */
import sharp from 'sharp';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const W = 480;
const H = 600;
const bg = '#f7f7f5';

const shirt = (fill, extra = '') => `
  <path d="M150 90 L200 70 Q240 100 280 70 L330 90 L420 160 L380 230 L340 205 L340 540 L140 540 L140 205 L100 230 L60 160 Z" fill="${fill}" stroke="#0003" stroke-width="3"/>
  ${extra}
  <path d="M200 70 Q240 120 280 70" fill="none" stroke="#0005" stroke-width="4"/>`;

const garments = {
  'linen-shirt': shirt('#3d6fb6', '<line x1="240" y1="100" x2="240" y2="540" stroke="#fff8" stroke-width="3"/>' + [150, 220, 290, 360, 430, 500].map((y) => `<circle cx="252" cy="${y}" r="5" fill="#fff"/>`).join('')),
  'striped-tee': shirt('#1f2a44', [0, 1, 2, 3, 4, 5, 6].map((i) => `<rect x="140" y="${230 + i * 44}" width="200" height="20" fill="#f4f1ea"/>`).join('') + '<rect x="78" y="150" width="60" height="16" fill="#c8323c" transform="rotate(35 108 158)"/><rect x="342" y="150" width="60" height="16" fill="#c8323c" transform="rotate(-35 372 158)"/>'),
  'wool-jacket': shirt('#2f6b4f', '<path d="M240 100 L240 540" stroke="#1d4433" stroke-width="6"/><rect x="160" y="330" width="50" height="40" fill="#24563f" stroke="#1d4433" stroke-width="3"/><rect x="270" y="330" width="50" height="40" fill="#24563f" stroke="#1d4433" stroke-width="3"/>'),
  'denim-trousers': `<path d="M150 60 L330 60 L350 560 L262 560 L240 200 L218 560 L130 560 Z" fill="#34507a" stroke="#0004" stroke-width="3"/><rect x="150" y="60" width="180" height="26" fill="#2a4266"/><line x1="240" y1="86" x2="240" y2="200" stroke="#d9a441" stroke-width="3"/>`,
  'summer-dress': `<path d="M195 50 L215 50 L225 120 L255 120 L265 50 L285 50 L300 170 L290 230 L400 560 L80 560 L190 230 L180 170 Z" fill="#e9b824" stroke="#0003" stroke-width="3"/>${[0, 1, 2, 3, 4].map((i) => `<circle cx="${150 + i * 45}" cy="${420 + (i % 2) * 60}" r="12" fill="#fff9"/>`).join('')}`,
};

for (const [name, body] of Object.entries(garments)) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><rect width="100%" height="100%" fill="${bg}"/>${body}</svg>`;
  const out = join(here, 'images', `${name}.png`);
  const info = await sharp(Buffer.from(svg)).png({ palette: true, compressionLevel: 9 }).toFile(out);
  console.log(`${out} ${info.size} bytes`);
}
