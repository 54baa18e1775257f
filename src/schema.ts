/** Every table, for drizzle-kit (migrations are generated from this file). */
export * from './platform/db/tables.js';
export * from './modules/tenants/tables.js';
export * from './modules/tryon/tables.js';
export * from './modules/webhooks/tables.js';
export * from './modules/analytics/tables.js';
export * from './modules/catalog/tables.js';
export * from './modules/generation/tables.js';
export * from './modules/style/tables.js';
export * from './modules/style/tables-match.js';
export * from './modules/style/tables-gemini.js';
export * from './modules/commerce/tables.js';
export * from './modules/commerce/orders/tables.js';
export * from './modules/commerce/channels/baileys/tables.js';
export * from './modules/commerce/flows/tables.js';
export * from './modules/commerce/analytics/tables.js';
export * from './platform/mail/tables.js';
export * from './modules/accounts/tables.js';
