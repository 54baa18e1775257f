/**
 * Style for signed-in end users (history, chosen palette, my colours, saved products, files): part
 * of the style module (wired in ../index.ts). The module's other parts (compat/) use only this file.
 */
export { createStylePeople, type Person, type StylePeople } from './service.js';
export { stylePeopleRoutes } from './routes.js';
export { readUserFileUpload, type UserFileUpload } from './upload.js';
