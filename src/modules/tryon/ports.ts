/** What the try-on module needs from other modules, wired in app.ts (modules stay apart). */
export type TenantView = {
  id: string;
  retention: 'process-only' | '1h' | '24h' | '7d';
  settings: Record<string, unknown>;
};

export type TryonPorts = {
  getTenant: (tenantId: string) => Promise<TenantView>;
  consumeGeneration: (tenantId: string) => Promise<void>;
  refundGeneration: (tenantId: string) => Promise<void>;
  recordUsage: (tenantId: string, type: string, opts: { costUsd?: number; refId?: string; meta?: Record<string, unknown> }) => Promise<void>;
  emitWebhook: (tenantId: string, type: string, data: Record<string, unknown>) => Promise<void>;
};

/** The tenant's try-on settings (in tenants.settings.tryon). */
export type TryonSettings = {
  providers?: string[];
  providers_by_category?: Partial<Record<'tops' | 'bottoms' | 'one-pieces', string[]>>;
  latency_budget_ms?: number;
  cache?: boolean;
};

export const RETENTION_MS: Record<TenantView['retention'], number> = {
  'process-only': 10 * 60 * 1000,
  '1h': 3600 * 1000,
  '24h': 24 * 3600 * 1000,
  '7d': 7 * 24 * 3600 * 1000,
};

export function tryonSettings(t: TenantView): TryonSettings {
  const s = t.settings.tryon;
  return s && typeof s === 'object' ? (s as TryonSettings) : {};
}
