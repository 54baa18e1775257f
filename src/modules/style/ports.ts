/** What the style module needs from other modules, wired in app.ts (modules stay apart). */
import type { FastifyRequest } from 'fastify';
import type { Analysis } from '../perception/index.js';

export type Retention = 'process-only' | '1h' | '24h' | '7d';
export type TenantView = { id: string; retention: Retention; settings: Record<string, unknown> };

/** A caller as the try-on module's intake knows it (opaque here, but for its link base and widget session). */
export type IntakeCaller = { readonly baseUrl: string; readonly widgetSession: string | null };

/** A selfie stored through the try-on module's intake (uploads row + blob). */
export type StoredSelfie = { upload_id: string; sha256: string; created: boolean; blob: { key: string; content_type: string; width: number; height: number } };

export type StylePorts = {
  /** The tenant view (cached; dropped on tenant changes). */
  getTenant: (tenantId: string) => Promise<TenantView>;
  /** Retention periods in ms, the platform's one table. */
  retentionMs: Record<Retention, number>;
  /** The caller of a request, for intake, links and the widget session (the try-on module decides them). */
  callerOf: (req: FastifyRequest) => IntakeCaller;
  /** How a multipart body's file parts are named for intakeImages (`multipart-part:<field>:<n>`). */
  multipartRef: (field: string, n?: number) => string;
  /** Store a selfie (upload id, data URL, https URL or a multipart file) through the try-on module's intake, as a `person` upload. */
  intakeImages: (caller: IntakeCaller, refs: string[], opts: { shopperId: string | null; files?: Map<string, Buffer> | undefined }) => Promise<StoredSelfie[]>;
  /** Erase uploads this module created (process-only retention, DELETE, the retention purge). */
  eraseUploads: (tenantId: string, uploadIds: string[]) => Promise<void>;
  /** A short-lived link to a stored blob (same signing as try-on results). */
  signedUrl: (key: string, contentType: string, baseUrl: string) => Promise<{ url: string; expiresAt: Date }>;
  /** Perception at the `mesh` level (faces with mesh and iris; no body, no age). */
  perceive: (bytes: Buffer, signal?: AbortSignal) => Promise<Analysis>;
  /** Whether the face models can run (loads them when they load on first use). */
  perceptionReady: () => Promise<{ ready: boolean; reason?: string | undefined }>;
  recordUsage: (tenantId: string, type: string, opts: { costUsd?: number; refId?: string; meta?: Record<string, unknown> }) => Promise<void>;
  /** The tenant's webhooks (`style.analysis.succeeded|failed`): ids and outcome, never images or colours. */
  emitWebhook: (tenantId: string, type: 'style.analysis.succeeded' | 'style.analysis.failed', data: Record<string, unknown>) => Promise<void>;
};
