/**
 * The job's shared statements (repository.ts startTryons / finishSucceeded) on the real database:
 * several try-ons in one statement, each answered by its own row, tenant-scoped, and only while the
 * row is in the state the single-job statements required.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { bearer, createTestApp, type TestApp } from '../../../test/harness.js';
import { ASTRONAUT, dataUrl } from '../../../test/tryon-helpers.js';
import * as repo from './repository.js';
import { INPUTS_ERASED_CHANNEL } from './events.js';
import { tryonAttempts, tryonCache } from './tables.js';

let t: TestApp;

beforeAll(async () => {
  // role api: try-ons stay queued (no worker here), so the test drives their statements itself.
  t = await createTestApp({ build: { role: 'api' } });
});
afterAll(async () => t?.close());

async function queuedTryon(key: string) {
  const res = await t.app.inject({ method: 'POST', url: '/v1/tryons', headers: bearer(key), payload: { person: dataUrl(ASTRONAUT), garments: [{ image: dataUrl(ASTRONAUT), category: 'tops' }] } });
  expect(res.statusCode, res.body).toBe(202);
  return res.json().id as string;
}

/** A succeeded result of the local provider, one attempt, no cost, expiring in an hour. */
function plainSuccess(tenantId: string, id: string, now: Date, o: Pick<repo.Succeeded, 'resultWidth' | 'resultHeight' | 'resultBytes' | 'useCache'>): repo.Succeeded {
  return {
    tenantId,
    id,
    resultBlobKey: `tenants/${tenantId}/results/${id}.jpg`,
    resultContentType: 'image/jpeg',
    resultMeta: {},
    provider: 'local',
    model: null,
    costUsd: 0,
    attemptsCount: 1,
    providerMs: 1,
    finishedAt: now,
    expiresAt: new Date(now.getTime() + 3_600_000),
    attempts: [],
    ...o,
  };
}

describe('try-on job statements for many jobs at once', () => {
  it('starts several try-ons in one statement; another tenant’s id, an unknown id and a final row get nothing', async () => {
    const db = t.deps.db;
    const a1 = await queuedTryon(t.tenantA.secretKey);
    const a2 = await queuedTryon(t.tenantA.secretKey);
    const b1 = await queuedTryon(t.tenantB.secretKey);
    const final = await queuedTryon(t.tenantA.secretKey);
    await repo.updateTryonIf(db, t.tenantA.id, final, ['queued'], { status: 'failed', errorCode: 'X' });
    const now = new Date(t.clock.now());
    const out = await repo.startTryons(db, [
      { tenantId: t.tenantA.id, id: a1, now },
      { tenantId: t.tenantA.id, id: b1, now }, // tenant B's try-on asked for as tenant A
      { tenantId: t.tenantA.id, id: 'try_unknown', now },
      { tenantId: t.tenantA.id, id: a2, now },
      { tenantId: t.tenantA.id, id: final, now },
    ]);
    expect(out.map((r) => r?.id)).toEqual([a1, undefined, undefined, a2, undefined]);
    expect(out[0]).toMatchObject({ tenantId: t.tenantA.id, status: 'processing', mode: 'balanced', cancelRequested: false });
    expect(out[0]!.garments[0]).toMatchObject({ category: 'tops' });
    expect(out[0]!.personBlob?.key).toMatch(/^tenants\//);
    expect((await repo.findTryon(db, t.tenantA.id, a1))).toMatchObject({ status: 'processing', stage: 'generating' });
    expect((await repo.findTryon(db, t.tenantB.id, b1))?.status).toBe('queued');
    expect((await repo.findTryon(db, t.tenantA.id, final))?.status).toBe('failed');
    // A restart keeps the first started_at.
    const first = (await repo.findTryon(db, t.tenantA.id, a1))!.startedAt!;
    await repo.startTryons(db, [{ tenantId: t.tenantA.id, id: a1, now: new Date(now.getTime() + 60_000) }]);
    expect((await repo.findTryon(db, t.tenantA.id, a1))!.startedAt!.getTime()).toBe(first.getTime());
  });

  it('finishes several in one statement: attempts, succeeded rows and cache entries; a canceled one is left alone', async () => {
    const db = t.deps.db;
    const ids = [await queuedTryon(t.tenantA.secretKey), await queuedTryon(t.tenantA.secretKey), await queuedTryon(t.tenantA.secretKey)];
    const now = new Date(t.clock.now());
    await repo.startTryons(db, ids.map((id) => ({ tenantId: t.tenantA.id, id, now })));
    await repo.updateTryonIf(db, t.tenantA.id, ids[2]!, ['processing'], { status: 'canceled' });
    const finishedAt = new Date(now.getTime() + 1234);
    const item = (id: string, useCache: boolean): repo.Succeeded => ({
      tenantId: t.tenantA.id,
      id,
      resultBlobKey: `tenants/${t.tenantA.id}/results/${id}.jpg`,
      resultContentType: 'image/jpeg',
      resultWidth: 640,
      resultHeight: 480,
      resultBytes: 12345,
      resultMeta: { preview: true, nested: { a: [1, 2] } },
      provider: 'local',
      model: 'compositor',
      costUsd: 0.0125,
      attemptsCount: 2,
      providerMs: 77,
      finishedAt,
      expiresAt: new Date(finishedAt.getTime() + 86_400_000),
      useCache,
      attempts: [{ id: `att_${id}`, tryonId: id, provider: 'local', model: 'compositor', step: 1, hedged: true, outcome: 'succeeded', latencyMs: 77, costUsd: 0.0125, fidelityScore: 0.9, startedAt: now }],
    });
    const out = await repo.finishSucceeded(db, [item(ids[0]!, true), item(ids[1]!, false), item(ids[2]!, true)]);
    expect(out.map((r) => r?.id)).toEqual([ids[0], ids[1], undefined]);
    expect(out[0]!.expiresAt!.getTime()).toBe(finishedAt.getTime() + 86_400_000);

    const row = (await repo.findTryon(db, t.tenantA.id, ids[0]!))!;
    expect(row).toMatchObject({
      status: 'succeeded',
      stage: null,
      resultBlobKey: `tenants/${t.tenantA.id}/results/${ids[0]}.jpg`,
      resultContentType: 'image/jpeg',
      resultWidth: 640,
      resultHeight: 480,
      resultBytes: 12345,
      resultMeta: { preview: true, nested: { a: [1, 2] } },
      provider: 'local',
      model: 'compositor',
      costUsd: 0.0125,
      attemptsCount: 2,
      providerMs: 77,
    });
    expect(row.finishedAt!.getTime()).toBe(finishedAt.getTime());
    expect((await repo.findTryon(db, t.tenantA.id, ids[2]!))?.status).toBe('canceled');

    // Attempts are on record for every job (the canceled one's provider call happened too).
    for (const id of ids) {
      const atts = await db.select().from(tryonAttempts).where(eq(tryonAttempts.tryonId, id));
      expect(atts).toHaveLength(1);
      expect(atts[0]).toMatchObject({ tenantId: t.tenantA.id, provider: 'local', step: 1, hedged: true, outcome: 'succeeded', latencyMs: 77, fidelityScore: 0.9 });
    }
    // The cache entry only for the first (the second opted out, the third was not updated).
    const cached = await db.select().from(tryonCache).where(eq(tryonCache.tenantId, t.tenantA.id));
    const mine = cached.filter((c) => ids.includes(c.tryonId));
    expect(mine.map((c) => c.tryonId)).toEqual([ids[0]]);
    expect(mine[0]).toMatchObject({ cacheKey: row.cacheKey, width: 640, height: 480, bytes: 12345, provider: 'local', contentType: 'image/jpeg' });
  });

  it('a job whose start mark was lost (a database crash after its asynchronous commit) still finishes', async () => {
    const db = t.deps.db;
    const id = await queuedTryon(t.tenantA.secretKey);
    const now = new Date(t.clock.now());
    // No startTryons: the row is still queued, as after the crash.
    const [out] = await repo.finishSucceeded(db, [plainSuccess(t.tenantA.id, id, now, { resultWidth: 8, resultHeight: 8, resultBytes: 64, useCache: false })]);
    expect(out?.id).toBe(id);
    expect((await repo.findTryon(db, t.tenantA.id, id))?.status).toBe('succeeded');
  });

  it('two jobs with the same inputs in one batch write one cache entry', async () => {
    const db = t.deps.db;
    const ids = [await queuedTryon(t.tenantB.secretKey), await queuedTryon(t.tenantB.secretKey)];
    const now = new Date(t.clock.now());
    const started = await repo.startTryons(db, ids.map((id) => ({ tenantId: t.tenantB.id, id, now })));
    expect(started[0]!.cacheKey).toBe(started[1]!.cacheKey);
    const out = await repo.finishSucceeded(
      db,
      ids.map((id) => plainSuccess(t.tenantB.id, id, now, { resultWidth: 10, resultHeight: 10, resultBytes: 100, useCache: true })),
    );
    expect(out.every((r) => r !== undefined)).toBe(true);
    const cached = await db.select().from(tryonCache).where(eq(tryonCache.cacheKey, started[0]!.cacheKey!));
    expect(cached).toHaveLength(1);
  });

  it('inserts try-ons submitted together in shared statements; each returned row is exactly what is stored', async () => {
    const db = t.deps.db;
    const now = t.clock.now();
    const rows = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        repo.insertTryon(db, t.tenantA.id, {
          id: `try_batch${i}`,
          environment: 'live',
          status: 'queued',
          mode: i % 2 ? 'fast' : 'quality',
          personUploadId: 'upl_x',
          ...(i % 3 === 0 ? { personBlob: { key: `tenants/${t.tenantA.id}/uploads/upl_x.jpg`, content_type: 'image/jpeg', width: 3, height: 4 } } : {}),
          garments: [{ upload_id: 'upl_g', category: 'tops', sha256: 'ab', product_id: `sku-${i}` }],
          ...(i % 4 === 0 ? { metadata: { order: `o-${i}`, 'ü': 'é "quoted"' } } : {}),
          ...(i === 5 ? { shopperId: 'shopper-5', cacheKey: 'k5', requestedProvider: 'fal' } : {}),
          queuedAt: new Date(now),
          createdAt: new Date(now),
          updatedAt: new Date(now),
          expiresAt: new Date(now + 3_600_000),
        }),
      ),
    );
    for (const r of rows) expect(await repo.findTryon(db, t.tenantA.id, r.id)).toEqual(r);
    expect(rows[0]).toMatchObject({ metadata: { order: 'o-0' }, cached: false, attemptsCount: 0, costUsd: 0, cancelRequested: false, stage: null });
    expect(rows[1]!.metadata).toEqual({});
    expect(rows[1]!.personBlob).toBeNull();
    // Tenant-scoped like every read: tenant B sees none of them.
    expect(await repo.findTryon(db, t.tenantB.id, rows[0]!.id)).toBeUndefined();
  });

  it('reads the uploads of several submits in one statement, each only its own tenant’s', async () => {
    const upload = async (key: string) => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/uploads', headers: bearer(key), payload: { data_url: dataUrl(ASTRONAUT) } });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json().id as string;
    };
    const a = await upload(t.tenantA.secretKey);
    const a2 = await upload(t.tenantA.secretKey);
    const b = await upload(t.tenantB.secretKey);
    const rowA = await repo.findUpload(t.deps.db, t.tenantA.id, a);
    const rowA2 = await repo.findUpload(t.deps.db, t.tenantA.id, a2);
    const rowB = await repo.findUpload(t.deps.db, t.tenantB.id, b);
    const out = await repo.findUploadsMany(t.deps.db, [
      { tenantId: t.tenantA.id, ids: [a, 'upl_missing', a2] },
      { tenantId: t.tenantB.id, ids: [a, b] }, // tenant A's upload asked for by tenant B: not found
      { tenantId: t.tenantA.id, ids: [a] },
      { tenantId: t.tenantA.id, ids: [] },
    ]);
    expect(out).toEqual([[rowA, rowA2], [rowB], [rowA], []]);
  });

  it('an erased upload’s blob key is announced to every node (workers drop it from their input cache)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/uploads', headers: bearer(t.tenantA.secretKey), payload: { data_url: dataUrl(ASTRONAUT) } });
    const id = res.json().id as string;
    const key = (await repo.findUpload(t.deps.db, t.tenantA.id, id))!.blobKey!;
    const heard: string[][] = [];
    const off = await t.deps.pubsub.subscribe(INPUTS_ERASED_CHANNEL, (raw) => heard.push(JSON.parse(raw) as string[]));
    try {
      expect((await t.app.inject({ method: 'DELETE', url: `/v1/uploads/${id}`, headers: bearer(t.tenantA.secretKey) })).statusCode).toBeLessThan(300);
      for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toEqual([[key]]);
    } finally {
      await off();
    }
  });
});
