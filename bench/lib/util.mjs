/** Small helpers shared by the bench scripts. */
import { createServer } from 'node:net';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

/** The p-th percentile by nearest rank (the lower sample at an even count's middle, unlike `median`). */
export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** The JSON document printed by `probador … --json` (pretty-printed; a stray log line is skipped). */
export function cliJson(out) {
  try {
    return JSON.parse(out);
  } catch {
    const i = out.search(/^\{\s*$/m);
    if (i < 0) throw new Error(`no JSON in CLI output:\n${out}`);
    return JSON.parse(out.slice(i));
  }
}
