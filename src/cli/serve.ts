/**
 * `probador start`: run the server until SIGINT or SIGTERM, then close gracefully (15 s at most).
 *
 * The handlers are in place before start-up begins, so a signal that arrives while the server is
 * starting (or just after its banner) stops it cleanly once it is up; a second signal during
 * start-up quits at once. Under `npm start` the package script `exec`s node, so the signal npm
 * forwards on Ctrl-C or SIGTERM reaches this process. Should npm itself die without forwarding
 * (SIGKILL), this process would be left running with nobody to stop it: under npm it also watches
 * its parent and stops when it changes.
 */
import { ConfigError, type Config, type Role } from '../config.js';
import { start, type Started } from '../main.js';

const ROLES: Role[] = ['all', 'api', 'worker'];

export async function serve(config: Config, role: string, opts: { underNpm: boolean }): Promise<void> {
  if (!ROLES.includes(role as Role)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}`);
  const running: { server?: Started } = {};
  let requested: { why: string; at: number } | undefined;
  let stopping = false;
  const stop = async (why: string) => {
    const server = running.server;
    if (!server) {
      // Another signal while starting quits now; but not the copy of the same Ctrl-C that npm
      // forwards (a terminal signals npm and node both), which comes within a moment.
      if (requested && Date.now() - requested.at > 1000) process.exit(130);
      if (!requested) console.log(`  ${why} while starting: stopping once started (again to quit at once)…`);
      requested ??= { why, at: Date.now() };
      return;
    }
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
  running.server = await start(config, role as Role);
  if (requested) await stop(requested.why);
}
