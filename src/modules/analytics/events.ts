/**
 * Funnel events from the widget (publishable key + widget session) or a store's server (secret
 * key). Stored raw and counted into the hourly rollups in the same transaction, so the funnel is
 * always current without a scan of the raw table.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import type { KeyPrincipal } from '../../platform/http/principal.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { TFunnelEvent } from '../../../contracts/analytics.js';
import { FUNNEL_STEPS, PLATFORM, analyticsEvents, type FunnelEventType } from './tables.js';

/** Events may be sent late (a widget offline for a while), but not from the distant past or the future. */
export const MAX_EVENT_AGE_MS = 7 * 24 * 3600_000;
export const MAX_EVENT_SKEW_MS = 5 * 60_000;
const MAX_PROPERTIES_BYTES = 2048;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

export function widgetSessionHash(p: KeyPrincipal, header: string | undefined): string | null {
  if (p.keyKind !== 'publishable') return header && /^[A-Za-z0-9_-]{16,128}$/.test(header) ? sha256(header) : null;
  if (!header || !/^[A-Za-z0-9_-]{16,128}$/.test(header)) {
    throw new AppError('VALIDATION_FAILED', 'Widget requests need a probador-session header (16–128 characters of A–Z, a–z, 0–9, _ or -).');
  }
  return sha256(header);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export async function recordEvents(db: Db, clock: Clock, p: KeyPrincipal, session: string | null, events: TFunnelEvent[]): Promise<number> {
  const now = clock.now();
  const rows = events.map((e, i) => {
    const at = e.at ? Date.parse(e.at) : now;
    if (!Number.isFinite(at)) throw new AppError('VALIDATION_FAILED', `events[${i}].at is not a valid date-time.`);
    if (at > now + MAX_EVENT_SKEW_MS) throw new AppError('VALIDATION_FAILED', `events[${i}].at is in the future.`);
    if (at < now - MAX_EVENT_AGE_MS) throw new AppError('VALIDATION_FAILED', `events[${i}].at is more than 7 days old.`);
    if (e.properties && Buffer.byteLength(JSON.stringify(e.properties)) > MAX_PROPERTIES_BYTES) {
      throw new AppError('VALIDATION_FAILED', `events[${i}].properties is larger than ${MAX_PROPERTIES_BYTES} bytes as JSON.`);
    }
    return {
      id: newId('event'),
      tenantId: p.tenantId,
      type: e.type as FunnelEventType,
      productId: e.product_id ?? null,
      tryonId: e.tryon_id ?? null,
      session,
      keyId: p.keyId,
      properties: e.properties ?? null,
      at: new Date(at),
      receivedAt: new Date(now),
    };
  });

  // Counts per (hour, type), in a fixed order so concurrent upserts lock rows in the same order.
  const counts = new Map<string, { hour: number; type: string; n: number }>();
  for (const r of rows) {
    const hour = Math.floor(r.at.getTime() / HOUR) * HOUR;
    const k = `${hour}|${r.type}`;
    const c = counts.get(k);
    if (c) c.n++;
    else counts.set(k, { hour, type: r.type, n: 1 });
  }
  const groups = [...counts.values()].sort((a, b) => a.hour - b.hour || a.type.localeCompare(b.type));
  const values = sql.join(
    groups.map((g) => sql`(${p.tenantId}, ${new Date(g.hour)}::timestamptz, 'event', ${g.type}, ${g.n}::bigint, 0::float8)`),
    sql`, `,
  );

  // The same counts per day, for the tenant and for the platform (PLATFORM rows last: every
  // tenant's transactions take those locks in the same order, after their own rows).
  const days = new Map<string, { day: number; type: string; n: number }>();
  for (const g of groups) {
    const day = Math.floor(g.hour / DAY) * DAY;
    const k = `${day}|${g.type}`;
    const d = days.get(k);
    if (d) d.n += g.n;
    else days.set(k, { day, type: g.type, n: g.n });
  }
  const dayGroups = [...days.values()].sort((a, b) => a.day - b.day || a.type.localeCompare(b.type));
  const dailyValues = sql.join(
    [p.tenantId, PLATFORM].flatMap((tenant) => dayGroups.map((g) => sql`(${tenant}, ${new Date(g.day)}::timestamptz, 'event', ${g.type}, ${g.n}::bigint, 0::float8)`)),
    sql`, `,
  );
  // Unique sessions per funnel step and hour (server-sent events without a session are not shopper sessions).
  const seen = new Map<string, { hour: number; step: string }>();
  if (session) {
    for (const r of rows) {
      if (!(FUNNEL_STEPS as readonly string[]).includes(r.type)) continue;
      const hour = Math.floor(r.at.getTime() / HOUR) * HOUR;
      seen.set(`${hour}|${r.type}`, { hour, step: r.type });
    }
  }
  const sessionRows = [...seen.values()].sort((a, b) => a.step.localeCompare(b.step) || a.hour - b.hour);

  await db.transaction(async (tx) => {
    await tx.insert(analyticsEvents).values(rows);
    await tx.execute(sql`
      insert into analytics_hourly (tenant_id, hour, metric, dim, n, total) values ${values}
      on conflict (tenant_id, metric, hour, dim) do update set n = analytics_hourly.n + excluded.n`);
    await tx.execute(sql`
      insert into analytics_daily (tenant_id, day, metric, dim, n, total) values ${dailyValues}
      on conflict (tenant_id, metric, day, dim) do update set n = analytics_daily.n + excluded.n`);
    if (session && sessionRows.length > 0) {
      await tx.execute(sql`
        insert into analytics_funnel_sessions (tenant_id, hour, step, session)
        values ${sql.join(sessionRows.map((r) => sql`(${p.tenantId}, ${new Date(r.hour)}::timestamptz, ${r.step}, ${session})`), sql`, `)}
        on conflict do nothing`);
    }
  });
  return rows.length;
}
