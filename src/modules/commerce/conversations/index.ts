/** The conversations part of the commerce module: conversations, messages, handover, sending. */
export { createConversationsService, type ConversationsService } from './service.js';
export { conversationRoutes } from './routes.js';
export { presentConversation, presentMessage } from './present.js';
export * as convRepo from './repository.js';
