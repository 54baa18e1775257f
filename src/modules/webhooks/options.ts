/** The webhooks module's settings, with the production defaults (Svix's schedule and limits). */
import type { Resolver, UrlPolicy } from '../../platform/net/url-policy.js';

export type WebhooksOptions = {
  /**
   * `host:port` entries that may be private addresses and plain http (a local receiver in tests,
   * or an operator's own internal service). Everything else must be https on a public address.
   */
  allowPrivateHosts?: readonly string[];
  /** Delays before retry 1, 2, …; after the last one the delivery is failed. */
  retryScheduleMs?: readonly number[];
  /** ± fraction of random spread on each delay (0.1 = ±10 %). */
  jitter?: number;
  /** Per-attempt deadline (connect, send, response). */
  timeoutMs?: number;
  /** The longest Retry-After (429/502/503/504) honoured. */
  maxRetryAfterMs?: number;
  /** An endpoint failing without a success for this long is disabled (`disabled_reason: failing`). */
  disableAfterFailingMs?: number;
  /** Endpoints per tenant. */
  maxEndpointsPerTenant?: number;
  /** DNS resolver for the SSRF checks (tests). */
  resolver?: Resolver;
};

export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, // 5 s
  5 * 60_000, // 5 min
  30 * 60_000, // 30 min
  2 * 3_600_000, // 2 h
  5 * 3_600_000, // 5 h
  10 * 3_600_000, // 10 h
  10 * 3_600_000, // 10 h  → 8 attempts over about 27.6 h
];

export type ResolvedOptions = Required<Omit<WebhooksOptions, 'resolver'>> & { resolver: Resolver | undefined };

export function resolveOptions(o: WebhooksOptions = {}): ResolvedOptions {
  return {
    allowPrivateHosts: o.allowPrivateHosts ?? [],
    retryScheduleMs: o.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS,
    jitter: o.jitter ?? 0.1,
    timeoutMs: o.timeoutMs ?? 15_000,
    maxRetryAfterMs: o.maxRetryAfterMs ?? 3_600_000,
    disableAfterFailingMs: o.disableAfterFailingMs ?? 5 * 24 * 3_600_000,
    maxEndpointsPerTenant: o.maxEndpointsPerTenant ?? 20,
    resolver: o.resolver,
  };
}

/** https only, except the allow-listed hosts, which may also use http (checked on every hop). */
export function urlPolicyFor(_url: string, allowPrivateHosts: readonly string[]): UrlPolicy {
  return { allowHttp: 'allow-listed', allowPrivateHosts };
}

/** The delay before retry `step + 1`, with jitter; undefined when the schedule is used up. */
export function retryDelayMs(step: number, o: Pick<ResolvedOptions, 'retryScheduleMs' | 'jitter'>, random: () => number = Math.random): number | undefined {
  const base = o.retryScheduleMs[step];
  if (base === undefined) return undefined;
  return Math.max(0, Math.round(base * (1 + o.jitter * (2 * random() - 1))));
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  if (!/^[A-Za-z]{3}, /.test(v.trim())) return undefined; // an IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT"
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
