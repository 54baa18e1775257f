/**
 * The channel drivers by provider name: the commerce module asks here for the driver of a
 * connection. The simulator is always there; the lead registers the others (Meta, Twilio,
 * Evolution, Baileys) at start-up — `registry.register(metaDriver())`.
 */
import type { ChannelDriver, ChannelProvider } from './types.js';

export type ChannelRegistry = {
  register: (driver: ChannelDriver) => void;
  get: (provider: ChannelProvider) => ChannelDriver | undefined;
  has: (provider: string) => provider is ChannelProvider;
  providers: () => ChannelProvider[];
};

export function createChannelRegistry(drivers: ChannelDriver[] = []): ChannelRegistry {
  const byName = new Map<ChannelProvider, ChannelDriver>();
  const registry: ChannelRegistry = {
    register: (d) => void byName.set(d.provider, d),
    get: (p) => byName.get(p),
    has: (p): p is ChannelProvider => byName.has(p as ChannelProvider),
    providers: () => [...byName.keys()],
  };
  for (const d of drivers) registry.register(d);
  return registry;
}
