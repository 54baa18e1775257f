/**
 * The provider router. For one try-on it walks the tenant's provider order: each provider runs
 * under its own policy (timeout → circuit breaker → retries with backoff for retryable errors);
 * on failure or an open breaker it falls back to the next; past the tenant's latency budget it
 * hedges — starts the next provider in parallel and keeps whichever answers first, aborting the
 * other. Errors caused by the input (bad photo, content policy) stop the walk: another provider
 * would refuse it too. Every call is reported through `onAttempt`.
 */
import { loadSharp } from '../../platform/images/sharp.js';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  TaskCancelledError,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { ProviderError, type ImageContentType, type TryonInput, type TryonOutput, type TryonProvider, type ProgressEvent } from './providers/types.js';

export type AttemptRecord = {
  provider: string;
  model: string | undefined;
  step: number;
  hedged: boolean;
  outcome: 'succeeded' | 'failed' | 'canceled' | 'skipped';
  errorClass?: string | undefined;
  errorMessage?: string | undefined;
  latencyMs: number;
  costUsd: number;
  startedAt: Date;
};

export type RouteRequest = {
  input: TryonInput;
  /** Provider names in the order to try. */
  order: string[];
  /** After this long without a result, start the next provider in parallel (0 = never hedge). */
  latencyBudgetMs: number;
  signal: AbortSignal;
  onAttempt: (a: AttemptRecord) => void;
  onProgress?: (provider: string, e: ProgressEvent) => void;
};

export type RouteResult = { output: TryonOutput; provider: string; costUsd: number; providerMs: number };

export class RoutingError extends Error {
  override name = 'RoutingError';
  constructor(
    message: string,
    readonly code: 'NO_PROVIDER' | 'ALL_PROVIDERS_FAILED' | 'INPUT_REFUSED' | 'CANCELED',
    readonly last?: ProviderError,
  ) {
    super(message);
  }
}

export type RouterOptions = {
  providers: TryonProvider[];
  timeoutMs: (provider: string) => number;
  retries: number;
  breaker: { consecutiveFailures: number; halfOpenAfterMs: number };
  now?: () => number;
};

const isRetryable = (e: unknown) => e instanceof ProviderError && e.retryable;
// The breaker counts provider trouble, not bad photos or our own cancellations.
const isProviderFault = (e: unknown) =>
  (e instanceof ProviderError && !e.isInputError && e.errorClass !== 'canceled') || e instanceof TaskCancelledError;

async function dims(bytes: Buffer) {
  const m = await (await loadSharp())(bytes).metadata();
  return { width: m.width ?? 0, height: m.height ?? 0 };
}

export function createRouter(opts: RouterOptions) {
  const now = opts.now ?? (() => Date.now());
  const byName = new Map(opts.providers.map((p) => [p.name, p]));
  const breakers = new Map<string, CircuitBreakerPolicy>();
  const breakerOf = (name: string) => {
    let b = breakers.get(name);
    if (!b) {
      b = circuitBreaker(handleWhen(isProviderFault), {
        halfOpenAfter: opts.breaker.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(opts.breaker.consecutiveFailures),
      });
      breakers.set(name, b);
    }
    return b;
  };

  /**
   * A provider's call in flight, so the router can record it as canceled the moment another
   * provider wins (its own rejection comes later: a provider may first cancel upstream over the
   * network) and the job writes its attempts with the result.
   */
  type Call = { step: number; model: string | undefined; started: number; recorded: boolean };

  /** One provider, all steps of the outfit (chained when it dresses one garment per call); `calls.current` is its call in flight. */
  async function runProvider(p: TryonProvider, req: RouteRequest, signal: AbortSignal, hedged: boolean, calls: { current?: Call }): Promise<RouteResult> {
    const policy = wrap(
      retry(handleWhen(isRetryable), { maxAttempts: opts.retries, backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 5_000 }) }),
      breakerOf(p.name),
      // abortOnReturn off: cockatiel would abort the call's signal after every successful call
      // (a DOMException with its stack each time); a call that returned has nothing left to stop.
      timeout(opts.timeoutMs(p.name), { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }),
    );
    const garments = req.input.garments;
    const steps = p.maxGarmentsPerCall >= garments.length ? [garments] : garments.map((g) => [g]);
    let person = req.input.person;
    let output: TryonOutput | undefined;
    let cost = 0;
    const t0 = now();
    for (let step = 0; step < steps.length; step++) {
      const input: TryonInput = { ...req.input, person, garments: steps[step]! };
      output = await policy.execute(async ({ signal: callSignal }) => {
        const started = now();
        const call: Call = { step, model: input.model, started, recorded: false };
        calls.current = call;
        try {
          const out = await p.generate(input, { signal: callSignal, onProgress: (e) => req.onProgress?.(p.name, e) });
          const c = out.costUsd ?? p.estimateCostUsd(input);
          cost += c;
          // Answered after another provider won: already on record as canceled, and its result is dropped.
          if (!call.recorded) {
            call.recorded = true;
            req.onAttempt({ provider: p.name, model: out.model, step, hedged, outcome: 'succeeded', latencyMs: now() - started, costUsd: c, startedAt: new Date(started) });
          }
          return out;
        } catch (e) {
          if (call.recorded) throw e; // the router recorded it as canceled already
          call.recorded = true;
          const aborted = callSignal.aborted;
          const err = e instanceof ProviderError ? e : aborted ? new ProviderError(p.name, signal.aborted ? 'canceled' : 'timeout', signal.aborted ? 'canceled' : 'timed out', { cause: e }) : new ProviderError(p.name, 'unknown', (e as Error).message, { cause: e });
          req.onAttempt({
            provider: p.name,
            model: input.model,
            step,
            hedged,
            outcome: signal.aborted ? 'canceled' : 'failed',
            errorClass: err.errorClass,
            errorMessage: err.message.slice(0, 500),
            latencyMs: now() - started,
            costUsd: 0,
            startedAt: new Date(started),
          });
          throw err;
        }
      }, signal);
      if (step < steps.length - 1) {
        const d = await dims(output.image);
        person = { bytes: output.image, contentType: output.contentType as ImageContentType, width: d.width, height: d.height };
      }
    }
    return { output: output!, provider: p.name, costUsd: cost, providerMs: now() - t0 };
  }

  function toProviderError(name: string, e: unknown): ProviderError {
    if (e instanceof ProviderError) return e;
    if (e instanceof BrokenCircuitError) return new ProviderError(name, 'unavailable', 'circuit open');
    if (e instanceof TaskCancelledError) return new ProviderError(name, 'timeout', 'timed out');
    return new ProviderError(name, 'unknown', (e as Error)?.message ?? String(e));
  }

  function generate(req: RouteRequest): Promise<RouteResult> {
    const categories = req.input.garments.map((g) => g.category);
    const candidates = req.order
      .map((n) => byName.get(n))
      .filter((p): p is TryonProvider => p !== undefined && categories.every((c) => c === 'auto' || p.categories.includes(c)));
    return new Promise<RouteResult>((resolve, reject) => {
      let next = 0;
      let settled = false;
      let last: ProviderError | undefined;
      const running = new Map<string, { ac: AbortController; calls: { current?: Call }; hedged: boolean }>();
      let hedgeTimer: NodeJS.Timeout | undefined;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(hedgeTimer);
        for (const [name, r] of running) {
          const c = r.calls.current;
          if (c && !c.recorded) {
            c.recorded = true;
            req.onAttempt({ provider: name, model: c.model, step: c.step, hedged: r.hedged, outcome: 'canceled', errorClass: 'canceled', errorMessage: 'canceled', latencyMs: now() - c.started, costUsd: 0, startedAt: new Date(c.started) });
          }
          r.ac.abort(new Error('another provider answered'));
        }
        req.signal.removeEventListener('abort', onCancel);
        fn();
      };
      const onCancel = () => finish(() => reject(new RoutingError('canceled', 'CANCELED', last)));
      req.signal.addEventListener('abort', onCancel, { once: true });

      const start = (hedged: boolean): boolean => {
        while (next < candidates.length) {
          const p = candidates[next++]!;
          if (breakerOf(p.name).state === CircuitState.Open) {
            req.onAttempt({ provider: p.name, model: undefined, step: 0, hedged, outcome: 'skipped', errorClass: 'circuit_open', latencyMs: 0, costUsd: 0, startedAt: new Date(now()) });
            last = new ProviderError(p.name, 'unavailable', 'circuit open');
            continue;
          }
          const ac = new AbortController();
          const calls: { current?: Call } = {};
          running.set(p.name, { ac, calls, hedged });
          runProvider(p, req, ac.signal, hedged, calls).then(
            (result) => {
              running.delete(p.name); // the winner: only the others are aborted
              finish(() => resolve(result));
            },
            (e) => {
              running.delete(p.name);
              if (settled) return;
              const err = toProviderError(p.name, e);
              last = err;
              if (err.isInputError) return finish(() => reject(new RoutingError(err.message, 'INPUT_REFUSED', err)));
              if (running.size === 0 && !start(false)) finish(() => reject(new RoutingError(`every provider failed; last: ${p.name}: ${err.message}`, 'ALL_PROVIDERS_FAILED', err)));
            },
          );
          return true;
        }
        return false;
      };
      if (req.signal.aborted) return onCancel();
      if (!start(false)) return finish(() => reject(new RoutingError('no provider is configured for these garments', 'NO_PROVIDER', last)));
      if (req.latencyBudgetMs > 0) {
        hedgeTimer = setTimeout(() => {
          if (!settled && next < candidates.length) start(true);
        }, req.latencyBudgetMs);
        hedgeTimer.unref?.();
      }
    });
  }

  return {
    generate,
    providers: () => [...byName.values()],
    breakerState: (name: string) => {
      const s = breakers.get(name)?.state ?? CircuitState.Closed;
      return s === CircuitState.Open ? 'open' : s === CircuitState.HalfOpen ? 'half_open' : s === CircuitState.Isolated ? 'isolated' : 'closed';
    },
  };
}

export type TryonRouter = ReturnType<typeof createRouter>;
