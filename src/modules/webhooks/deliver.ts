/**
 * The `webhooks.deliver` job: one attempt of one delivery. It signs the stored body (Standard
 * Webhooks), POSTs it through safeFetch (SSRF-checked again, no redirects, 15 s), records the
 * attempt and schedules the next one itself (the long retry schedule is ours, not the queue's).
 * A failed delivery never throws; only infrastructure errors (database, queue, shutdown) do, so
 * that the queue runs the job again.
 *
 * Idempotency: the job carries `seq`, the number of attempts made when it was scheduled. It does
 * nothing when the delivery has moved on, and `recordAttempt` only records when the count is
 * still `seq`, so a duplicated run or a redelivery racing a scheduled retry records once.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Db } from '../../platform/db/client.js';
import type { Clock } from '../../platform/clock.js';
import type { JobQueue } from '../../platform/jobs/types.js';
import { defineJob, type JobContext } from '../../platform/jobs/types.js';
import { isAppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { safeFetch } from '../../platform/net/safe-fetch.js';
import { SpanKind, withSpan } from '../../platform/observability/tracing.js';
import * as repo from './repository.js';
import { signatureHeader } from './signing.js';
import { parseRetryAfter, retryDelayMs, urlPolicyFor, type ResolvedOptions } from './options.js';
import type { WebhookEndpointRow } from './tables.js';

export const DELIVER_JOB = 'webhooks.deliver';
export const USER_AGENT = 'Probador-Webhooks/1';
const EXCERPT_CHARS = 500;
/** Receivers answer with a short acknowledgement; a bigger body fails the attempt. */
const MAX_RESPONSE_BYTES = 256 * 1024;
const THROTTLE_STATUSES = new Set([429, 502, 503, 504]);

export type DeliverPayload = {
  delivery_id: string;
  tenant_id: string;
  /** Attempts already made when this run was scheduled. */
  seq: number;
  trigger: 'automatic' | 'manual';
  /** false: a single attempt (redelivery of a finished delivery, test events). */
  retries: boolean;
};

type Outcome = { ok: boolean; statusCode: number | null; error: string | null; excerpt: string | null; retryAfterMs: number | undefined };

export type DeliverDeps = {
  db: Db;
  clock: Clock;
  jobs: JobQueue;
  log: Logger;
  opts: ResolvedOptions;
  /** An endpoint was disabled here (emit's endpoint cache forgets the tenant). */
  onEndpointChanged?: (tenantId: string) => Promise<void>;
};

/** Secrets to sign with: the current one, and the previous one during its grace period. */
function signingSecrets(e: WebhookEndpointRow, now: number): string[] {
  const previous = e.previousSecret && e.previousSecretExpiresAt && e.previousSecretExpiresAt.getTime() > now ? [e.previousSecret] : [];
  return [e.secret, ...previous];
}

async function send(deps: DeliverDeps, endpoint: WebhookEndpointRow, eventId: string, body: string, signal: AbortSignal): Promise<Outcome> {
  const now = deps.clock.now();
  const timestamp = Math.floor(now / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'webhook-id': eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(signingSecrets(endpoint, now), eventId, timestamp, body),
  };
  try {
    const res = await withSpan('webhook POST', { 'probador.webhook.endpoint_id': endpoint.id, 'probador.webhook.event_id': eventId }, () =>
      safeFetch(endpoint.url, {
        ...urlPolicyFor(endpoint.url, deps.opts.allowPrivateHosts),
        method: 'POST',
        headers,
        body,
        timeoutMs: deps.opts.timeoutMs,
        maxBytes: MAX_RESPONSE_BYTES,
        maxRedirects: 0,
        throwOnStatus: false,
        signal,
        ...(deps.opts.resolver ? { resolver: deps.opts.resolver } : {}),
      }),
      SpanKind.CLIENT,
    );
    const ok = res.status >= 200 && res.status <= 299;
    const excerpt = res.body.subarray(0, EXCERPT_CHARS * 4).toString('utf8').slice(0, EXCERPT_CHARS);
    const redirect = res.status >= 300 && res.status <= 399;
    return {
      ok,
      statusCode: res.status,
      error: ok ? null : redirect ? `The endpoint answered ${res.status}; redirects are not followed` : `The endpoint answered ${res.status}`,
      excerpt: excerpt === '' ? null : excerpt,
      retryAfterMs: THROTTLE_STATUSES.has(res.status) ? parseRetryAfter(res.headers['retry-after'], Date.now()) : undefined,
    };
  } catch (e) {
    // Not an AppError: our own abort (timeout of the job, shutdown) or a bug — let the queue retry.
    if (!isAppError(e)) throw e;
    const remote = typeof e.extra?.remote_status === 'number' ? e.extra.remote_status : null;
    const error = remote !== null && remote >= 300 && remote <= 399 ? `The endpoint answered ${remote}; redirects are not followed` : e.message;
    return { ok: false, statusCode: remote, error, excerpt: null, retryAfterMs: undefined };
  }
}

export function createDeliverer(deps: DeliverDeps) {
  const { db, clock, jobs, log, opts } = deps;

  async function schedule(p: DeliverPayload, delayMs = 0) {
    await jobs.enqueue(DELIVER_JOB, p, delayMs > 0 ? { delayMs } : {});
  }

  async function run(p: DeliverPayload, ctx: Pick<JobContext, 'signal'>): Promise<void> {
    const d = await repo.findDelivery(db, p.tenant_id, p.delivery_id);
    if (!d || d.attempts !== p.seq) return; // gone with its endpoint, or this attempt was made already
    if (p.trigger === 'automatic' && (d.status === 'succeeded' || d.status === 'failed')) return;
    const endpoint = await repo.findEndpoint(db, p.tenant_id, d.endpointId);
    if (!endpoint) return;
    if (!endpoint.enabled) {
      await repo.updateDelivery(db, p.tenant_id, d.id, { status: 'failed', nextAttemptAt: null, lastError: 'The endpoint is disabled', updatedAt: new Date(clock.now()) });
      return;
    }

    const started = performance.now();
    const outcome = await send(deps, endpoint, d.eventId, d.payload, ctx.signal);
    const durationMs = Math.round(performance.now() - started);
    const now = clock.now();
    const at = new Date(now);

    let status: 'succeeded' | 'failed' | 'retrying';
    let delay: number | undefined;
    let disable: 'gone' | 'failing' | undefined;
    if (outcome.ok) {
      status = 'succeeded';
    } else if (outcome.statusCode === 410) {
      status = 'failed';
      disable = 'gone';
    } else {
      const failing = await repo.markEndpointFailing(db, p.tenant_id, endpoint.id, at);
      const since = failing?.failingSince?.getTime() ?? now;
      if (now - since >= opts.disableAfterFailingMs) disable = 'failing';
      delay = disable || !p.retries ? undefined : retryDelayMs(d.retryStep, opts);
      if (delay !== undefined && outcome.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(outcome.retryAfterMs, opts.maxRetryAfterMs));
      status = delay === undefined ? 'failed' : 'retrying';
    }

    const recorded = await repo.recordAttempt(
      db,
      p.tenant_id,
      d.id,
      p.seq,
      {
        status,
        retryStep: delay === undefined ? d.retryStep : d.retryStep + 1,
        nextAttemptAt: delay === undefined ? null : new Date(now + delay),
        lastAttemptAt: at,
        lastStatusCode: outcome.statusCode,
        lastError: outcome.error,
        lastResponseExcerpt: outcome.excerpt,
        durationMs,
        updatedAt: at,
      },
      {
        id: newId('attempt'),
        attempt: p.seq + 1,
        trigger: p.trigger,
        succeeded: outcome.ok,
        statusCode: outcome.statusCode,
        error: outcome.error,
        responseExcerpt: outcome.excerpt,
        durationMs,
        createdAt: at,
      },
    );
    const fields = { delivery_id: d.id, endpoint_id: endpoint.id, event_id: d.eventId, attempt: p.seq + 1, status_code: outcome.statusCode, duration_ms: durationMs };
    if (!recorded) {
      log.info(fields, 'webhook attempt already recorded by another run; dropped');
      return;
    }
    log.info({ ...fields, outcome: status, error: outcome.error ?? undefined, next_in_ms: delay }, 'webhook attempt');

    if (outcome.ok) await repo.markEndpointHealthy(db, p.tenant_id, endpoint.id);
    if (disable) {
      await repo.updateEndpoint(db, p.tenant_id, endpoint.id, { enabled: false, disabledReason: disable, updatedAt: at });
      await deps.onEndpointChanged?.(p.tenant_id).catch((err: unknown) => log.warn({ err }, 'could not announce the disabled endpoint'));
      log.warn({ endpoint_id: endpoint.id, tenant_id: p.tenant_id, reason: disable }, 'webhook endpoint disabled');
    }
    if (delay !== undefined) await schedule({ ...p, seq: p.seq + 1, trigger: 'automatic' }, delay);
  }

  const job = defineJob<DeliverPayload>({
    name: DELIVER_JOB,
    // Only infrastructure errors reach the queue's retries; delivery failures are scheduled above.
    attempts: 5,
    timeoutMs: opts.timeoutMs + 15_000,
    concurrency: 8,
    handler: (p, ctx) => run(p, ctx),
  });

  return { job, run, schedule };
}

export type Deliverer = ReturnType<typeof createDeliverer>;
