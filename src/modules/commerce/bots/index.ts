/** The bots part of the commerce module: bots, their connections, their routes. */
export { createBotsService, type BotsService, type BotsDeps } from './service.js';
export { botRoutes, tenantOf } from './routes.js';
export * as botsRepo from './repository.js';
export { botStatusRoutes, createBotStatus, type BotStatusService } from './status.js';
