/**
 * The style router: the platform's provider router (timeout → circuit breaker → retries →
 * fallback, every call reported as an attempt with its cost) over the style analysers. Order:
 * `gemini` when it is configured and the request asked for it, then `local`, the offline analyser,
 * always last. Unlike try-ons, an input error from Gemini (its safety filter refusing a selfie)
 * falls back too: the offline analyser judges the photo by its own rules.
 */
import { createProviderRouter, type AttemptRecord, type RoutableProvider } from '../../../platform/providers/router.js';
import type { AnalyserInput, AnalyserOutput, StyleAnalyser } from '../analyser/index.js';

type RouteInput = { input: AnalyserInput; model?: string | undefined };
type RouteOutput = AnalyserOutput & { model: string; costUsd: number };
type Routable = RoutableProvider<RouteInput, RouteOutput> & { analyser: StyleAnalyser };

export type StyleRouterOptions = {
  /** The analysers available; `local` must be among them. */
  analysers: (StyleAnalyser & { estimateCostUsd?: () => number })[];
  /** Per analyser (default: gemini 30 s, local 20 s). */
  timeoutMs?: (name: string) => number;
  /** Retries of a retryable failure (429, 5xx, timeout) on the same analyser before falling back (default 2). */
  retries?: number;
  /** Consecutive failures that open an analyser's breaker, and how long it stays open (default 5, 30 s). */
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
  /** Start the next analyser in parallel after this long without an answer (default 0: never). */
  latencyBudgetMs?: number;
  now?: () => number;
};

export type StyleRouteResult = {
  output: AnalyserOutput;
  analyser: { name: 'local' | 'gemini'; version: string; model: string | null };
  costUsd: number;
  providerMs: number;
  /** The analyser asked for did not answer; a later one in the order did. */
  fellBack: boolean;
};

export function createStyleRouter(opts: StyleRouterOptions) {
  const byName = new Map(opts.analysers.map((a) => [a.name, a]));
  if (!byName.has('local')) throw new Error('createStyleRouter: the local analyser is required (it is the last resort)');
  const providers: Routable[] = opts.analysers.map((a) => ({
    name: a.name,
    analyser: a,
    estimateCostUsd: () => a.estimateCostUsd?.() ?? 0,
    generate: async ({ input }, { signal }) => {
      const out = await a.analyse(input, signal);
      return { ...out, model: out.model ?? a.name, costUsd: out.costUsd ?? 0 };
    },
  }));
  const router = createProviderRouter<RouteInput, RouteOutput, Routable>({
    providers,
    timeoutMs: opts.timeoutMs ?? ((name) => (name === 'local' ? 20_000 : 30_000)),
    retries: opts.retries ?? 2,
    breaker: opts.breaker ?? { consecutiveFailures: 5, halfOpenAfterMs: 30_000 },
    inputErrorsStop: false,
    noProviderMessage: 'no style analyser is available',
    ...(opts.now ? { now: opts.now } : {}),
  });

  /** The analysers to try, in order, for a request that asked for `asked`. */
  const order = (asked: 'local' | 'gemini'): string[] => (asked === 'gemini' && byName.has('gemini') ? ['gemini', 'local'] : ['local']);

  async function analyse(req: { input: AnalyserInput; analyser: 'local' | 'gemini'; signal: AbortSignal; onAttempt: (a: AttemptRecord) => void }): Promise<StyleRouteResult> {
    const walk = order(req.analyser);
    const r = await router.generate({ input: { input: req.input }, order: walk, latencyBudgetMs: opts.latencyBudgetMs ?? 0, signal: req.signal, onAttempt: req.onAttempt });
    const a = byName.get(r.provider as 'local' | 'gemini')!;
    const { model, costUsd, ...output } = r.output;
    return {
      output: { ...output, costUsd, model: a.name === 'local' ? null : model },
      analyser: { name: a.name, version: a.version, model: a.name === 'local' ? null : model },
      costUsd: r.costUsd,
      providerMs: r.providerMs,
      fellBack: r.provider !== walk[0],
    };
  }

  return {
    analyse,
    order,
    /** `gemini` when configured. */
    has: (name: 'local' | 'gemini') => byName.has(name),
    analyser: (name: 'local' | 'gemini') => byName.get(name),
    breakerState: (name: string) => router.breakerState(name),
  };
}

export type StyleRouter = ReturnType<typeof createStyleRouter>;
