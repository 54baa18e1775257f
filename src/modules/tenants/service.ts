/** Tenants and API keys: the use-cases behind the admin API and the CLI. */
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
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

export function createTenantsService({ db, clock, events }: { db: Db; clock: Clock; events: TenantEvents }) {
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

  async function createKey(tenantId: string, body: TCreateKeyBody) {
    await getTenant(tenantId);
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
    const row = await repo.insertKey(db, tenantId, {
      id: newId('apiKey'),
      name: body.name ?? null,
      kind,
      environment,
      prefix: material.prefix,
      hash: material.hash,
      expiresAt,
      createdAt: new Date(clock.now()),
    });
    return { ...presentKey(row, clock.now()), key: material.key };
  }

  return {
    getTenant,
    async createTenant(body: TCreateTenantBody) {
      const now = new Date(clock.now());
      const t = await repo.insertTenant(db, {
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
      return t;
    },
    listTenants: (opts: { limit: number; startingAfter?: string | undefined; active?: boolean | undefined }) => repo.listTenants(db, opts),
    async updateTenant(tenantId: string, body: TUpdateTenantBody) {
      await getTenant(tenantId);
      const patch: Partial<repo.NewTenant> = {};
      if (body.name !== undefined) patch.name = body.name;
      if (body.website !== undefined) patch.website = body.website;
      if (body.tier !== undefined) patch.tier = body.tier;
      if (body.active !== undefined) patch.active = body.active;
      if (body.allowed_origins !== undefined) patch.allowedOrigins = normaliseOrigins(body.allowed_origins);
      if (body.retention !== undefined) patch.retention = body.retention;
      if (body.settings !== undefined) patch.settings = body.settings;
      if (body.limits !== undefined) patch.limits = body.limits;
      const t = await repo.updateTenant(db, tenantId, patch);
      await events.invalidate({ tenantId });
      return t!;
    },
    async deactivateTenant(tenantId: string) {
      await getTenant(tenantId);
      const t = await repo.updateTenant(db, tenantId, { active: false });
      await events.invalidate({ tenantId });
      return t!;
    },
    getKey,
    createKey,
    listKeys: (tenantId: string, opts: { limit: number; startingAfter?: string | undefined }) => repo.listKeys(db, tenantId, opts),
    async revokeKey(tenantId: string, keyId: string) {
      const k = await getKey(tenantId, keyId);
      if (k.revokedAt) return k;
      const updated = await repo.updateKey(db, tenantId, keyId, { revokedAt: new Date(clock.now()) });
      await events.invalidate({ tenantId, keyHash: k.hash });
      return updated!;
    },
    /** A new key with the same kind, environment and name; the old one keeps working for `graceSeconds`. */
    async rotateKey(tenantId: string, keyId: string, graceSeconds = 86_400) {
      const old = await getKey(tenantId, keyId);
      if (old.revokedAt) throw new AppError('CONFLICT', 'A revoked key cannot be rotated.');
      if (old.replacedBy) throw new AppError('CONFLICT', `Key ${keyId} was already rotated (replaced by ${old.replacedBy}).`);
      if (old.expiresAt && old.expiresAt.getTime() <= clock.now()) throw new AppError('CONFLICT', 'An expired key cannot be rotated.');
      const created = await createKey(tenantId, {
        kind: old.kind,
        environment: old.environment,
        ...(old.name ? { name: old.name } : {}),
        ...(old.expiresAt ? { expires_at: old.expiresAt.toISOString() } : {}),
      });
      const graceEnd = new Date(clock.now() + graceSeconds * 1000);
      const expiresAt = old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
      const updated = await repo.updateKey(db, tenantId, keyId, { expiresAt, replacedBy: created.id });
      await events.invalidate({ tenantId, keyHash: old.hash });
      return { created, old: presentKey(updated!, clock.now()) };
    },
  };
}

export type TenantsService = ReturnType<typeof createTenantsService>;
