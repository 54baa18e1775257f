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
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

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
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'fifo' });
  const interval = 1000 / o.rate;
  const skip = Math.round(o.rate * warmup);
  const total = skip + Math.round(o.rate * o.duration);
  const latencies = new Float64Array(total - skip);
  const counts = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, mismatches: 0, statusCodes: {} };
  let sent = 0;
  let finished = 0;
  let recorded = 0;

  return new Promise((resolve) => {
    const t0 = performance.now() + 20;
    let t1 = 0;
    const done = () => {
      if (++finished < total) return;
      agent.destroy();
      const lat = latencies.subarray(0, recorded).sort();
      const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] : NaN);
      const measuredS = (t1 - (t0 + skip * interval)) / 1000;
      resolve({
        rate: o.rate,
        requests: recorded,
        achievedRate: recorded / measuredS,
        latency: { p50: pct(50), p90: pct(90), p99: pct(99), p999: pct(99.9), max: lat.length ? lat[lat.length - 1] : NaN, mean: lat.reduce((a, b) => a + b, 0) / (lat.length || 1) },
        ...counts,
      });
    };
    const fire = (i) => {
      const issued = performance.now();
      const record = (ms) => {
        if (i >= skip) latencies[recorded++] = ms;
        t1 = performance.now();
      };
      const req = http.request(o.url, { agent, headers: o.headers, timeout: timeoutMs }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - issued;
          const code = res.statusCode ?? 0;
          if (i >= skip) {
            counts.statusCodes[code] = (counts.statusCodes[code] ?? 0) + 1;
            if (code < 200 || code > 299) counts.non2xx++;
            else if (o.expectBody !== undefined && Buffer.concat(chunks).toString('utf8') !== o.expectBody) counts.mismatches++;
            else counts.ok++;
          }
          record(ms);
          done();
        });
      });
      req.on('timeout', () => {
        if (i >= skip) counts.timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.on('error', () => {
        if (i >= skip) counts.errors++;
        t1 = performance.now();
        done();
      });
      req.end();
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
    setTimeout(tick, 20);
  });
}
