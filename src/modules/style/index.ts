/**
 * Style: palettes, the colour quiz (and its fusion with a photo analysis), tie-break questions,
 * colour matching and a garment's dominant colour. Other modules use only what this file exports.
 *
 * (The analysis API — POST /v1/style/analyses — registers here too once it exists; its service
 * then answers the `getColorAnswer` port.)
 */
import type { FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.js';
import type { App } from '../../platform/http/types.js';
import { createStyleMatchService, type StyleMatchPorts } from './service-match.js';
import { styleMatchRoutes } from './routes-match.js';
import { dominantGarmentColor } from './garment-color.js';
import { FIT_VERSION, colorFit } from './color-match.js';

export function createStyleModule(deps: Pick<Deps, 'db' | 'clock'>, ports: StyleMatchPorts & { widgetSession: (req: FastifyRequest) => string | null }) {
  const match = createStyleMatchService(deps, ports);
  return {
    match,
    /** For the catalog: a garment's dominant colour from its image, and its fit to the 12 palettes. */
    garmentColors: { read: dominantGarmentColor, fit: colorFit, fitVersion: FIT_VERSION },
    registerRoutes(app: App) {
      styleMatchRoutes(app, { svc: match, widgetSession: ports.widgetSession });
    },
  };
}

export type StyleModule = ReturnType<typeof createStyleModule>;
export type { StyleMatchPorts } from './service-match.js';
export { paletteFor, PALETTES } from './palettes.js';
export { tieBreakers } from './tie-breakers.js';
export { fuseColorAnswers } from './fusion.js';
