/**
 * Style: selfie analysis — face shape, seasonal colour (undertone, depth, chroma, contrast, 4 and
 * 12 seasons, palette) and the photo's quality with retake advice — by the offline analyser on
 * perception's face mesh (analyser/), behind the StyleAnalyser seam other analysers plug into.
 * Other modules use only what this file exports.
 */
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { StyleAnalysis } from '../../../contracts/style.js';
import { createStyleService, type StyleCaller } from './service.js';
import { styleRoutes } from './routes.js';
import { createLocalAnalyser } from './analyser/local.js';
import type { StyleAnalyser } from './analyser/types.js';
import type { StylePorts } from './ports.js';

export type StyleModuleOptions = {
  /** Analysers besides (or instead of) the offline one; the first named `local` serves requests that name none. */
  analysers?: StyleAnalyser[];
};

export function createStyleModule(deps: Deps, ports: StylePorts, opts: StyleModuleOptions = {}) {
  const analysers = opts.analysers ?? [createLocalAnalyser()];
  const service = createStyleService(deps, ports, analysers);
  return {
    service,
    async registerRoutes(app: App) {
      app.addSchema(StyleAnalysis);
      await styleRoutes(app, { svc: service, ports, config: deps.config, pubsub: deps.pubsub });
    },
    /** An analysis of the tenant (any widget session), as the API shows it but without the selfie's link: for colour matching and quiz fusion. */
    getAnalysis: async (tenantId: string, id: string) => service.present(await service.getRow(tenantId, id), null),
    /** Analyse a selfie for a caller (the widget, bots): the same use-case as POST /v1/style/analyses. */
    analyse: async (c: StyleCaller, body: Parameters<typeof service.create>[1]) => service.present(await service.create(c, body), c.intake.baseUrl),
    /** Retention purge of selfies, run by the worker's maintenance loop. */
    purgeExpired: () => service.purgeExpired(),
    /** Counters since start: analyses made, analyser and perception runs, cache hits. */
    stats: () => service.stats(),
  };
}

export type StyleModule = ReturnType<typeof createStyleModule>;
export type { StylePorts, StyleCaller };
export type { StyleAnalyser, AnalyserInput, AnalyserOutput } from './analyser/types.js';
export { paletteFor } from './palettes.js';
