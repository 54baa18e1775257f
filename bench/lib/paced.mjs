/**
 * An open-loop, evenly paced load generator for latency at a fixed rate.
 *
 * Why not autocannon's `overallRate`: autocannon (9.0) gives each connection a quota of
 * rate/connections requests per second and resets it every second, so every connection sends
 * back to back at full speed until its quota is spent and then idles: "half of peak" is in fact
 * peak load for half of each second. Its coordinated-omission correction for rated runs also uses
 * an expected interval of ceil(1/rate) = 1 ms instead of 1000/rate ms and adds synthetic samples
 * to every response slower than 1 ms. Measured on a bare node:http server at half of its peak,
 * autocannon reports p99 22 ms, worse than the same server's p99 at peak (13 ms).
 *
 * Here request i is due at t0 + i/rate, whatever the server does (open loop). Due requests are
 * issued on a 1 ms timer through a pool of at most `connections` keep-alive sockets; a request
 * waits for a free socket when all are busy, and latency runs from the moment it is issued, so a
 * slow server's backlog counts (no coordinated omission) while the timer's own slack (< 1 ms of
 * client-side scheduling) does not. Resolution: microseconds.
 *
 * The client is raw TCP (node:net) with the request bytes built once and a minimal HTTP/1.1
 * response parser (status line, Content-Length, body): a few µs of CPU per request, where
 * node:http's client spent ~100 µs, so the generator is not what limits the rate it can hold.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * @param {{ url: string, headers?: Record<string,string>, rate: number, duration: number,
 *           connections?: number, warmup?: number, expectBody?: string, timeoutMs?: number }} o
 *   rate in requests/s; duration and warmup in seconds (warm-up requests are sent at the same
 *   pace but not recorded).
 */
export function paced(o) {
  const connections = o.connections ?? 50;
  const warmup = o.warmup ?? 1;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const u = new URL(o.url);
  const headerLines = Object.entries({ host: u.host, connection: 'keep-alive', ...(o.headers ?? {}) }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const request = Buffer.from(`GET ${u.pathname}${u.search} HTTP/1.1\r\n${headerLines}\r\n`);
  const expect = o.expectBody === undefined ? undefined : Buffer.from(o.expectBody);
  const interval = 1000 / o.rate;
  const skip = Math.round(o.rate * warmup);
  const total = skip + Math.round(o.rate * o.duration);
  const latencies = new Float64Array(total - skip);
  // o.trace: also keep when each recorded request was issued (ms since t0), for a timeline.
  const issuedAt = o.trace ? new Float64Array(total - skip) : undefined;
  const counts = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, mismatches: 0, statusCodes: {} };
  let sent = 0;
  let finished = 0;
  let recorded = 0;
  let t1 = 0;

  return new Promise((resolve) => {
    const t0 = performance.now() + 50;
    /** Requests issued but not yet on a socket (all sockets busy): [index, issuedAt]. */
    const waiting = [];
    const idle = [];
    const conns = [];

    const finish = () => {
      for (const c of conns) c.socket.destroy();
      // monoT0Ns: t0 on CLOCK_MONOTONIC (process.hrtime), to line the timeline up with perf or server logs.
      const monoT0Ns = process.hrtime.bigint() - BigInt(Math.round((performance.now() - t0) * 1e6));
      const trace = issuedAt ? { issuedAt: issuedAt.slice(0, recorded), latency: latencies.slice(0, recorded), monoT0Ns: String(monoT0Ns) } : undefined;
      const lat = latencies.subarray(0, recorded).sort();
      const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] : NaN);
      const measuredS = (t1 - (t0 + skip * interval)) / 1000;
      resolve({
        rate: o.rate,
        requests: recorded,
        achievedRate: recorded / measuredS,
        latency: { p50: pct(50), p90: pct(90), p99: pct(99), p999: pct(99.9), max: lat.length ? lat[lat.length - 1] : NaN, mean: lat.reduce((a, b) => a + b, 0) / (lat.length || 1) },
        ...counts,
        trace,
      });
    };
    const complete = (i, issued, outcome, code) => {
      t1 = performance.now();
      if (i >= skip) {
        if (outcome === 'ok' || outcome === 'non2xx' || outcome === 'mismatches') {
          if (issuedAt) issuedAt[recorded] = issued - t0;
          latencies[recorded++] = t1 - issued;
          counts.statusCodes[code] = (counts.statusCodes[code] ?? 0) + 1;
        }
        counts[outcome]++;
      }
      if (++finished === total) finish();
    };

    function connect() {
      const c = { socket: net.connect({ host: u.hostname, port: Number(u.port || 80), noDelay: true }), buf: Buffer.alloc(0), current: undefined, timer: undefined, ready: false };
      c.socket.on('connect', () => {
        c.ready = true;
        release(c);
      });
      c.socket.on('data', (chunk) => {
        c.buf = c.buf.length ? Buffer.concat([c.buf, chunk]) : chunk;
        parse(c);
      });
      const fail = () => {
        if (c.current) {
          clearTimeout(c.timer);
          const [i, issued] = c.current;
          c.current = undefined;
          complete(i, issued, 'errors');
        }
        const k = conns.indexOf(c);
        if (k >= 0) conns.splice(k, 1);
        const j = idle.indexOf(c);
        if (j >= 0) idle.splice(j, 1);
        if (finished < total) conns.push(connect());
      };
      c.socket.on('error', () => undefined);
      c.socket.on('close', fail);
      return c;
    }
    function parse(c) {
      if (!c.current) return;
      const end = c.buf.indexOf(CRLFCRLF);
      if (end < 0) return;
      const head = c.buf.toString('latin1', 0, end);
      const code = Number(head.slice(9, 12));
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!m) {
        c.socket.destroy(); // only Content-Length bodies are expected here
        return;
      }
      const len = Number(m[1]);
      if (c.buf.length < end + 4 + len) return;
      const body = c.buf.subarray(end + 4, end + 4 + len);
      c.buf = c.buf.subarray(end + 4 + len);
      clearTimeout(c.timer);
      const [i, issued] = c.current;
      c.current = undefined;
      const outcome = code < 200 || code > 299 ? 'non2xx' : expect && !expect.equals(body) ? 'mismatches' : 'ok';
      complete(i, issued, outcome, code);
      release(c);
    }
    function send(c, job) {
      c.current = job;
      c.timer = setTimeout(() => {
        if (c.current !== job) return;
        c.current = undefined;
        complete(job[0], job[1], 'timeouts');
        c.socket.destroy();
      }, timeoutMs);
      c.socket.write(request);
    }
    function release(c) {
      const next = waiting.shift();
      if (next) send(c, next);
      else idle.push(c);
    }
    const fire = (i) => {
      const job = [i, performance.now()];
      const c = idle.pop();
      if (c) send(c, job);
      else waiting.push(job);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total) {
        const due = t0 + sent * interval;
        if (due > now) break;
        fire(sent);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, t0 + sent * interval - performance.now())));
    };
    for (let k = 0; k < connections; k++) conns.push(connect());
    setTimeout(tick, 50);
  });
}
