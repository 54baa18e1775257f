/** Tenants and API keys: the use-cases behind the admin API and the CLI. */
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import { SYSTEM_ACTOR, type AuditContext, type AuditLog } from '../../platform/audit/index.js';
import type { TApiKey, TCreateKeyBody, TCreateTenantBody, TTenant, TUpdateTenantBody } from '../../../contracts/tenants.js';
import * as repo from './repository.js';
import { generateKey } from './keys.js';
import type { ApiKeyRow, TenantRow } from './tables.js';

export type TenantEvents = {
  /** Called after a change that cached key lookups must forget (revocation, rotation, tenant change). */
  invalidate: (msg: { tenantId: string; keyHash?: string }) => Promise<void>;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentTenant(t: TenantRow): TTenant {
  return {
    id: t.id,
    object: 'tenant',
    name: t.name,
    website: t.website,
    tier: t.tier,
    active: t.active,
    allowed_origins: t.allowedOrigins,
    retention: t.retention,
    settings: t.settings,
    limits: t.limits,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

export function keyStatus(k: ApiKeyRow, now: number): TApiKey['status'] {
  if (k.revokedAt) return 'revoked';
  if (k.expiresAt && k.expiresAt.getTime() <= now) return 'expired';
  if (k.expiresAt) return 'expiring';
  return 'active';
}

export function presentKey(k: ApiKeyRow, now: number): TApiKey {
  return {
    id: k.id,
    object: 'api_key',
    tenant_id: k.tenantId,
    name: k.name,
    kind: k.kind,
    environment: k.environment,
    prefix: k.prefix,
    status: keyStatus(k, now),
    expires_at: iso(k.expiresAt),
    revoked_at: iso(k.revokedAt),
    last_used_at: iso(k.lastUsedAt),
    replaced_by: k.replacedBy,
    created_at: k.createdAt.toISOString(),
  };
}

const normaliseOrigins = (origins: string[]) => [...new Set(origins.map((o) => o.toLowerCase().replace(/\/$/, '')))];

/** Fields of a tenant whose old and new values the audit trail keeps (plain facts, no secrets). */
const AUDITED_VALUES = ['name', 'website', 'tier', 'active', 'retention', 'allowed_origins', 'limits'] as const;

/**
 * The audit entries of a tenant update: `tenant.updated` with each changed field's old and new
 * value, and `tenant.settings_changed` naming the settings sections that changed — never their
 * values (a section may hold a third party's key, e.g. product_analytics.posthog).
 */
function tenantChanges(before: TenantRow, after: TenantRow) {
  const a = presentTenant(before);
  const b = presentTenant(after);
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const f of AUDITED_VALUES) if (JSON.stringify(a[f]) !== JSON.stringify(b[f])) changes[f] = { from: a[f], to: b[f] };
  const sections = [...new Set([...Object.keys(a.settings), ...Object.keys(b.settings)])].filter((k) => JSON.stringify(a.settings[k]) !== JSON.stringify(b.settings[k])).sort();
  return { changes, sections };
}

export function createTenantsService({ db, clock, events, audit }: { db: Db; clock: Clock; events: TenantEvents; audit: AuditLog }) {
  async function getTenant(tenantId: string) {
    const t = await repo.findTenant(db, tenantId);
    if (!t) throw new AppError('TENANT_NOT_FOUND', `Tenant ${tenantId} not found.`);
    return t;
  }

  async function getKey(tenantId: string, keyId: string) {
    const k = await repo.findKey(db, tenantId, keyId);
    if (!k) throw new AppError('API_KEY_NOT_FOUND', `API key ${keyId} not found.`);
    return k;
  }

  /** A new key (shown once). `audited: false` inside a rotation, which records `key.rotated` instead. */
  async function createKey(tenantId: string, body: TCreateKeyBody, by: AuditContext = SYSTEM_ACTOR, tx: Db = db, audited = true) {
    // Within a transaction every statement goes through it (PGlite has one connection: a statement
    // outside would wait for the transaction to end).
    if (!(await repo.findTenant(tx, tenantId))) throw new AppError('TENANT_NOT_FOUND', `Tenant ${tenantId} not found.`);
    const kind = body.kind ?? 'secret';
    const environment = body.environment ?? 'live';
    let expiresAt: Date | null = null;
    if (body.expires_at) {
      expiresAt = new Date(body.expires_at);
      if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= clock.now()) {
        throw new AppError('VALIDATION_FAILED', 'expires_at must be a moment in the future.');
      }
    }
    const material = generateKey(kind, environment);
    const insert = async (q: Db) => {
      const row = await repo.insertKey(q, tenantId, {
        id: newId('apiKey'),
        name: body.name ?? null,
        kind,
        environment,
        prefix: material.prefix,
        hash: material.hash,
        expiresAt,
        createdAt: new Date(clock.now()),
      });
      if (audited) {
        await audit.record(q, by, { action: 'key.created', tenantId, target: { type: 'api_key', id: row.id }, details: { kind, environment, expires_at: expiresAt?.toISOString() ?? null } });
      }
      return row;
    };
    const row = tx === db ? await db.transaction((t) => insert(t)) : await insert(tx);
    return { ...presentKey(row, clock.now()), key: material.key };
  }

  return {
    getTenant,
    async createTenant(body: TCreateTenantBody, by: AuditContext = SYSTEM_ACTOR) {
      const now = new Date(clock.now());
      return db.transaction(async (tx) => {
        const t = await repo.insertTenant(tx, {
          id: newId('tenant'),
          name: body.name,
          website: body.website ?? null,
          tier: body.tier ?? 'free',
          allowedOrigins: normaliseOrigins(body.allowed_origins ?? []),
          retention: body.retention ?? '24h',
          settings: body.settings ?? {},
          limits: body.limits ?? {},
          createdAt: now,
          updatedAt: now,
        });
        await audit.record(tx, by, { action: 'tenant.created', tenantId: t.id, target: { type: 'tenant', id: t.id }, details: { name: t.name, tier: t.tier, settings_sections: Object.keys(t.settings).sort() } });
        return t;
      });
    },
    listTenants: (opts: { limit: number; startingAfter?: string | undefined; active?: boolean | undefined }) => repo.listTenants(db, opts),
    async updateTenant(tenantId: string, body: TUpdateTenantBody, by: AuditContext = SYSTEM_ACTOR) {
      const patch: Partial<repo.NewTenant> = {};
      if (body.name !== undefined) patch.name = body.name;
      if (body.website !== undefined) patch.website = body.website;
      if (body.tier !== undefined) patch.tier = body.tier;
      if (body.active !== undefined) patch.active = body.active;
      if (body.allowed_origins !== undefined) patch.allowedOrigins = normaliseOrigins(body.allowed_origins);
      if (body.retention !== undefined) patch.retention = body.retention;
      if (body.settings !== undefined) patch.settings = body.settings;
      if (body.limits !== undefined) patch.limits = body.limits;
      const t = await db.transaction(async (tx) => {
        const before = await repo.findTenant(tx, tenantId, { forUpdate: true });
        if (!before) throw new AppError('TENANT_NOT_FOUND', `Tenant ${tenantId} not found.`);
        const after = (await repo.updateTenant(tx, tenantId, patch))!;
        const { changes, sections } = tenantChanges(before, after);
        const target = { type: 'tenant', id: tenantId };
        if (Object.keys(changes).length) await audit.record(tx, by, { action: 'tenant.updated', tenantId, target, details: { changes } });
        if (sections.length) await audit.record(tx, by, { action: 'tenant.settings_changed', tenantId, target, details: { sections } });
        return after;
      });
      await events.invalidate({ tenantId });
      return t;
    },
    async deactivateTenant(tenantId: string, by: AuditContext = SYSTEM_ACTOR) {
      await getTenant(tenantId);
      const t = await db.transaction(async (tx) => {
        const after = (await repo.updateTenant(tx, tenantId, { active: false }))!;
        await audit.record(tx, by, { action: 'tenant.deactivated', tenantId, target: { type: 'tenant', id: tenantId } });
        return after;
      });
      await events.invalidate({ tenantId });
      return t;
    },
    getKey,
    createKey,
    listKeys: (tenantId: string, opts: { limit: number; startingAfter?: string | undefined }) => repo.listKeys(db, tenantId, opts),
    async revokeKey(tenantId: string, keyId: string, by: AuditContext = SYSTEM_ACTOR) {
      const k = await getKey(tenantId, keyId);
      if (k.revokedAt) return k;
      const updated = await db.transaction(async (tx) => {
        const u = await repo.updateKey(tx, tenantId, keyId, { revokedAt: new Date(clock.now()) });
        await audit.record(tx, by, { action: 'key.revoked', tenantId, target: { type: 'api_key', id: keyId }, details: { kind: k.kind, environment: k.environment } });
        return u;
      });
      await events.invalidate({ tenantId, keyHash: k.hash });
      return updated!;
    },
    /** A new key with the same kind, environment and name; the old one keeps working for `graceSeconds`. */
    async rotateKey(tenantId: string, keyId: string, graceSeconds = 86_400, by: AuditContext = SYSTEM_ACTOR) {
      const old = await getKey(tenantId, keyId);
      if (old.revokedAt) throw new AppError('CONFLICT', 'A revoked key cannot be rotated.');
      if (old.replacedBy) throw new AppError('CONFLICT', `Key ${keyId} was already rotated (replaced by ${old.replacedBy}).`);
      if (old.expiresAt && old.expiresAt.getTime() <= clock.now()) throw new AppError('CONFLICT', 'An expired key cannot be rotated.');
      const graceEnd = new Date(clock.now() + graceSeconds * 1000);
      const expiresAt = old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
      // The new key, the old key's end and the record: one transaction.
      const { created, updated } = await db.transaction(async (tx) => {
        const c = await createKey(
          tenantId,
          {
            kind: old.kind,
            environment: old.environment,
            ...(old.name ? { name: old.name } : {}),
            ...(old.expiresAt ? { expires_at: old.expiresAt.toISOString() } : {}),
          },
          by,
          tx,
          false,
        );
        const u = await repo.updateKey(tx, tenantId, keyId, { expiresAt, replacedBy: c.id });
        await audit.record(tx, by, { action: 'key.rotated', tenantId, target: { type: 'api_key', id: keyId }, details: { new_key_id: c.id, old_key_expires_at: expiresAt.toISOString() } });
        return { created: c, updated: u };
      });
      await events.invalidate({ tenantId, keyHash: old.hash });
      return { created, old: presentKey(updated!, clock.now()) };
    },
  };
}

export type TenantsService = ReturnType<typeof createTenantsService>;
