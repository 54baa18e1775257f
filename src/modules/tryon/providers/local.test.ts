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
