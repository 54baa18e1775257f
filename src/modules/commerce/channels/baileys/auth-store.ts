/**
 * Where a linked device's auth state lives, seen from the main thread: `AuthStore` reads and
 * writes opaque BufferJSON text per (tenant, connection, kind, key id). `dbAuthStore(db)` is the
 * real one (repository.ts, PGlite or PostgreSQL); `memoryAuthStore()` keeps it in a Map (a
 * throwaway pairing, tests of the worker plumbing). The worker thread never opens the database:
 * it asks the main thread by message (protocol.ts `AuthRequest`), which answers from the store.
 */
import type { Db } from '../../../../platform/db/client.js';
import { clearAuth, readAuthValues, writeAuthValues, type AuthWrite } from './repository.js';
import type { AuthRequest, ToWorker } from './protocol.js';

export type { AuthWrite };

export interface AuthStore {
  /** The values that exist for these ids (missing ids are absent). */
  read(tenantId: string, connectionId: string, kind: string, keyIds: string[]): Promise<Record<string, string>>;
  /** Upserts (value) and deletes (null), all or nothing. */
  write(tenantId: string, connectionId: string, writes: AuthWrite[]): Promise<void>;
  /** Forget the device: every row of the connection. */
  clear(tenantId: string, connectionId: string): Promise<void>;
}

export function dbAuthStore(db: Db): AuthStore {
  return {
    async read(tenantId, connectionId, kind, keyIds) {
      return Object.fromEntries(await readAuthValues(db, tenantId, connectionId, kind, keyIds));
    },
    write: (tenantId, connectionId, writes) => writeAuthValues(db, tenantId, connectionId, writes),
    async clear(tenantId, connectionId) {
      await clearAuth(db, tenantId, connectionId);
    },
  };
}

/** In memory: lost on restart (the device must pair again). */
export function memoryAuthStore(): AuthStore & { size(tenantId: string, connectionId: string): number } {
  const rows = new Map<string, string>();
  const prefix = (t: string, c: string) => `${t}\u0000${c}\u0000`;
  const k = (t: string, c: string, kind: string, id: string) => `${prefix(t, c)}${kind}\u0000${id}`;
  return {
    async read(tenantId, connectionId, kind, keyIds) {
      const out: Record<string, string> = {};
      for (const id of keyIds) {
        const v = rows.get(k(tenantId, connectionId, kind, id));
        if (v !== undefined) out[id] = v;
      }
      return out;
    },
    async write(tenantId, connectionId, writes) {
      for (const w of writes) {
        if (w.value === null) rows.delete(k(tenantId, connectionId, w.kind, w.keyId));
        else rows.set(k(tenantId, connectionId, w.kind, w.keyId), w.value);
      }
    },
    async clear(tenantId, connectionId) {
      for (const key of [...rows.keys()]) if (key.startsWith(prefix(tenantId, connectionId))) rows.delete(key);
    },
    size(tenantId, connectionId) {
      return [...rows.keys()].filter((key) => key.startsWith(prefix(tenantId, connectionId))).length;
    },
  };
}

/** The main thread's answer to a worker's auth request (a store failure is logged, the worker gets a plain refusal). */
export async function answerAuth(
  store: AuthStore,
  ref: { id: string; tenantId: string },
  m: AuthRequest,
  log?: ((level: 'error', msg: string, fields: Record<string, unknown>) => void) | undefined,
): Promise<Extract<ToWorker, { type: 'auth-reply' }>> {
  try {
    const value = m.op === 'read' ? await store.read(ref.tenantId, ref.id, m.kind, m.keyIds) : m.op === 'write' ? await store.write(ref.tenantId, ref.id, m.writes) : await store.clear(ref.tenantId, ref.id);
    return { type: 'auth-reply', id: m.id, ok: true, value: value ?? undefined };
  } catch (e) {
    log?.('error', 'baileys auth store failed', { connectionId: ref.id, error: e instanceof Error ? e.message : String(e) });
    return { type: 'auth-reply', id: m.id, ok: false, message: 'the auth store failed' };
  }
}
