/**
 * Style feedback (`fbk_…`) on analyses, and the figures made from it and from the analyses:
 * agreement per season and Monk level, the confusion list, the dashboard's style figures.
 * Part of the style module (wired in ../index.ts); the feedback is deleted with its analysis.
 */
import type { Deps } from '../../../deps.js';
import type { App } from '../../../platform/http/types.js';
import type { StylePorts } from '../ports.js';
import { createFeedbackService, type FeedbackPorts } from './service.js';
import { styleFeedbackRoutes } from './routes.js';
import { feedbackSummary, styleFigures } from './queries.js';

export function createStyleFeedback(deps: Pick<Deps, 'db' | 'clock'>, ports: FeedbackPorts & Pick<StylePorts, 'callerOf'>) {
  const svc = createFeedbackService(deps, ports);
  return {
    service: svc,
    summary: (tenantId: string, range: Parameters<typeof feedbackSummary>[2]) => feedbackSummary(deps.db, tenantId, range),
    figures: (tenantId: string, range: Parameters<typeof styleFigures>[2]) => styleFigures(deps.db, tenantId, range),
    registerRoutes(app: App) {
      styleFeedbackRoutes(app, { svc, ports, db: deps.db, clock: deps.clock });
    },
  };
}

export type StyleFeedbackModule = ReturnType<typeof createStyleFeedback>;
export type { FeedbackCaller, FeedbackService } from './service.js';
