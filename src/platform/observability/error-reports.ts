/**
 * Error tracking: unhandled errors, every 5xx and every job that fails for good, sent to a
 * Sentry-compatible endpoint (`SENTRY_DSN`) with `@sentry/node`'s client and transport — its own
 * client per app (no global `Sentry.init`, no automatic instrumentation, no breadcrumbs, no
 * request data), so nothing is collected that this file does not put in. What goes: the error's
 * type, message and stack, the release, environment and node, and tags — request id, tenant id,
 * route, method, status, or the job's name and id. What never goes: keys, tokens, passwords,
 * image bytes, e-mail addresses, phone numbers — every string is passed through `scrub` first.
 * Off (a no-op, nothing loaded) unless a DSN is configured.
 */
import type { Logger } from 'pino';

export type ReportContext = {
  requestId?: string | undefined;
  tenantId?: string | null | undefined;
  method?: string | undefined;
  route?: string | undefined;
  status?: number | undefined;
  job?: string | undefined;
  jobId?: string | undefined;
  /** What failed, when not a request or a job (e.g. `uncaughtException`). */
  source?: string | undefined;
};

export type ErrorReporter = {
  readonly enabled: boolean;
  capture(err: unknown, ctx?: ReportContext): void;
  /** Waits (at most `timeoutMs`) until reports in flight are sent. */
  flush(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
};

export const noErrorReports: ErrorReporter = { enabled: false, capture: () => undefined, flush: async () => true, close: async () => undefined };

const SECRETS: [RegExp, string][] = [
  // Data URLs and long base64 runs (image bytes).
  [/data:[a-z]+\/[\w.+-]+;base64,[A-Za-z0-9+/=]+/gi, 'data:[redacted]'],
  [/[A-Za-z0-9+/]{120,}={0,2}/g, '[base64 redacted]'],
  // JWTs, bearer tokens, our keys and secrets (sk_/pk_/rk_/whsec_/rt_…), passwords in URLs.
  [/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/g, '[jwt redacted]'],
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, '$1 [redacted]'],
  [/\b(sk|pk|rk|whsec|rt|pt|sess)_[A-Za-z0-9_+/=-]{6,}/g, '$1_[redacted]'],
  [/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1[redacted]@'],
  [/\b(password|passwd|secret|token|api[_-]?key|authorization)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, '$1$2[redacted]'],
  // Personal data: e-mail addresses and phone numbers.
  [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '[email redacted]'],
  [/\+?\d[\d ()-]{7,}\d/g, '[number redacted]'],
];

/** A string with secrets, image bytes and personal data taken out. */
export function scrub(s: string): string {
  let out = s.length > 8192 ? `${s.slice(0, 8192)}…` : s;
  for (const [re, by] of SECRETS) out = out.replace(re, by);
  return out;
}

type Event = { message?: string; exception?: { values?: { value?: string; type?: string }[] }; extra?: Record<string, unknown>; tags?: Record<string, unknown>; request?: unknown; user?: unknown; breadcrumbs?: unknown; contexts?: Record<string, unknown> };

/** The event as it leaves: every string scrubbed, request, user and breadcrumbs dropped. */
export function scrubEvent<E extends Event>(e: E): E {
  delete e.request;
  delete e.user;
  delete e.breadcrumbs;
  if (e.message) e.message = scrub(e.message);
  for (const v of e.exception?.values ?? []) if (v.value) v.value = scrub(v.value);
  for (const bag of [e.extra, e.tags]) if (bag) for (const [k, v] of Object.entries(bag)) if (typeof v === 'string') bag[k] = scrub(v);
  return e;
}

export async function createErrorReporter(cfg: { dsn: string | undefined; release: string; environment: string; serverName?: string | undefined }, log: Logger): Promise<ErrorReporter> {
  if (!cfg.dsn) return noErrorReports;
  // Loaded only when configured: a node without a DSN pays nothing for it.
  const S = await import('@sentry/node');
  const client = new S.NodeClient({
    dsn: cfg.dsn,
    release: cfg.release,
    environment: cfg.environment,
    ...(cfg.serverName ? { serverName: cfg.serverName } : {}),
    stackParser: S.defaultStackParser,
    transport: S.makeNodeTransport,
    integrations: [S.linkedErrorsIntegration()],
    maxBreadcrumbs: 0,
    beforeSend: (event) => scrubEvent(event),
  });
  client.init();
  const scope = new S.Scope();
  scope.setClient(client);
  log.info({ environment: cfg.environment, release: cfg.release }, 'error tracking on');
  return {
    enabled: true,
    capture(err, ctx = {}) {
      const tags: Record<string, string> = {};
      if (ctx.requestId) tags.request_id = ctx.requestId;
      if (ctx.tenantId) tags.tenant_id = ctx.tenantId;
      if (ctx.method) tags.method = ctx.method;
      if (ctx.route) tags.route = ctx.route;
      if (ctx.status) tags.status = String(ctx.status);
      if (ctx.job) tags.job = ctx.job;
      if (ctx.jobId) tags.job_id = ctx.jobId;
      if (ctx.source) tags.source = ctx.source;
      const e = err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'non-error thrown');
      const s = scope.clone();
      s.setTags(tags);
      s.captureException(e);
    },
    flush: (timeoutMs = 2000) => Promise.resolve(client.flush(timeoutMs)),
    close: async () => {
      await client.close(2000);
    },
  };
}
