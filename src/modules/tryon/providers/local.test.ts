import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, placeGarment } from './local.js';
import { cutOutGarment } from './local-cutout.js';
import { ProviderError, type TryonInput } from './types.js';
import { asInput, garmentPng, meanRgb, solidPng, svgToPng, tryonInput } from '../../../../test/fakes/images.js';

const local = createLocalProvider();
const opts = () => ({ signal: AbortSignal.timeout(10_000) });
let input: TryonInput;
let person: Buffer;

beforeAll(async () => {
  input = await tryonInput();
  person = input.person.bytes;
});

const near = (a: readonly number[], b: readonly number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

describe('local compositor', () => {
  it("outputs a JPEG at the person's size, marked as a free preview", async () => {
    const out = await local.generate(input, opts());
    const meta = await sharp(out.image).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([300, 400]);
    expect(out.contentType).toBe('image/jpeg');
    expect(out.costUsd).toBe(0);
    expect(out.meta).toMatchObject({ preview: true, engine: 'probador-local', placement: 'regions' });
    expect(local.estimateCostUsd(input)).toBe(0);
  });

  it('is deterministic: the same inputs give the same bytes', async () => {
    const a = await local.generate(input, opts());
    const b = await local.generate(input, opts());
    expect(a.image.equals(b.image)).toBe(true);
  });

  it('puts the garment colour on the torso and leaves the far corners alone', async () => {
    const out = await local.generate(input, opts());
    const torso = { left: 135, top: 130, width: 30, height: 40 }; // middle of the 22–55 % band
    const before = await meanRgb(person, torso);
    const after = await meanRgb(out.image, torso);
    expect(before[0] - before[1]).toBeLessThan(70); // skin tone
    expect(after[0]).toBeGreaterThan(180); // the red shirt
    expect(after[1]).toBeLessThan(70);
    for (const corner of [{ left: 0, top: 0 }, { left: 280, top: 0 }, { left: 0, top: 380 }, { left: 280, top: 380 }]) {
      const rect = { ...corner, width: 20, height: 20 };
      expect(near(await meanRgb(out.image, rect), await meanRgb(person, rect), 4)).toBe(true);
    }
  });

  it("removes the garment's white background: the box around the shirt keeps the person", async () => {
    const out = await local.generate(input, opts());
    const [place] = (out.meta as { placements: { left: number; top: number; width: number; height: number; backgroundRemoved: boolean }[] }).placements;
    expect(place?.backgroundRemoved).toBe(true);
    // Just outside the shirt's sleeve, inside its bounding box: not white, the person's backdrop.
    const probe = { left: place!.left + 1, top: place!.top + place!.height - 6, width: 4, height: 4 };
    const got = await meanRgb(out.image, probe);
    expect(near(got, await meanRgb(person, probe), 12)).toBe(true);
    expect(got.every((v) => v > 245)).toBe(false);
  });

  it('places bottoms lower and one-pieces over both bands', async () => {
    const bottoms = await local.generate({ ...input, garments: [{ ...input.garments[0]!, category: 'bottoms' }] }, opts());
    const legs = { left: 140, top: 300, width: 20, height: 30 };
    expect((await meanRgb(bottoms.image, legs))[0]).toBeGreaterThan(180);
    expect(near(await meanRgb(bottoms.image, { left: 140, top: 100, width: 20, height: 20 }), await meanRgb(person, { left: 140, top: 100, width: 20, height: 20 }), 6)).toBe(true);
    const p = placeGarment('one-pieces', 300, 400, 100, 200);
    expect(p.top).toBe(88);
    expect(p.top + p.height).toBeLessThanOrEqual(360);
    expect(placeGarment('tops', 300, 400, 200, 200)).toMatchObject({ top: 88, width: 132, height: 132, left: 84 });
  });

  it('layers a top over bottoms in one call', async () => {
    const blue = { ...(await asInput(await garmentPng('rgb(20,40,200)'))), category: 'bottoms' as const };
    const out = await local.generate({ ...input, garments: [input.garments[0]!, blue] }, opts());
    const torso = await meanRgb(out.image, { left: 140, top: 140, width: 20, height: 20 });
    const legs = await meanRgb(out.image, { left: 140, top: 320, width: 20, height: 20 });
    expect(torso[0]).toBeGreaterThan(180);
    expect(legs[2]).toBeGreaterThan(150);
  });

  it('keeps a garment photo whose background is not plain as it is', async () => {
    const busy = await svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
      <rect width="50" height="100" fill="rgb(0,0,0)"/><rect x="50" width="50" height="100" fill="rgb(255,255,0)"/></svg>`);
    const cut = await cutOutGarment(busy);
    expect(cut.backgroundRemoved).toBe(false);
    expect([cut.width, cut.height]).toEqual([100, 100]);
    const white = await cutOutGarment(await solidPng(50, 50, [255, 255, 255]));
    expect(white.backgroundRemoved).toBe(false); // nothing would be left
  });

  it('works on a real photo (the astronaut portrait)', async () => {
    const photo = readFileSync(fileURLToPath(new URL('../../../../test/fixtures/astronaut.png', import.meta.url)));
    const i = { ...input, person: await asInput(photo) };
    const a = await local.generate(i, opts());
    const meta = await sharp(a.image).metadata();
    expect([meta.width, meta.height]).toEqual([512, 512]);
    expect((await local.generate(i, opts())).image.equals(a.image)).toBe(true);
  });

  it('undecodable input → bad_input; an aborted signal → canceled; health ok', async () => {
    const bad = await local.generate({ ...input, person: { ...input.person, bytes: Buffer.from('not an image') } }, opts()).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ProviderError);
    expect((bad as ProviderError).errorClass).toBe('bad_input');
    const ac = new AbortController();
    ac.abort();
    const canceled = await local.generate(input, { signal: ac.signal }).catch((e: unknown) => e);
    expect((canceled as ProviderError).errorClass).toBe('canceled');
    expect((await local.health(AbortSignal.timeout(1000))).ok).toBe(true);
  });
});

describe('local engine with body keypoints: forearms kept in front of the garment', () => {
  // A person whose left forearm (green) crosses the torso, and the keypoints perception would give.
  const W = 300;
  const H = 400;
  const elbow = { x: 70, y: 160 };
  const wrist = { x: 170, y: 180 };
  const kp = (part: string, x: number, y: number) => ({ part, x, y, score: 0.9 });
  const body = [kp('leftShoulder', 95, 90), kp('rightShoulder', 205, 90), kp('leftHip', 110, 222), kp('rightHip', 190, 222)];
  const arm = [kp('leftElbow', elbow.x, elbow.y), kp('leftWrist', wrist.x, wrist.y)];
  let armed: TryonInput;

  beforeAll(async () => {
    const photo = await svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
      <rect width="100%" height="100%" fill="rgb(200,215,235)"/>
      <rect x="90" y="80" width="120" height="144" rx="12" fill="rgb(224,172,140)"/>
      <line x1="${elbow.x}" y1="${elbow.y}" x2="${wrist.x}" y2="${wrist.y}" stroke="rgb(30,160,60)" stroke-width="14" stroke-linecap="round"/>
    </svg>`);
    armed = { ...input, person: await asInput(photo) };
  });

  const onForearm = { left: 136, top: 170, width: 8, height: 6 }; // on the elbow-wrist segment, inside the torso
  const onTorso = { left: 150, top: 120, width: 10, height: 10 }; // torso, away from the arm

  it('draws the forearm over the top where the elbow and wrist are known', async () => {
    const withArms = createLocalProvider({ perceive: async () => ({ score: 0.9, keypoints: [...body, ...arm] }) });
    const out = await withArms.generate(armed, opts());
    expect(out.meta).toMatchObject({ placement: 'pose' });
    expect(Number(out.meta?.arms_kept_px)).toBeGreaterThan(200);
    const [r, g, b] = await meanRgb(out.image, onForearm);
    expect(g).toBeGreaterThan(120); // the person's green forearm, not the red garment
    expect(r).toBeLessThan(90);
    expect(b).toBeLessThan(110);
    const torso = await meanRgb(out.image, onTorso);
    expect(torso[0]).toBeGreaterThan(torso[1] + 60); // the garment is still on the torso
  });

  it('without elbow and wrist keypoints the garment covers the torso, forearm included', async () => {
    const noArms = createLocalProvider({ perceive: async () => ({ score: 0.9, keypoints: body }) });
    const out = await noArms.generate(armed, opts());
    expect(out.meta).toMatchObject({ placement: 'pose', arms_kept_px: 0 });
    const [r, g] = await meanRgb(out.image, onForearm);
    expect(r).toBeGreaterThan(g + 60); // red garment over where the forearm was
  });
});

describe('cut-out: the background is modelled, not the garment', () => {
  const tee = (fill: string, extra = '') =>
    `<polygon points="120,60 280,60 360,140 320,180 300,160 300,360 100,360 100,160 80,180 40,140" fill="${fill}" ${extra}/>`;
  const alphaAt = (c: { data: Buffer; width: number }, x: number, y: number) => c.data[(y * c.width + x) * 4 + 3]!;

  it('keeps light stripes that run into the outline of a garment on a near-white backdrop', async () => {
    const png = await svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="100%" height="100%" fill="#f7f7f5"/>
      ${tee('#1f2a44', 'stroke="#0003" stroke-width="3"')}
      ${[0, 1, 2, 3].map((i) => `<rect x="100" y="${200 + i * 40}" width="200" height="20" fill="#f4f1ea"/>`).join('')}</svg>`);
    const cut = await cutOutGarment(png);
    expect(cut).toMatchObject({ backgroundRemoved: true, method: 'plain' });
    // The crop starts at the garment's outline: find the stripe row and look at its ends.
    let row = -1;
    for (let y = 0; y < cut.height && row < 0; y++) {
      const p = (y * cut.width + Math.round(cut.width / 2)) * 4;
      if (cut.data[p]! > 200 && alphaAt(cut, Math.round(cut.width / 2), y) === 255) row = y + 5;
    }
    expect(row).toBeGreaterThan(0);
    let light = 0;
    for (let x = 0; x < cut.width; x++) if (alphaAt(cut, x, row) > 200 && cut.data[(row * cut.width + x) * 4]! > 200) light++;
    expect(light).toBeGreaterThanOrEqual(196); // the whole 200 px stripe, less its outline
    expect(alphaAt(cut, 0, 0)).toBe(0);
  });

  it('uses the alpha channel of a transparent packshot (a white garment stays whole)', async () => {
    const png = await svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400">${tee('#ffffff')}</svg>`);
    const cut = await cutOutGarment(png);
    expect(cut).toMatchObject({ backgroundRemoved: true, method: 'alpha' });
    expect([cut.width, cut.height]).toEqual([320, 300]);
    expect(alphaAt(cut, 160, 150)).toBe(255);
    expect(alphaAt(cut, 2, 120)).toBe(0); // beside the sleeve
  });

  it('cuts a garment out of a plain dark backdrop (JPEG) without a dark fringe', async () => {
    const jpg = await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="100%" height="100%" fill="#202020"/>${tee('#e0c060')}</svg>`))
      .jpeg({ quality: 85 })
      .toBuffer();
    const cut = await cutOutGarment(jpg);
    expect(cut).toMatchObject({ backgroundRemoved: true, method: 'plain' });
    expect(Math.abs(cut.width - 320)).toBeLessThanOrEqual(3);
    // The pixels kept at more than half opacity are the garment's yellow, not the backdrop (a fringe
    // would be hundreds along the ~1,300 px outline; a corner pixel or two may stay dark).
    let dark = 0;
    for (let p = 0; p < cut.width * cut.height; p++) if (cut.data[p * 4 + 3]! > 128 && cut.data[p * 4]! < 120) dark++;
    expect(dark).toBeLessThan(5);
  });

  it('follows a backdrop with a gradient (a studio sweep)', async () => {
    const png = await svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><defs><linearGradient id="g" x2="0" y2="1">
      <stop offset="0" stop-color="#fbfbfb"/><stop offset="1" stop-color="#b8b8b8"/></linearGradient></defs>
      <rect width="100%" height="100%" fill="url(#g)"/>${tee('#f0f0f0', 'stroke="#999" stroke-width="2"')}</svg>`);
    const cut = await cutOutGarment(png);
    expect(cut).toMatchObject({ backgroundRemoved: true, method: 'plain' });
    expect(Math.abs(cut.width - 322)).toBeLessThanOrEqual(4);
    expect(alphaAt(cut, Math.round(cut.width / 2), cut.height - 10)).toBe(255); // the pale garment, low on the darker sweep
  });

  it('keeps a photo with a busy background whole, its edges faded (no hard rectangle)', async () => {
    const photo = readFileSync(fileURLToPath(new URL('../../../../test/fixtures/astronaut.png', import.meta.url)));
    const cut = await cutOutGarment(photo);
    expect(cut).toMatchObject({ backgroundRemoved: false, method: 'none', width: 512, height: 512 });
    expect(alphaAt(cut, 0, 256)).toBeLessThan(40);
    expect(alphaAt(cut, 256, 256)).toBe(255);
  });
});

describe('local engine with body keypoints: sleeves follow the arms', () => {
  // A person with both arms raised up and out, and the keypoints perception would give.
  const W = 300;
  const H = 400;
  const kp = (part: string, x: number, y: number) => ({ part, x, y, score: 0.9 });
  const S = { r: { x: 110, y: 130 }, l: { x: 190, y: 130 } };
  const E = { r: { x: 60, y: 80 }, l: { x: 240, y: 80 } };
  const Wr = { r: { x: 25, y: 30 }, l: { x: 275, y: 30 } };
  const keypoints = [
    kp('rightShoulder', S.r.x, S.r.y), kp('leftShoulder', S.l.x, S.l.y), kp('rightElbow', E.r.x, E.r.y), kp('leftElbow', E.l.x, E.l.y),
    kp('rightWrist', Wr.r.x, Wr.r.y), kp('leftWrist', Wr.l.x, Wr.l.y), kp('rightHip', 120, 260), kp('leftHip', 180, 260),
  ];
  const green = ([r, g, b]: number[]) => g! > r! + 60 && g! > b! + 40;

  it('puts each long sleeve along shoulder → elbow → wrist, whatever the angle in the packshot', async () => {
    const photo = await svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="rgb(200,215,235)"/>
      <rect x="100" y="120" width="100" height="150" rx="10" fill="rgb(120,120,120)"/>
      <polyline points="${S.r.x},${S.r.y} ${E.r.x},${E.r.y} ${Wr.r.x},${Wr.r.y}" fill="none" stroke="rgb(120,120,120)" stroke-width="22" stroke-linecap="round"/>
      <polyline points="${S.l.x},${S.l.y} ${E.l.x},${E.l.y} ${Wr.l.x},${Wr.l.y}" fill="none" stroke="rgb(120,120,120)" stroke-width="22" stroke-linecap="round"/>
      <circle cx="150" cy="85" r="26" fill="rgb(224,172,140)"/></svg>`);
    // Long green sleeves hanging down beside a blue body in the packshot.
    const shirt = await svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="460"><rect width="100%" height="100%" fill="#fff"/>
      <path d="M130 40 L175 25 Q200 45 225 25 L270 40 L270 440 L130 440 Z" fill="rgb(30,60,200)"/>
      <path d="M130 40 L80 60 L70 400 L120 400 L130 150 Z" fill="rgb(20,180,60)"/>
      <path d="M270 40 L320 60 L330 400 L280 400 L270 150 Z" fill="rgb(20,180,60)"/></svg>`);
    const engine = createLocalProvider({ perceive: async () => ({ score: 0.9, keypoints }) });
    const person = await asInput(photo);
    const out = await engine.generate({ ...input, person, garments: [{ ...(await asInput(shirt)), category: 'tops' }] }, opts());
    expect(out.meta).toMatchObject({ placement: 'pose' });
    const { data } = await sharp(out.image).raw().toBuffer({ resolveWithObject: true });
    const dist = (p: { x: number; y: number }, a: { x: number; y: number }, b: { x: number; y: number }) => {
      const vx = b.x - a.x;
      const vy = b.y - a.y;
      const t = Math.max(0, Math.min(1, ((p.x - a.x) * vx + (p.y - a.y) * vy) / (vx * vx + vy * vy)));
      return Math.hypot(p.x - a.x - t * vx, p.y - a.y - t * vy);
    };
    let all = 0;
    let onArms = 0;
    let belowShoulders = 0;
    const nearWrist = { r: 0, l: 0 };
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 3;
        if (!green([data[i]!, data[i + 1]!, data[i + 2]!])) continue;
        all++;
        const p = { x: x + 0.5, y: y + 0.5 };
        const d = Math.min(dist(p, S.r, E.r), dist(p, E.r, Wr.r), dist(p, S.l, E.l), dist(p, E.l, Wr.l));
        if (d < 25) onArms++;
        if (y > S.r.y + 20) belowShoulders++;
        if (Math.hypot(p.x - Wr.r.x, p.y - Wr.r.y) < 35) nearWrist.r++;
        if (Math.hypot(p.x - Wr.l.x, p.y - Wr.l.y) < 35) nearWrist.l++;
      }
    }
    expect(all).toBeGreaterThan(1500);
    expect(onArms / all).toBeGreaterThan(0.9); // along the raised arms…
    expect(belowShoulders / all).toBeLessThan(0.05); // …not hanging down as in the packshot
    expect(nearWrist.r).toBeGreaterThan(100); // long sleeves reach the wrists on both sides
    expect(nearWrist.l).toBeGreaterThan(100);
    expect(out.meta?.placements).toMatchObject([{ pieces: ['torso', 'left-sleeve', 'right-sleeve'] }]);
  });
});
