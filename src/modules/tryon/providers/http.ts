/** The HTTP plumbing every adapter shares lives in platform/providers/http.ts (the generation module's adapters use it too). */
export * from '../../../platform/providers/http.js';
