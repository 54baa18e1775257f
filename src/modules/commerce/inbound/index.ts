/** The inbound part of the commerce module: the ledger, the job, contacts, the webhook route, media. */
export { createIngest, INBOUND_JOB, type Ingest, type InboundJobPayload } from './ingest.js';
export { createInboundProcessor } from './process.js';
export { resolveContact, identitiesOf, mergeContacts } from './contacts.js';
export { purgeExpiredMedia } from './media.js';
export { createWebhookHandler, registerWebhookRoutes, WEBHOOK_BODY_LIMIT } from './routes.js';
