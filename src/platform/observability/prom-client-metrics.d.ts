// prom-client's per-metric modules (no typings of their own): each registers one group of its
// default metrics on a registry, as collectDefaultMetrics() does with all of them.
declare module 'prom-client/lib/metrics/*' {
  import type { Registry } from 'prom-client';
  const register: (registry: Registry, config: { prefix?: string; eventLoopMonitoringPrecision?: number }) => void;
  export default register;
}
declare module 'prom-client/lib/defaultMetrics.js' {
  export const metricsList: string[];
}
