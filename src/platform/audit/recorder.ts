/**
 * The audit trail's writer: a small port every module gets from the composition root
 * (`deps.audit`), so none of them imports another to leave a record.
 *
 * Failure rule (docs/architecture.md, "Audit trail"):
 * - an act that writes the database records inside the act's own transaction (`record(tx, …)`):
 *   a failed audit write rolls the act back and the request fails (500) — never an act without its
 *   record, never a record of an act that did not happen;
 * - an act that only reads (an end user's export) records first and fails closed: no record, no data;
 * - an act that writes nothing and is refused anyway (a failed sign-in) uses `recordOrReport`: a
 *   failed write is logged and sent to error tracking, and the caller still gets its 401.
 */
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import { auditEvents, type AuditActorKind } from './tables.js';

export type AuditActor = { kind: AuditActorKind; id: string | null };
/** Who acts, and the request they act through (null outside a request: the CLI, start-up). */
export type AuditContext = { actor: AuditActor; requestId: string | null; ip: string | null };
/** The request's part of an AuditContext, for acts whose actor is known only later (a sign-in). */
export type AuditRequest = Pick<AuditContext, 'requestId' | 'ip'>;

export const SYSTEM_ACTOR: AuditContext = Object.freeze({ actor: Object.freeze({ kind: 'system', id: null }), requestId: null, ip: null }) as AuditContext;
export const CLI_ACTOR: AuditContext = Object.freeze({ actor: Object.freeze({ kind: 'cli', id: null }), requestId: null, ip: null }) as AuditContext;
export const NO_REQUEST: AuditRequest = Object.freeze({ requestId: null, ip: null });

export type AuditEntry = {
  /** Dotted, `<object>.<verb>`: `key.created`, `auth.sign_in_failed` … */
  action: string;
  tenantId: string | null;
  target?: { type: string; id: string } | null | undefined;
  /** A few facts (field names, a role, a reason). Never values of secrets or personal data: scrubbed anyway. */
  details?: Record<string, unknown> | undefined;
};

export type AuditLog = {
  /** Write the entry on `db` — the act's transaction when the act writes. A failure throws. */
  record(db: Db, by: AuditContext, entry: AuditEntry): Promise<void>;
  /** For an act that writes nothing and fails anyway: a failed write is logged and reported, not thrown. */
  recordOrReport(by: AuditContext, entry: AuditEntry): Promise<void>;
};

const MAX_DETAILS_BYTES = 2048;
const MAX_DEPTH = 4;

/** Names whose values are never kept, whatever they hold. */
const SECRET_NAME = /pass(word|wd)?|secret|token|authori[sz]ation|cookie|credential|^key$|api_?key|private/i;
/** Values shaped like a secret or a person: our keys and tokens, JWTs, bearer values, emails. */
const SECRET_VALUE: [RegExp, string][] = [
  [/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/g, '[redacted]'],
  [/\b(sk|pk|rk|whsec|rt|eurt|prt|phc)_[A-Za-z0-9_+/=-]{6,}/g, '[redacted]'],
  [/\b(Bearer|Basic)\s+\S+/gi, '[redacted]'],
  [/\$argon2\w*\$[^\s"']+/g, '[redacted]'],
  [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '[email]'],
];

function scrubString(s: string): string {
  let out = s.length > 256 ? `${s.slice(0, 256)}…` : s;
  for (const [re, by] of SECRET_VALUE) out = out.replace(re, by);
  return out;
}

function scrubValue(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return scrubString(v);
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(v)) return v.slice(0, 50).map((x) => scrubValue(x, depth + 1));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue;
      out[k] = SECRET_NAME.test(k) ? '[redacted]' : scrubValue(x, depth + 1);
    }
    return out;
  }
  return undefined; // functions, bigints, symbols: not facts
}

/** `details` as stored: secrets and emails taken out, at most 2 KB of JSON. */
export function scrubDetails(d: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!d) return {};
  const out = scrubValue(d, 0) as Record<string, unknown>;
  const size = Buffer.byteLength(JSON.stringify(out));
  return size > MAX_DETAILS_BYTES ? { truncated: true, keys: Object.keys(out).slice(0, 20) } : out;
}

/**
 * The address kept: IPv4 to its /24 (`203.0.113.7` → `203.0.113.0`), IPv6 to its /48
 * (`2001:db8:1:2::5` → `2001:db8:1::`); an IPv4-mapped IPv6 address as IPv4. Enough to tell
 * networks apart and spot a run of failed sign-ins, not a person's device.
 */
export function truncateIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0`;
  if (!ip.includes(':')) return null;
  const [head = '', tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return `${groups
    .slice(0, 3)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::`;
}

const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * `aud_` ids in the order this process recorded them: an id's first 10 characters are its time (as
 * every id's), the next 4 count the events of that millisecond here, so two events of one act
 * (`tenant.updated`, then `tenant.settings_changed`) list newest first in the order they happened.
 */
export function auditIds() {
  let lastMs = -1;
  let seq = 0;
  return (now: number) => {
    seq = now === lastMs ? seq + 1 : 0;
    lastMs = now;
    const id = newId('auditEvent', now);
    let s = '';
    for (let i = 0, n = seq; i < 4; i++, n = Math.floor(n / 32)) s = B32[n % 32] + s;
    return `${id.slice(0, 14)}${s}${id.slice(18)}`;
  };
}

export function createAuditLog(o: { db: Db; clock: Clock; log: Logger; report?: ((err: unknown, ctx: { source: string; tenantId?: string | null }) => void) | undefined }): AuditLog {
  const nextId = auditIds();
  const row = (by: AuditContext, e: AuditEntry) => {
    const now = o.clock.now();
    return {
      id: nextId(now),
      at: new Date(now),
      tenantId: e.tenantId,
      actorKind: by.actor.kind,
      actorId: by.actor.id,
      action: e.action,
      targetType: e.target?.type ?? null,
      targetId: e.target?.id ?? null,
      requestId: by.requestId,
      ip: truncateIp(by.ip),
      details: scrubDetails(e.details),
    };
  };
  const record = async (db: Db, by: AuditContext, e: AuditEntry) => {
    await db.insert(auditEvents).values(row(by, e));
  };
  return {
    record,
    async recordOrReport(by, e) {
      try {
        await record(o.db, by, e);
      } catch (err) {
        // The act's facts without the person: the action and ids only.
        o.log.error({ err: { message: (err as Error).message }, action: e.action, tenant_id: e.tenantId, request_id: by.requestId }, 'audit event not recorded');
        o.report?.(err, { source: `audit:${e.action}`, tenantId: e.tenantId });
      }
    },
  };
}
