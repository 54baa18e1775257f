/**
 * The provider router, generic over what the providers take and make (a try-on, a generated
 * image). For one job it walks the given provider order: each provider runs under its own policy
 * (timeout → circuit breaker → retries with backoff for retryable errors); on failure or an open
 * breaker it falls back to the next; past the latency budget it hedges — starts the next provider
 * in parallel and keeps whichever answers first, aborting the other. Errors caused by the input
 * (bad photo, content policy) stop the walk: another provider would refuse it too. Every call is
 * reported through `onAttempt`.
 *
 * Breakers are per provider name within one router: each module builds its own router, so a
 * provider failing at try-ons does not stop it from generating images, and the other way round.
 */
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
import { ProviderError, type GenerateOptions, type ProgressEvent } from './types.js';
import { SpanKind, withSpan } from '../observability/tracing.js';

/** What the router needs of an adapter. */
export type RoutableProvider<I, O> = {
  readonly name: string;
  generate: (input: I, opts: GenerateOptions) => Promise<O>;
  /** Estimated cost in USD of one call, when the provider's answer does not say. */
  estimateCostUsd: (input: I) => number;
};

/** What the router needs of an input and an output. */
export type RoutableInput = { model?: string | undefined };
export type RoutableOutput = { model: string; costUsd?: number | undefined };

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

export type RouteRequest<I> = {
  input: I;
  /** Provider names in the order to try. */
  order: string[];
  /** After this long without a result, start the next provider in parallel (0 = never hedge). */
  latencyBudgetMs: number;
  signal: AbortSignal;
  onAttempt: (a: AttemptRecord) => void;
  onProgress?: (provider: string, e: ProgressEvent) => void;
};

export type RouteResult<O> = { output: O; provider: string; costUsd: number; providerMs: number };

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

/**
 * What a job does when the router gave up on its input: `retry` the job later (every provider
 * failed and the queue has attempts left), or fail the resource with one of these codes — the
 * input refused (a content policy or another input error: no provider will take it), no provider
 * left to ask, or every provider failed on the last attempt. The try-on and generation jobs share it.
 */
export type RoutingOutcome = { retry: true; message: string } | { retry: false; code: 'CONTENT_REFUSED' | 'INPUT_REFUSED' | 'NO_PROVIDER' | 'PROVIDERS_FAILED'; message: string };

export function routingOutcome(e: RoutingError, attempt: number, maxAttempts: number): RoutingOutcome {
  if (e.code === 'INPUT_REFUSED') return { retry: false, code: e.last?.errorClass === 'content_policy' ? 'CONTENT_REFUSED' : 'INPUT_REFUSED', message: e.last?.message ?? e.message };
  if (e.code === 'NO_PROVIDER') return { retry: false, code: 'NO_PROVIDER', message: e.message };
  if (e.code === 'ALL_PROVIDERS_FAILED' && attempt < maxAttempts) return { retry: true, message: e.message };
  return { retry: false, code: 'PROVIDERS_FAILED', message: e.message };
}

/** One policy-wrapped, recorded provider call (a step of the provider's plan). */
export type StepCall<I, O> = (step: number, input: I) => Promise<O>;

export type RouterOptions<I, O, P extends RoutableProvider<I, O>> = {
  providers: P[];
  timeoutMs: (provider: string) => number;
  retries: number;
  breaker: { consecutiveFailures: number; halfOpenAfterMs: number };
  now?: () => number;
  /** Whether a provider can take this input at all; the others are left out of the walk. Default: every provider. */
  accepts?: (provider: P, input: I) => boolean;
  /**
   * How one provider makes the output. Default: one call. A module may split the work into steps
   * (the try-on chains garments, one call each, on providers that dress one at a time); each `call`
   * runs under the provider's policy and is recorded as an attempt with its step number.
   */
  plan?: (provider: P, input: I, call: StepCall<I, O>) => Promise<O>;
  /**
   * Providers known only by name at call time (the commerce module's channel connections, added
   * and removed while the server runs): a name of the order not in `providers` is looked up here.
   * Breakers are still kept per name, across calls.
   */
  lookup?: (name: string) => P | undefined;
  /** The NO_PROVIDER message (no provider in the order accepts the input). */
  noProviderMessage?: string;
  /**
   * Whether an input error (bad_input, content_policy) stops the walk (default true: another
   * provider would refuse the same photo). The style router falls back instead: a model's safety
   * filter refusing a selfie says nothing about what the offline analyser can do with it.
   */
  inputErrorsStop?: boolean;
};

const isRetryable = (e: unknown) => e instanceof ProviderError && e.retryable;
// The breaker counts provider trouble, not bad photos or our own cancellations.
const isProviderFault = (e: unknown) =>
  (e instanceof ProviderError && !e.isInputError && e.errorClass !== 'canceled') || e instanceof TaskCancelledError;

export function createProviderRouter<I extends RoutableInput, O extends RoutableOutput, P extends RoutableProvider<I, O>>(opts: RouterOptions<I, O, P>) {
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

  /** One provider, every step of its plan; `calls.current` is its call in flight. */
  async function runProvider(p: P, req: RouteRequest<I>, signal: AbortSignal, hedged: boolean, calls: { current?: Call }): Promise<RouteResult<O>> {
    const policy = wrap(
      retry(handleWhen(isRetryable), { maxAttempts: opts.retries, backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 5_000 }) }),
      breakerOf(p.name),
      // abortOnReturn off: cockatiel would abort the call's signal after every successful call
      // (a DOMException with its stack each time); a call that returned has nothing left to stop.
      timeout(opts.timeoutMs(p.name), { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }),
    );
    let cost = 0;
    const t0 = now();
    const callStep: StepCall<I, O> = (step, input) =>
      policy.execute(async ({ signal: callSignal }) => {
        const started = now();
        const call: Call = { step, model: input.model, started, recorded: false };
        calls.current = call;
        try {
          const out = await withSpan(`provider ${p.name}`, { 'probador.provider': p.name, 'probador.provider.step': step, 'probador.provider.hedged': hedged, ...(input.model ? { 'probador.provider.model': input.model } : {}) }, () => p.generate(input, { signal: callSignal, onProgress: (e) => req.onProgress?.(p.name, e) }), SpanKind.CLIENT);
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
    const output = opts.plan ? await opts.plan(p, req.input, callStep) : await callStep(0, req.input);
    return { output, provider: p.name, costUsd: cost, providerMs: now() - t0 };
  }

  function toProviderError(name: string, e: unknown): ProviderError {
    if (e instanceof ProviderError) return e;
    if (e instanceof BrokenCircuitError) return new ProviderError(name, 'unavailable', 'circuit open');
    if (e instanceof TaskCancelledError) return new ProviderError(name, 'timeout', 'timed out');
    return new ProviderError(name, 'unknown', (e as Error)?.message ?? String(e));
  }

  function generate(req: RouteRequest<I>): Promise<RouteResult<O>> {
    const candidates = req.order.map((n) => byName.get(n) ?? opts.lookup?.(n)).filter((p): p is P => p !== undefined && (opts.accepts?.(p, req.input) ?? true));
    return new Promise<RouteResult<O>>((resolve, reject) => {
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
              if (err.isInputError && (opts.inputErrorsStop ?? true)) return finish(() => reject(new RoutingError(err.message, 'INPUT_REFUSED', err)));
              if (running.size === 0 && !start(false)) finish(() => reject(new RoutingError(`every provider failed; last: ${p.name}: ${err.message}`, 'ALL_PROVIDERS_FAILED', err)));
            },
          );
          return true;
        }
        return false;
      };
      if (req.signal.aborted) return onCancel();
      if (!start(false)) return finish(() => reject(new RoutingError(opts.noProviderMessage ?? 'no provider is configured for this request', 'NO_PROVIDER', last)));
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

export type ProviderRouter<I extends RoutableInput, O extends RoutableOutput, P extends RoutableProvider<I, O>> = ReturnType<typeof createProviderRouter<I, O, P>>;
