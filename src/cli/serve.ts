/**
 * `probador start`: run the server until SIGINT or SIGTERM, then close gracefully (15 s at most).
 *
 * Under `npm start` the package script `exec`s node, so the signal npm forwards on Ctrl-C or
 * SIGTERM reaches this process. Should npm itself die without forwarding (SIGKILL), this process
 * would be left running with nobody to stop it: under npm it also watches its parent and stops
 * when it changes.
 */
import { ConfigError, type Config, type Role } from '../config.js';
import { start } from '../main.js';

const ROLES: Role[] = ['all', 'api', 'worker'];

export async function serve(config: Config, role: string, opts: { underNpm: boolean }): Promise<void> {
  if (!ROLES.includes(role as Role)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}`);
  const server = await start(config, role as Role);
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`  ${why}: closing…`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT received'));
  process.on('SIGTERM', () => void stop('SIGTERM received'));
  if (opts.underNpm) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void stop(`npm (pid ${parent}) is gone`);
    }, 1000).unref();
  }
}
