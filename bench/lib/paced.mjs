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
 *
 * The generator runs in a process of its own (this file, forked by `paced()`), which inherits the
 * caller's CPU affinity and does nothing else, with a 64 MB young generation and almost no garbage
 * per request (times in typed arrays indexed by request, no timer object per request, the response
 * parsed in place): when it ran inside the bench process, its own pauses (that process's GC, its
 * /proc sampling and child output) were measured as the server's latency — a trace showed the
 * generator issuing nothing for 20–35 ms and then a burst of hundreds of requests at once.
 *
 * Two options for other benches (bench/commerce.mjs): `request: { module, options }` builds each
 * request's bytes (a POST with its own body, signed) from request i with the module's
 * `requestBuilder(options, url)` instead of one fixed GET; `closed: true` is a closed loop (peak):
 * every connection sends its next request as soon as the previous one is answered, for `duration`
 * seconds after `warmup` seconds, and the result says how many were answered per second.
 */
import net from 'node:net';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const LF = 10;
const CONTENT_LENGTH = Buffer.from('content-length:');

/**
 * One HTTP/1.1 response at the head of `c.buf`, parsed in place (status line, Content-Length, body):
 * `{ outcome, code }` once whole (and removed from the buffer), undefined while incomplete. A
 * response without Content-Length destroys the socket (only Content-Length bodies are expected).
 */
function takeResponse(c, expect) {
  const b = c.buf;
  const end = b.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const code = (b[9] - 48) * 100 + (b[10] - 48) * 10 + (b[11] - 48);
  let len = -1;
  for (let p = b.indexOf(LF) + 1; p > 0 && p < end; p = b.indexOf(LF, p) + 1) {
    let k = 0;
    while (k < CONTENT_LENGTH.length && (b[p + k] | 0x20) === CONTENT_LENGTH[k]) k++;
    if (k === CONTENT_LENGTH.length) {
      let q = p + k;
      while (b[q] === 32) q++;
      len = 0;
      while (b[q] >= 48 && b[q] <= 57) len = len * 10 + (b[q++] - 48);
      break;
    }
  }
  if (len < 0) {
    c.socket.destroy();
    return undefined;
  }
  const bodyAt = end + 4;
  if (b.length < bodyAt + len) return undefined;
  c.buf = b.length > bodyAt + len ? b.subarray(bodyAt + len) : undefined;
  const outcome = code < 200 || code > 299 ? 'non2xx' : expect && (len !== expect.length || expect.compare(b, bodyAt, bodyAt + len) !== 0) ? 'mismatches' : 'ok';
  return { outcome, code };
}

/** The bytes of request i: the `request` option's builder, or one fixed GET of the URL with the headers. */
async function requestsOf(o, u) {
  if (o.request) {
    const { requestBuilder } = await import(o.request.module);
    return requestBuilder(o.request.options ?? {}, u);
  }
  const headerLines = Object.entries({ host: u.host, connection: 'keep-alive', ...(o.headers ?? {}) }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const fixed = Buffer.from(`GET ${u.pathname}${u.search} HTTP/1.1\r\n${headerLines}\r\n`);
  return () => fixed;
}

/**
 * @param {{ url: string, headers?: Record<string,string>, rate: number, duration: number,
 *           connections?: number, warmup?: number, expectBody?: string, timeoutMs?: number, trace?: boolean }} o
 *   rate in requests/s; duration and warmup in seconds (warm-up requests are sent at the same
 *   pace but not recorded).
 */
export function paced(o) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--max-semi-space-size=64'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    child.once('message', (m) => (result = m));
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`paced generator exited (code ${code}) without a result`))));
    child.send(o);
  });
}

/** The generator itself (in this process). */
export async function pacedHere(o) {
  if (o.closed) return closedHere(o);
  const connections = o.connections ?? 50;
  const warmup = o.warmup ?? 1;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const u = new URL(o.url);
  const request = await requestsOf(o, u);
  const expect = o.expectBody === undefined ? undefined : Buffer.from(o.expectBody);
  const interval = 1000 / o.rate;
  const skip = Math.round(o.rate * warmup);
  const total = skip + Math.round(o.rate * o.duration);
  /** When each request was issued (ms, performance.now()), by index. */
  const issuedAt = new Float64Array(total);
  const latencies = new Float64Array(total - skip);
  // o.trace: also keep when each recorded request was issued (ms since t0), for a timeline.
  const traceIssued = o.trace ? new Float64Array(total - skip) : undefined;
  const counts = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, mismatches: 0, statusCodes: {} };
  let sent = 0;
  let finished = 0;
  let recorded = 0;
  let t1 = 0;

  return new Promise((resolve) => {
    const t0 = performance.now() + 50;
    /** Requests issued but not yet on a socket (all sockets busy), by index: a FIFO. */
    const waiting = new Int32Array(total);
    let waitHead = 0;
    let waitTail = 0;
    const idle = [];
    const conns = [];
    let sweeper;

    const finish = () => {
      clearInterval(sweeper);
      for (const c of conns) c.socket.destroy();
      // monoT0Ns: t0 on CLOCK_MONOTONIC (process.hrtime), to line the timeline up with perf or server logs.
      const monoT0Ns = process.hrtime.bigint() - BigInt(Math.round((performance.now() - t0) * 1e6));
      const trace = traceIssued ? { issuedAt: traceIssued.slice(0, recorded), latency: latencies.slice(0, recorded), monoT0Ns: String(monoT0Ns) } : undefined;
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
    const complete = (i, outcome, code) => {
      t1 = performance.now();
      if (i >= skip) {
        if (outcome === 'ok' || outcome === 'non2xx' || outcome === 'mismatches') {
          if (traceIssued) traceIssued[recorded] = issuedAt[i] - t0;
          latencies[recorded++] = t1 - issuedAt[i];
          counts.statusCodes[code] = (counts.statusCodes[code] ?? 0) + 1;
        }
        counts[outcome]++;
      }
      if (++finished === total) finish();
    };

    function connect() {
      const c = { socket: net.connect({ host: u.hostname, port: Number(u.port || 80), noDelay: true }), buf: undefined, current: -1, sentAt: 0 };
      c.socket.on('connect', () => release(c));
      c.socket.on('data', (chunk) => {
        c.buf = c.buf === undefined ? chunk : Buffer.concat([c.buf, chunk]);
        parse(c);
      });
      const fail = () => {
        if (c.current >= 0) {
          const i = c.current;
          c.current = -1;
          complete(i, 'errors');
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
      if (c.current < 0) return;
      const r = takeResponse(c, expect);
      if (r === undefined) return;
      const i = c.current;
      c.current = -1;
      complete(i, r.outcome, r.code);
      release(c);
    }
    function send(c, i) {
      c.current = i;
      c.sentAt = performance.now();
      c.socket.write(request(i));
    }
    function release(c) {
      if (waitHead < waitTail) send(c, waiting[waitHead++]);
      else idle.push(c);
    }
    const fire = (i) => {
      issuedAt[i] = performance.now();
      const c = idle.pop();
      if (c) send(c, i);
      else waiting[waitTail++] = i;
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
    // Timeouts: one sweep every 100 ms instead of a timer per request. A request times out after
    // timeoutMs on its socket without an answer; the time it waited here for a free socket (a
    // server slower than the rate: Express 5 at Probador's rate) is latency, not a failure.
    sweeper = setInterval(() => {
      const now = performance.now();
      for (const c of [...conns]) {
        if (c.current >= 0 && now - c.sentAt > timeoutMs) {
          const i = c.current;
          c.current = -1;
          complete(i, 'timeouts');
          c.socket.destroy();
        }
      }
    }, 100);
    for (let k = 0; k < connections; k++) conns.push(connect());
    setTimeout(tick, 50);
  });
}

/**
 * Closed loop (peak): `connections` keep-alive sockets, each sending its next request as soon as
 * its previous one is answered, for `warmup` + `duration` seconds; requests answered during the
 * last `duration` seconds are counted (rate and latency from send to answer).
 */
async function closedHere(o) {
  const connections = o.connections ?? 50;
  const warmup = o.warmup ?? 1;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const u = new URL(o.url);
  const request = await requestsOf(o, u);
  const expect = o.expectBody === undefined ? undefined : Buffer.from(o.expectBody);
  const cap = o.maxRequests ?? 4_000_000;
  const latencies = new Float64Array(cap);
  const counts = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, mismatches: 0, statusCodes: {} };
  let next = 0;
  let recorded = 0;
  let sentTotal = 0;
  return new Promise((resolve) => {
    const start = performance.now();
    const from = start + warmup * 1000;
    const until = from + o.duration * 1000;
    const conns = [];
    let stopping = false;
    let open = 0;
    const finish = () => {
      clearInterval(sweeper);
      for (const c of conns) c.socket.destroy();
      const lat = latencies.subarray(0, recorded).sort();
      const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] : NaN);
      resolve({
        closed: true,
        connections,
        sent: sentTotal,
        requests: recorded,
        achievedRate: recorded / o.duration,
        latency: { p50: pct(50), p90: pct(90), p99: pct(99), p999: pct(99.9), max: lat.length ? lat[lat.length - 1] : NaN, mean: lat.reduce((a, b) => a + b, 0) / (lat.length || 1) },
        ...counts,
      });
    };
    const done = (c) => {
      if (--open === 0) finish();
      c.socket.destroy();
    };
    const send = (c) => {
      const now = performance.now();
      if (now >= until || next >= cap) {
        if (!c.closing) {
          c.closing = true;
          done(c);
        }
        return;
      }
      c.current = next++;
      c.sentAt = now;
      sentTotal++;
      c.socket.write(request(c.current));
    };
    const record = (c, outcome, code) => {
      const t = performance.now();
      if (c.sentAt >= from && t <= until) {
        if (outcome === 'ok' || outcome === 'non2xx' || outcome === 'mismatches') {
          latencies[recorded++] = t - c.sentAt;
          counts.statusCodes[code] = (counts.statusCodes[code] ?? 0) + 1;
        }
        counts[outcome]++;
      }
    };
    const connect = () => {
      const c = { socket: net.connect({ host: u.hostname, port: Number(u.port || 80), noDelay: true }), buf: undefined, current: -1, sentAt: 0, closing: false };
      open++;
      c.socket.on('connect', () => send(c));
      c.socket.on('data', (chunk) => {
        c.buf = c.buf === undefined ? chunk : Buffer.concat([c.buf, chunk]);
        if (c.current < 0) return;
        const r = takeResponse(c, expect);
        if (r === undefined) return;
        c.current = -1;
        record(c, r.outcome, r.code);
        send(c);
      });
      c.socket.on('error', () => undefined);
      c.socket.on('close', () => {
        if (c.closing || stopping) return;
        if (c.current >= 0) record(c, 'errors');
        c.closing = true;
        open--;
        // A lost connection is replaced while the run lasts.
        if (performance.now() < until) conns.push(connect());
        else if (open === 0) finish();
      });
      return c;
    };
    const sweeper = setInterval(() => {
      const now = performance.now();
      for (const c of [...conns]) {
        if (c.current >= 0 && !c.closing && now - c.sentAt > timeoutMs) {
          record(c, 'timeouts');
          c.current = -1;
          c.socket.destroy();
        }
      }
    }, 100);
    for (let k = 0; k < connections; k++) conns.push(connect());
  });
}

// Forked by paced(): one run, its result to the parent, then exit.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  process.once('message', async (o) => {
    const r = await pacedHere(o);
    const cpu = process.cpuUsage(); // this whole process: the generator's CPU, for the bench's machine meter
    process.send({ ...r, generatorCpuMs: (cpu.user + cpu.system) / 1000 }, () => process.exit(0));
  });
}
