/** The channels part of the commerce module: the driver interface, the registry, WhatsApp's limits, the simulator, the drivers' fetch. */
export * from './types.js';
export * from './registry.js';
export * from './limits.js';
export * from './simulator.js';
export { policyFetch } from '../../../platform/net/policy-fetch.js';
