/**
 * A shopper id may be an email: it never reaches a log line (issue 20, item 4). It travels in the
 * path of DELETE /v1/shoppers/:shopper_id, in query strings (`?shopper_id=`) and in bodies
 * (`shopper_id` of uploads and try-ons); the access log's url has it redacted, query strings and
 * bodies are not logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../../../test/harness.js';
import { garmentPng, personPng } from '../../../test/fakes/images.js';
import { loggedPath } from './logger.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const SHOPPER = 'alice.shopper@example.com';
const dataUrl = (b: Buffer) => `data:image/png;base64,${b.toString('base64')}`;

describe('shopper ids in logs', () => {
  it('no log line carries the shopper id, and the erasure is still logged with its route', async () => {
    t.logs.length = 0;
    const key = bearer(t.tenantA.secretKey);
    const up = await t.app.inject({ method: 'POST', url: '/v1/uploads', headers: key, payload: { data_url: dataUrl(await personPng()), shopper_id: SHOPPER } });
    expect(up.statusCode, up.body).toBe(201);
    const tryon = await t.app.inject({ method: 'POST', url: '/v1/tryons', headers: key, payload: { person: (up.json() as { id: string }).id, garments: [{ image: dataUrl(await garmentPng()) }], shopper_id: SHOPPER } });
    expect(tryon.statusCode, tryon.body).toBe(202);
    const list = await t.app.inject({ method: 'GET', url: `/v1/tryons?shopper_id=${encodeURIComponent(SHOPPER)}`, headers: key });
    expect(list.statusCode, list.body).toBe(200);
    for (const path of [SHOPPER, encodeURIComponent(SHOPPER)]) {
      const erased = await t.app.inject({ method: 'DELETE', url: `/v1/shoppers/${path}`, headers: key });
      expect(erased.statusCode, erased.body).toBe(200);
    }
    // A mistyped path (no route) with an email in it.
    const typo = await t.app.inject({ method: 'DELETE', url: `/v1/shopper/${SHOPPER}`, headers: key });
    expect(typo.statusCode).toBe(404);

    const text = t.logs.join('\n');
    expect(t.logs.length).toBeGreaterThan(5);
    for (const needle of ['alice', 'example.com', '%40']) expect(text.includes(needle), `"${needle}" reached the logs`).toBe(false);
    const urls = t.logs.map((l) => (JSON.parse(l) as { req?: { url?: string } }).req?.url).filter(Boolean);
    expect(urls).toContain('/v1/shoppers/[redacted]');
    expect(urls).toContain('/v1/shopper/[redacted]');
    expect(urls).toContain('/v1/tryons');
  });

  it('loggedPath keeps other parameters and drops the query', () => {
    expect(loggedPath('/v1/tryons/try_123?x=1', '/v1/tryons/:tryon_id')).toBe('/v1/tryons/try_123');
    expect(loggedPath('/v1/shoppers/bob?x=1', '/v1/shoppers/:shopper_id')).toBe('/v1/shoppers/[redacted]');
    expect(loggedPath('/health', '/health')).toBe('/health');
  });
});
