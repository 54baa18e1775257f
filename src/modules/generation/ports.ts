/** What the generation module needs from other modules, wired in app.ts (modules stay apart). */
import type { FastifyRequest } from 'fastify';

export type Retention = 'process-only' | '1h' | '24h' | '7d';

/** The tenant as a generation needs it: retention (how long results live) and, for the quota, its tier and limits. */
export type TenantView = { id: string; retention: Retention; tier: string; limits: Record<string, unknown>; settings: Record<string, unknown> };

/** A caller as the try-on module's intake knows it (opaque here). */
export type IntakeCaller = { readonly baseUrl: string };

/** An image stored through the try-on module's intake (uploads row + blob). */
export type StoredReference = { upload_id: string; sha256: string; created: boolean; blob: { key: string; content_type: string; width: number; height: number } };

export type GenerationPorts = {
  /** The tenant view (cached; dropped on tenant changes). */
  getTenant: (tenantId: string) => Promise<TenantView>;
  /** The tenant's name, or undefined when there is no such tenant (the older API's client figures). */
  tenantName: (tenantId: string) => Promise<string | undefined>;
  /** Retention periods in ms, the platform's one table (try-on results and uploads live as long). */
  retentionMs: Record<Retention, number>;
  /** Count one generation against the tenant's monthly quota (429 QUOTA_EXCEEDED past it). */
  consumeGeneration: (tenant: TenantView) => Promise<void>;
  refundGeneration: (tenantId: string) => Promise<void>;
  recordUsage: (tenantId: string, type: string, opts: { costUsd?: number; refId?: string; meta?: Record<string, unknown> }) => Promise<void>;
  emitWebhook: (tenantId: string, type: 'generation.succeeded' | 'generation.failed' | 'generation.canceled', data: Record<string, unknown>) => Promise<void>;
  /** The caller of a request, for intake and links (the try-on module decides the link base). */
  callerOf: (req: FastifyRequest) => IntakeCaller;
  /** Store reference images (upload ids, data URLs, https URLs) through the try-on module's intake. */
  intakeImages: (caller: IntakeCaller, refs: string[]) => Promise<StoredReference[]>;
  /** Erase uploads this module created (process-only retention: inputs go when the result exists; DELETE). */
  eraseUploads: (tenantId: string, uploadIds: string[]) => Promise<void>;
  /** A short-lived link to a stored blob (same signing as try-on results). */
  signedUrl: (key: string, contentType: string, baseUrl: string) => Promise<{ url: string; expiresAt: Date }>;
  /** The tenant's try-on figures from the analytics module (last 30 days), for the older API's client figures. */
  tryonSummary?: (tenantId: string) => Promise<Record<string, unknown>>;
};
