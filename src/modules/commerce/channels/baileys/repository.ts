/**
 * Drizzle queries for the Baileys auth state (tables.ts). Tenant id first, always; values are
 * opaque BufferJSON text here (auth-store.ts turns them into Baileys' objects).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../../../platform/db/client.js';
import { baileysAuth } from './tables.js';

/** The values of `kind` rows with these ids that exist (absent ids are absent from the map). */
export async function readAuthValues(db: Db, tenantId: string, connectionId: string, kind: string, keyIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (keyIds.length === 0) return out;
  // Chunked: a Signal session fan-out can ask for hundreds of ids at once.
  for (let i = 0; i < keyIds.length; i += 500) {
    const rows = await db
      .select({ keyId: baileysAuth.keyId, value: baileysAuth.value })
      .from(baileysAuth)
      .where(and(eq(baileysAuth.tenantId, tenantId), eq(baileysAuth.connectionId, connectionId), eq(baileysAuth.kind, kind), inArray(baileysAuth.keyId, keyIds.slice(i, i + 500))));
    for (const r of rows) out.set(r.keyId, r.value);
  }
  return out;
}

export type AuthWrite = { kind: string; keyId: string; value: string | null };

/** Upsert the rows with a value and delete the ones with `null`, in one transaction. */
export async function writeAuthValues(db: Db, tenantId: string, connectionId: string, writes: AuthWrite[]): Promise<void> {
  if (writes.length === 0) return;
  // The last write for a key wins (Baileys may name a key twice in one set).
  const last = new Map<string, AuthWrite>();
  for (const w of writes) last.set(`${w.kind}\u0000${w.keyId}`, w);
  const upserts = [...last.values()].filter((w) => w.value !== null);
  const deletes = [...last.values()].filter((w) => w.value === null);
  const now = new Date();
  await db.transaction(async (tx) => {
    for (let i = 0; i < upserts.length; i += 200) {
      await tx
        .insert(baileysAuth)
        .values(upserts.slice(i, i + 200).map((w) => ({ tenantId, connectionId, kind: w.kind, keyId: w.keyId, value: w.value!, updatedAt: now })))
        .onConflictDoUpdate({
          target: [baileysAuth.connectionId, baileysAuth.kind, baileysAuth.keyId],
          set: { value: sql`excluded.value`, updatedAt: now },
          // A connection id belongs to one tenant: another tenant's row is never overwritten.
          setWhere: eq(baileysAuth.tenantId, tenantId),
        });
    }
    const byKind = new Map<string, string[]>();
    for (const d of deletes) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), d.keyId]);
    for (const [kind, ids] of byKind) {
      for (let i = 0; i < ids.length; i += 500) {
        await tx
          .delete(baileysAuth)
          .where(and(eq(baileysAuth.tenantId, tenantId), eq(baileysAuth.connectionId, connectionId), eq(baileysAuth.kind, kind), inArray(baileysAuth.keyId, ids.slice(i, i + 500))));
      }
    }
  });
}

/** Every row of the connection (creds and keys): logout, or the connection deleted. Returns how many. */
export async function clearAuth(db: Db, tenantId: string, connectionId: string): Promise<number> {
  const rows = await db
    .delete(baileysAuth)
    .where(and(eq(baileysAuth.tenantId, tenantId), eq(baileysAuth.connectionId, connectionId)))
    .returning({ kind: baileysAuth.kind });
  return rows.length;
}

/** How many rows a connection holds (health and tests). */
export async function countAuthRows(db: Db, tenantId: string, connectionId: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(baileysAuth)
    .where(and(eq(baileysAuth.tenantId, tenantId), eq(baileysAuth.connectionId, connectionId)));
  return Number(r?.n ?? 0);
}
