/**
 * The offline analyser (`local`): deterministic, on perception's face mesh and iris and the
 * selfie's own pixels. Steps: one face? (retake gates) → white balance (card, sclera or scene) →
 * skin on the cheeks and lower forehead, lips, iris ring, hair band → colour features, axes and
 * season → face shape from the mesh. Runs on the calling thread; the pixel work is bounded by
 * sampling at most ~1,500 pixels per region and a 64-block grid for the card search.
 */
import { distinctFaces } from '../../perception/index.js';
import type { TAnalysisKind, TColorAnswer } from '../../../../contracts/style.js';
import { chromaOf, hueAngle, robustColour, round, type Lab } from './colour.js';
import { CHEEK_LEFT, CHEEK_RIGHT, EYE_LEFT, EYE_RIGHT, FACE_OVAL, FOREHEAD, LIDS, LIPS_INNER, LIPS_OUTER, dist, inside, irises, pixelsIn, scalePolygon, type Img, type Pt } from './geometry.js';
import { faceAnswer } from './face-shape.js';
import { colorAnswer, type Measured } from './features.js';
import { sampleHair } from './hair.js';
import { assess, issue, noFace, qualityOf, scoreOf, withheld, type PhotoMeasures } from './quality.js';
import { boxSharpness, clipping, labsAt, type Gains } from './sample.js';
import { whiteBalance, type WhiteBalance } from './white-balance.js';
import type { AnalyserInput, AnalyserOutput, StyleAnalyser } from './types.js';

export const LOCAL_ANALYSER_VERSION = '1.0.0';
const PER_REGION = 1500;
const WB_FACTOR = { card: 1, sclera: 0.9, scene: 0.7, none: 0.5 } as const;

/** A channel at 254–255 has lost its colour (clipped): such pixels are not sampled. */
const notClipped = (img: Img) => (x: number, y: number) => {
  const i = (y * img.width + x) * 3;
  return img.rgb[i]! < 254 && img.rgb[i + 1]! < 254 && img.rgb[i + 2]! < 254;
};

/** Skin of one region: the polygon shrunk away from its edges, unclipped pixels, robust colour. */
function region(img: Img, poly: Pt[], gains: Gains): Lab[] {
  return labsAt(img, pixelsIn(img, scalePolygon(poly, 0.9), { max: PER_REGION, keep: notClipped(img) }), gains);
}

function irisColour(img: Img, mesh: Pt[], iris: ReturnType<typeof irises>, gains: Gains): Lab | null {
  const labs: Lab[] = [];
  for (const [eye, ir] of [
    [EYE_RIGHT, iris.right],
    [EYE_LEFT, iris.left],
  ] as const) {
    if (!ir || ir.r < 1.5) continue;
    const opening = eye.map((i) => mesh[i]!);
    const ring = pixelsIn(
      img,
      Array.from({ length: 24 }, (_, k) => ({ x: ir.c.x + Math.cos((k / 24) * 2 * Math.PI) * ir.r * 0.9, y: ir.c.y + Math.sin((k / 24) * 2 * Math.PI) * ir.r * 0.9 })),
      { keep: (x, y) => dist({ x: x + 0.5, y: y + 0.5 }, ir.c) >= ir.r * 0.3 && inside(opening, x + 0.5, y + 0.5) },
    );
    // Catchlights (L* > 85) are the light's reflection, not the iris.
    labs.push(...labsAt(img, ring, gains).filter((c) => c.l <= 85));
  }
  return robustColour(labs, { maxDe: 15, trim: 0.1, minCount: 6 })?.lab ?? null;
}

function lipsColour(img: Img, mesh: Pt[], gains: Gains): Lab | null {
  const inner = LIPS_INNER.map((i) => mesh[i]!);
  const px = pixelsIn(img, LIPS_OUTER.map((i) => mesh[i]!), { max: PER_REGION, keep: (x, y) => !inside(inner, x + 0.5, y + 0.5) && notClipped(img)(x, y) });
  return robustColour(labsAt(img, px, gains), { maxDe: 14, trim: 0.15, minCount: 10 })?.lab ?? null;
}

/** Yaw read from the mesh: how far the nose tip sits from the middle of the two face edges, as an angle. */
function meshYaw(mesh: Pt[]): number {
  const dR = dist(mesh[1]!, mesh[234]!);
  const dL = dist(mesh[1]!, mesh[454]!);
  const asym = (dL - dR) / Math.max(1e-6, dL + dR);
  return (Math.asin(Math.max(-1, Math.min(1, asym * 1.6))) * 180) / Math.PI;
}

function eyesOpen(mesh: Pt[]): boolean {
  const open = (e: (typeof LIDS)['left']) => dist(mesh[e.upper]!, mesh[e.lower]!) / Math.max(1e-6, dist(mesh[e.outer]!, mesh[e.inner]!));
  return open(LIDS.left) >= 0.12 && open(LIDS.right) >= 0.12;
}

/** `whiteBalance: false` measures the colours as the photo has them (no correction): for the tests and the bench's comparison. */
export function analyseLocal(input: AnalyserInput, opts: { whiteBalance?: boolean } = {}): AnalyserOutput {
  const { perception, kinds } = input;
  const img: Img = { rgb: input.rgb, width: input.width, height: input.height };
  const faces = distinctFaces(perception.faces);
  const all: TAnalysisKind[] = ['face', 'color'];
  if (faces.length === 0) return { face: null, color: null, quality: qualityOf(noFace(perception.measures), 0, kinds) };
  if (faces.length > 1) return { face: null, color: null, quality: qualityOf([issue('multiple_faces', 'error', all, { faces: faces.length })], 0, kinds) };
  const main = faces[0]!;
  const s = input.width / perception.width;
  const mesh: Pt[] = main.mesh.map((p) => ({ x: p[0] * s, y: p[1] * s }));
  const box = { x: main.box.x * s, y: main.box.y * s, width: main.box.width * s, height: main.box.height * s };
  const iris = irises(mesh);
  const wantColor = kinds.includes('color');

  // White balance (the colour answer only needs it; the sclera's L* also serves the exposure gate).
  const measuredWb = whiteBalance(img, { mesh, box, iris });
  const wb: WhiteBalance = opts.whiteBalance === false ? { ...measuredWb, method: 'none', gains: { r: 1, g: 1, b: 1 } } : measuredWb;
  const gains = wb.gains;

  const ovalPx = pixelsIn(img, FACE_OVAL.map((i) => mesh[i]!), { max: 6000 });
  const clip = clipping(img, ovalPx);
  const right = robustColour(region(img, CHEEK_RIGHT.map((i) => mesh[i]!), gains));
  const left = robustColour(region(img, CHEEK_LEFT.map((i) => mesh[i]!), gains));
  const skinLabs = [CHEEK_RIGHT, CHEEK_LEFT, FOREHEAD].flatMap((poly) => region(img, poly.map((i) => mesh[i]!), gains));
  const skin = robustColour(skinLabs, { maxDe: 12, trim: 0.1, minCount: 20 })?.lab ?? null;
  const eyes = irisColour(img, mesh, iris, gains);
  const lips = lipsColour(img, mesh, gains);
  const hair = sampleHair(img, mesh, skin, gains);

  const m: PhotoMeasures = {
    faceShare: main.box.width / perception.width,
    facePixels: main.box.width,
    yaw: main.rotation.yaw,
    pitch: main.rotation.pitch,
    meshYaw: meshYaw(mesh),
    eyesOpen: eyesOpen(mesh),
    irisFound: iris.left !== null && iris.right !== null && eyes !== null,
    sharpness: boxSharpness(img, box),
    sceneBrightness: perception.measures.brightness,
    faceClipBright: clip.bright,
    faceClipDark: clip.dark,
    scleraL: wb.scleraL,
    cheekDeltaL: right && left ? Math.abs(right.lab.l - left.lab.l) : null,
    castStrength: wb.castStrength,
    residualCast: wb.residual,
    capped: wb.capped,
    skinChroma: skin ? chromaOf(skin) : null,
    skinHue: skin ? hueAngle(skin) : null,
    lipsChroma: lips ? chromaOf(lips) : null,
    hairFound: hair !== null,
  };
  const issues = assess(m);
  if (wantColor && !skin && !withheld(issues, 'color')) issues.push(issue('face_too_small', 'error', ['color'], { skin_pixels: skinLabs.length }));
  const score = scoreOf(m);
  const quality = qualityOf(issues, score, kinds);

  let color: TColorAnswer | null = null;
  if (wantColor && skin && !withheld(issues, 'color')) {
    const measured: Measured = { skin, eyes, lips, hair: hair?.lab ?? null };
    const certainty = score * WB_FACTOR[wb.method] * (hair ? 1 : 0.9) * (eyes ? 1 : 0.9);
    color = colorAnswer(measured, certainty, { method: wb.method, gains: { r: round(gains.r, 4), g: round(gains.g, 4), b: round(gains.b, 4) }, cast_strength: round(wb.castStrength, 2) });
  }
  const face = kinds.includes('face') && !withheld(issues, 'face') ? faceAnswer(mesh, score) : null;
  return { face, color, quality, model: null, costUsd: 0 };
}

export function createLocalAnalyser(): StyleAnalyser {
  return {
    name: 'local',
    version: LOCAL_ANALYSER_VERSION,
    // Synchronous work: the signal is checked once before it starts.
    async analyse(input, signal) {
      signal.throwIfAborted();
      return analyseLocal(input);
    },
  };
}
