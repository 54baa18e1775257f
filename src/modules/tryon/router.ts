/**
 * The try-on's provider router: the platform's router (platform/providers/router.ts: timeout →
 * circuit breaker → retries → fallback → hedging, attempt records) with the two things only a
 * try-on has. A provider is in the walk only when it handles every garment's category, and an
 * outfit is dressed in one call when the provider takes that many garments, otherwise chained one
 * garment per call, each step's result becoming the next step's person photo.
 */
import { loadSharp } from '../../platform/images/sharp.js';
import {
  createProviderRouter,
  type AttemptRecord as GenericAttemptRecord,
  type RouteRequest as GenericRouteRequest,
  type RouteResult as GenericRouteResult,
} from '../../platform/providers/router.js';
import type { ImageContentType, TryonInput, TryonOutput, TryonProvider } from './providers/types.js';

export { RoutingError, routingOutcome } from '../../platform/providers/router.js';
export type AttemptRecord = GenericAttemptRecord;
export type RouteRequest = GenericRouteRequest<TryonInput>;
export type RouteResult = GenericRouteResult<TryonOutput>;

export type RouterOptions = {
  providers: TryonProvider[];
  timeoutMs: (provider: string) => number;
  retries: number;
  breaker: { consecutiveFailures: number; halfOpenAfterMs: number };
  now?: () => number;
};

async function dims(bytes: Buffer) {
  const m = await (await loadSharp())(bytes).metadata();
  return { width: m.width ?? 0, height: m.height ?? 0 };
}

export function createRouter(opts: RouterOptions) {
  return createProviderRouter<TryonInput, TryonOutput, TryonProvider>({
    ...opts,
    noProviderMessage: 'no provider is configured for these garments',
    accepts: (p, input) => input.garments.every((g) => g.category === 'auto' || p.categories.includes(g.category)),
    plan: async (p, input, call) => {
      const garments = input.garments;
      const steps = p.maxGarmentsPerCall >= garments.length ? [garments] : garments.map((g) => [g]);
      let person = input.person;
      let output: TryonOutput | undefined;
      for (let step = 0; step < steps.length; step++) {
        output = await call(step, { ...input, person, garments: steps[step]! });
        if (step < steps.length - 1) {
          const d = await dims(output.image);
          person = { bytes: output.image, contentType: output.contentType as ImageContentType, width: d.width, height: d.height };
        }
      }
      return output!;
    },
  });
}

export type TryonRouter = ReturnType<typeof createRouter>;
