/**
 * Style: selfie analysis — face shape, seasonal colour (undertone, depth, chroma, contrast, 4 and
 * 12 seasons, palette) and the photo's quality with retake advice — by the offline analyser on
 * perception's face mesh (analyser/) or by Gemini through the style router (providers/, the
 * `style.analyse` job), behind one StyleAnalyser seam; the `style.analyses` cache; palettes, the
 * colour quiz (and its fusion with a photo analysis), tie-break questions, colour matching and a
 * garment's dominant colour; feedback on analyses with its agreement figures and the dashboard's
 * style figures (feedback/); the shopper's erasure and the retention purges; and the older Synthia
 * Style API's paths over all that (compat/). Other modules use only what this file exports.
 */
import type { FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import type { FetchLike } from '../../platform/providers/http.js';
import { StyleAnalysis } from '../../../contracts/style.js';
import { createStyleService, type StyleCaller } from './service.js';
import { createAnalyseJobPorts } from './service-job.js';
import { createAnalyseJob } from './analyse-job.js';
import { styleRoutes } from './routes.js';
import { createLocalAnalyser } from './analyser/local.js';
import type { StyleAnalyser } from './analyser/types.js';
import { createGeminiStyleAnalyserFromConfig } from './providers/index.js';
import type { StyleRouterOptions } from './providers/router.js';
import type { StylePorts } from './ports.js';
import { createStyleMatchService, type StyleMatchPorts } from './service-match.js';
import { styleMatchRoutes } from './routes-match.js';
import { dominantGarmentColor } from './garment-color.js';
import { FIT_VERSION, colorFit } from './color-match.js';
import { createTryonColors } from './tryon-colors.js';
import { createStyleFeedback } from './feedback/index.js';
import { styleCompatRoutes } from './compat/routes.js';
import type { CompatTenant } from '../../platform/http/compat-access.js';
import { createStylePeople, stylePeopleRoutes } from './people/index.js';
import { styleCompatPeopleRoutes } from './compat/routes-people.js';

export type StyleModuleOptions = {
  /** The analysers (default: Gemini when GEMINI_API_KEY is set, and the offline analyser); one must be named `local`. */
  analysers?: StyleAnalyser[];
  /** The style router's timeouts, retries and breaker (default: PROBADOR_PROVIDER_RETRIES, gemini 30 s, local 20 s). */
  router?: Partial<StyleRouterOptions>;
  /** The Gemini adapter's fetch (tests). */
  fetch?: FetchLike;
};

/** What the module needs from other modules: the analysis side's ports, and the catalog's for colour matching. */
export type StyleModulePorts = StylePorts &
  Omit<StyleMatchPorts, 'getColorAnswer'> & {
    widgetSession: (req: FastifyRequest) => string | null;
    /** The older Style API's default tenant (PROBADOR_STYLE_COMPAT_DEFAULT_TENANT): its origins, tier and limits; undefined when unknown. */
    compatTenant: (tenantId: string) => Promise<CompatTenant | undefined>;
  };

export function createStyleModule(deps: Deps, ports: StyleModulePorts, opts: StyleModuleOptions = {}) {
  const gemini = createGeminiStyleAnalyserFromConfig(deps.config, opts.fetch);
  const analysers = opts.analysers ?? [...(gemini ? [gemini] : []), createLocalAnalyser()];
  const service = createStyleService(deps, ports, {
    analysers,
    ...(opts.router ? { router: opts.router } : {}),
    // The match service is made below; this runs at request time.
    quizForFusion: (c, id) => match.quizForFusion({ tenantId: c.tenantId, widgetSession: () => c.widgetSession }, id),
  });
  /** An analysis of the tenant (any widget session), as the API shows it but without the selfie's link. */
  const getAnalysis = async (tenantId: string, id: string) => service.present(await service.getRow(tenantId, id), null);
  const match = createStyleMatchService(deps, {
    ...ports,
    // Photo analyses (sta_…) for quiz fusion and colour matching; unknown ids, or another widget session's, are null (404 there).
    getColorAnswer: async (c, id) => {
      if (!id.startsWith('sta_')) return null;
      const row = await service.getRow(c.tenantId, id, c.widgetSession).catch(() => undefined);
      return row?.color ?? null;
    },
  });
  // "Does this colour suit me" on a try-on: its `style` resolved for the caller, its garments' colours judged.
  const tryonColors = createTryonColors(deps, {
    analysisColor: async (tenantId, id, widgetSession) => {
      const row = await service.getRow(tenantId, id, widgetSession);
      return { status: row.status, color: row.color ?? null };
    },
    quizColor: async (tenantId, id, widgetSession) => (await match.getQuizResult({ tenantId, widgetSession: () => widgetSession }, id)).color,
    productColors: ports.productColors,
  });
  // Feedback on analyses (fbk_…) and the figures from it; deleted with its analysis (foreign key).
  const feedback = createStyleFeedback(deps, { callerOf: ports.callerOf, analysisOf: (tenantId, id, widgetSession) => service.getRow(tenantId, id, widgetSession) });
  // Signed-in end users' style: history, chosen palette, my colours, saved products, files (people/).
  const people = createStylePeople(deps, ports, { service, match });
  const job = createAnalyseJob(deps, service.router, createAnalyseJobPorts(deps, ports, service), service.cache);

  return {
    service,
    match,
    /** Feedback on analyses and the agreement and style figures (summary, figures by tenant and period). */
    feedback,
    /** For the try-on module (wired in app.ts): the season a try-on's `style` names, and its garments' colour matches. */
    tryonColors: { seasonOf: tryonColors.seasonOf, judge: tryonColors.judge },
    /** For the catalog: a garment's dominant colour from its image, and its fit to the 12 palettes. */
    garmentColors: { read: dominantGarmentColor, fit: colorFit, fitVersion: FIT_VERSION },
    /** The `style.analyse` job (a queued Gemini analysis). */
    registerJobs() {
      deps.jobs.register(job.definition as never);
    },
    async registerRoutes(app: App) {
      app.addSchema(StyleAnalysis);
      await styleRoutes(app, { svc: service, ports, config: deps.config, pubsub: deps.pubsub });
      styleMatchRoutes(app, { svc: match, widgetSession: ports.widgetSession });
      feedback.registerRoutes(app);
      // The older Synthia Style API's paths (/api/v1/…) over the same services (compat/).
      await styleCompatRoutes(app, { svc: service, match, ports, config: deps.config, db: deps.db, caches: deps.caches, clock: deps.clock, compatTenant: ports.compatTenant });
      await stylePeopleRoutes(app, { people, config: deps.config });
      // The older API's feedback and files paths, for the signed-in end user (compat/routes-people.ts).
      await styleCompatPeopleRoutes(app, { feedback: feedback.service, files: people.files, config: deps.config });
    },
    /**
     * An end user's style data for the accounts module's registry (`registerUserData`, wired in
     * app.ts): export lists their analyses, quiz results, palette, saved products and files; erase
     * deletes rows and blobs (feedback goes with its analysis).
     */
    userData: { name: 'style', export: (tenantId: string, userId: string) => people.exportUser(tenantId, userId), erase: (tenantId: string, userId: string) => people.eraseUser(tenantId, userId) },
    getAnalysis,
    /** Analyse a selfie for a caller (the widget, bots): the same use-case as POST /v1/style/analyses. */
    analyse: async (c: StyleCaller, body: Parameters<typeof service.create>[1]) => service.present(await service.create(c, body), c.intake.baseUrl),
    /**
     * A shopper's style data (DELETE /v1/shoppers/:id, wired into the try-on module's erasure in
     * app.ts): their analyses with the selfies they stored, and their quiz results. A publishable
     * key's widget session erases only its own.
     */
    async eraseShopper(tenantId: string, shopperId: string, widgetSession: string | null) {
      return {
        styleAnalyses: await service.eraseShopper(tenantId, shopperId, widgetSession),
        quizResults: await match.eraseShopper(tenantId, shopperId, widgetSession),
      };
    },
    /** Retention, run by the worker's maintenance loop: selfies past it (the answers stay), quiz results and end users' files past it. */
    async purgeExpired() {
      const { selfies } = await service.purgeExpired();
      return { selfies, quizResults: await match.purgeExpired(), userFiles: await people.files.purgeExpired() };
    },
    /** Counters since start: analyses made, analyser and perception runs, cache hits. */
    stats: () => service.stats(),
  };
}

export type StyleModule = ReturnType<typeof createStyleModule>;
export type { StylePorts, StyleCaller, StyleMatchPorts };
export type { StyleAnalyser, AnalyserInput, AnalyserOutput } from './analyser/types.js';
export { paletteFor, PALETTES } from './palettes.js';
export { tieBreakers } from './tie-breakers.js';
export { fuseColorAnswers } from './fusion.js';
