/**
 * Idempotency-Key on POST (Stripe's rules): once a request passes validation, its first response
 * is stored for 24 h under (caller, key). The same key with the same method, path and body replays
 * that response (with `idempotent-replayed: true`); with another request it is 422; while the first
 * is still running it is 409. A record left in progress by a crashed request is taken over after
 * a minute. Anonymous requests (login) are not covered: there is no caller to scope the key to.
 */
import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Db } from '../db/client.js';
import { idempotencyKeys } from '../db/tables.js';
import type { Clock } from '../clock.js';
import type { App } from './types.js';

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const IN_PROGRESS_TAKEOVER_MS = 60_000;
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['content-type', 'location'];

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { scope: string; key: string };
  }
  interface FastifyContextConfig {
    /**
     * Dot paths of response fields that hold a secret shown once (e.g. `key`, `key.key`). They are
     * blanked in the stored copy, so a secret never rests in the idempotency table; a replay shows
     * `"[shown once]"` in their place.
     */
    secretFields?: string[];
  }
}

function withoutSecrets(body: string, paths: string[] | undefined): string {
  if (!paths?.length || !body) return body;
  try {
    const doc = JSON.parse(body) as Record<string, unknown>;
    for (const path of paths) {
      const parts = path.split('.');
      let node: unknown = doc;
      for (const p of parts.slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[p] : undefined;
      const last = parts[parts.length - 1]!;
      if (node && typeof node === 'object' && last in node) (node as Record<string, unknown>)[last] = '[shown once]';
    }
    return JSON.stringify(doc);
  } catch {
    return body;
  }
}

function scopeOf(req: FastifyRequest): string | undefined {
  const p = req.principal;
  if (!p) return undefined;
  return p.kind === 'api_key' ? `tenant:${p.tenantId}:${p.environment}` : p.kind === 'end_user' ? `end_user:${p.tenantId}:${p.userId}` : `user:${p.userId}`;
}

function requestHash(req: FastifyRequest): string {
  return createHash('sha256')
    .update(`${req.method}\n${req.url}\n`)
    .update(req.body === undefined ? '' : JSON.stringify(req.body))
    .digest('hex');
}

export function registerIdempotency(app: App, { db, clock }: { db: Db; clock: Clock }) {
  /** Claim the key, or answer (replay, conflict). True when the reply was sent here. */
  const claim = async (req: FastifyRequest, reply: FastifyReply, raw: string | string[]): Promise<boolean> => {
    const key = Array.isArray(raw) ? raw[0]! : raw;
    if (!KEY_SHAPE.test(key)) throw new AppError('IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
    const scope = scopeOf(req);
    if (!scope) return false;
    const hash = requestHash(req);
    const now = clock.now();
    const path = req.url.split('?')[0]!;

    const claimed = await db
      .insert(idempotencyKeys)
      .values({ scope, key, requestHash: hash, method: req.method, path, createdAt: new Date(now) })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (claimed.length === 1) {
      req.idempotency = { scope, key };
      return false;
    }
    const [existing] = await db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
    if (!existing) throw new AppError('IDEMPOTENCY_KEY_IN_USE', 'Retry the request.');
    const expired = existing.createdAt.getTime() < now - IDEMPOTENCY_TTL_MS;
    const abandoned = existing.completedAt === null && existing.createdAt.getTime() < now - IN_PROGRESS_TAKEOVER_MS;
    if (expired || abandoned) {
      // Take the record over atomically: only one retry wins.
      const taken = await db
        .update(idempotencyKeys)
        .set({ requestHash: hash, method: req.method, path, status: null, headers: null, body: null, createdAt: new Date(now), completedAt: null })
        .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), eq(idempotencyKeys.createdAt, existing.createdAt)))
        .returning({ key: idempotencyKeys.key });
      if (taken.length === 1) {
        req.idempotency = { scope, key };
        return false;
      }
      throw new AppError('IDEMPOTENCY_KEY_IN_USE', 'Another request with this Idempotency-Key is in progress.');
    }
    if (existing.requestHash !== hash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', `This Idempotency-Key was first used for ${existing.method} ${existing.path} with a different body.`);
    }
    if (existing.completedAt === null || existing.status === null) {
      throw new AppError('IDEMPOTENCY_KEY_IN_USE', 'The first request with this Idempotency-Key is still running; retry shortly.', { headers: { 'retry-after': '1' } });
    }
    reply.headers(existing.headers ?? {});
    reply.header('idempotent-replayed', 'true');
    reply.code(existing.status).send(existing.body ?? '');
    return true;
  };

  // preHandler: after authentication and body validation (invalid requests are not stored).
  // Callback-style: requests without an Idempotency-Key (every GET) pass synchronously.
  app.addHook('preHandler', (req, reply, done) => {
    if (req.method !== 'POST') return done();
    const raw = req.headers['idempotency-key'];
    if (raw === undefined) return done();
    claim(req, reply, raw).then(
      (sent) => {
        if (!sent) done();
      },
      (e: unknown) => done(e as Error),
    );
  });

  app.addHook('onSend', (req, reply, payload, done) => {
    const idem = req.idempotency;
    if (!idem) return done(null, payload);
    req.idempotency = undefined;
    store(req, reply, payload, idem).then(
      () => done(null, payload),
      (e: unknown) => done(e as Error),
    );
  });

  const store = async (req: FastifyRequest, reply: FastifyReply, payload: unknown, idem: { scope: string; key: string }) => {
    const headers: Record<string, string> = {};
    for (const h of REPLAYED_HEADERS) {
      const v = reply.getHeader(h);
      if (v !== undefined) headers[h] = String(v);
    }
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : payload === null || payload === undefined ? '' : undefined;
    if (body === undefined) {
      // A streamed response cannot be replayed: release the key instead of storing half of it.
      await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.scope, idem.scope), eq(idempotencyKeys.key, idem.key)));
      return;
    }
    await db
      .update(idempotencyKeys)
      .set({ status: reply.statusCode, headers, body: withoutSecrets(body, req.routeOptions.config?.secretFields), completedAt: new Date(clock.now()) })
      .where(and(eq(idempotencyKeys.scope, idem.scope), eq(idempotencyKeys.key, idem.key)));
  };
}

/** Delete records older than 24 h (and abandoned ones); run periodically by the worker. */
export async function purgeIdempotencyKeys(db: Db, now: number): Promise<number> {
  const rows = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, new Date(now - IDEMPOTENCY_TTL_MS)))
    .returning({ key: idempotencyKeys.key });
  return rows.length;
}
