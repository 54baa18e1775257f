/**
 * `probador tryon --person me.jpg --garment tee.png --out result.jpg`: a client of a running
 * server's public API, as a store's own server would call it. It uploads the photo and the garment
 * pictures (POST /v1/uploads, multipart), starts the try-on (POST /v1/tryons, with catalog
 * products by id too), follows its Server-Sent Events with a progress line per change (queue
 * position, stage), downloads the result and writes it (converted when --out asks for another
 * format). Progress goes to stderr; the last line (or the try-on as JSON with --json) to stdout.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';

/** A refusal or failure to report in one line (no stack trace). */
export class ClientError extends Error {
  override name = 'ClientError';
}

export type TryonFlags = {
  person?: string | undefined;
  garment?: string[] | undefined;
  product?: string[] | undefined;
  category?: string[] | undefined;
  out?: string | undefined;
  url?: string | undefined;
  key?: string | undefined;
  json?: boolean | undefined;
};

type Problem = { status?: number; code?: string; detail?: string; title?: string; strictness?: string; issues?: { code: string; severity: string; message: { en: string }; tip: { en: string } }[] };
type Tryon = {
  id: string;
  status: string;
  stage: string | null;
  cached: boolean;
  provider: string | null;
  result: { url: string; content_type: string; width: number; height: number; bytes: number; meta: Record<string, unknown> } | null;
  timings: { total_ms: number | null };
  error: { code: string; message: string } | null;
};

const CATEGORIES = ['auto', 'tops', 'bottoms', 'one-pieces'];
const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'expired']);
const TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.avif': 'image/avif', '.heic': 'image/heic', '.gif': 'image/gif' };
/** How long the whole command may take (uploads, queue, generation, download). */
const TIMEOUT_MS = 10 * 60_000;

const kb = (n: number) => `${Math.max(1, Math.round(n / 1024))} kB`;

export async function runTryon(flags: TryonFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const base = (flags.url ?? env.PROBADOR_URL ?? `http://127.0.0.1:${env.PORT || 3000}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(base)) throw new ClientError(`--url must be an http(s) URL such as http://127.0.0.1:3000; got "${base}"`);
  const key = flags.key ?? env.PROBADOR_API_KEY;
  if (!key) throw new ClientError('tryon needs a secret API key: --key sk_… or PROBADOR_API_KEY (the Demo Store\'s is printed when the server first starts)');
  if (!flags.person) throw new ClientError('tryon needs --person FILE (a photo of the person)');
  const garments = flags.garment ?? [];
  const products = flags.product ?? [];
  if (garments.length + products.length === 0) throw new ClientError('tryon needs at least one --garment FILE or --product ID');
  if (garments.length + products.length > 3) throw new ClientError('tryon takes at most 3 garments (--garment and --product together)');
  for (const c of flags.category ?? []) if (!CATEGORIES.includes(c)) throw new ClientError(`--category must be one of ${CATEGORIES.join(', ')}; got "${c}"`);
  const out = resolve(flags.out ?? 'result.jpg');

  const files = await Promise.all([flags.person, ...garments].map(async (path, i) => {
    try {
      return { path, name: basename(path), bytes: await readFile(path) };
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      throw new ClientError(`cannot read ${i === 0 ? '--person' : '--garment'} ${path}: ${why}`);
    }
  }));

  const signal = AbortSignal.timeout(TIMEOUT_MS);
  const auth = { authorization: `Bearer ${key}` };
  const http = async (method: string, path: string, init: { body?: FormData | string; headers?: Record<string, string> } = {}): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(path.startsWith('http') ? path : `${base}${path}`, { method, signal, ...init, headers: { ...auth, ...init.headers } });
    } catch (e) {
      if ((e as Error).name === 'TimeoutError') throw new ClientError(`gave up after ${TIMEOUT_MS / 60_000} minutes`);
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ClientError(`cannot reach the server at ${base} (${cause?.code ?? cause?.message ?? (e as Error).message}). Is it running? Start it with \`npm start\`, or point --url (or PROBADOR_URL) at it.`);
    }
    if (res.ok) return res;
    throw refusal(res.status, (await res.json().catch(() => ({}))) as Problem);
  };
  const refusal = (status: number, p: Problem) => {
    const what = `${status}${p.code ? ` ${p.code}` : ''}: ${p.detail ?? p.title ?? 'refused'}`;
    if (status === 401) return new ClientError(`the server refused the API key (${what}). Use a secret key (sk_…) of the store, with --key or PROBADOR_API_KEY.`);
    if (p.code === 'PHOTO_REJECTED' && p.issues?.length) {
      const issues = p.issues.filter((i) => i.severity === 'error').map((i) => `\n  - ${i.message.en} ${i.tip.en} (${i.code})`);
      return new ClientError(`the photo was refused by the pre-check (strictness ${p.strictness ?? '?'}):${issues.join('')}`);
    }
    return new ClientError(`the server refused the request (${what})`);
  };

  // 1. Uploads: the photo and each garment picture, once.
  const ids: string[] = [];
  for (const [i, f] of files.entries()) {
    const kind = i === 0 ? 'person' : 'garment';
    progress(`Uploading ${kind} photo ${f.name} (${kb(f.bytes.length)})…`);
    const form = new FormData();
    form.append('kind', kind);
    form.append('file', new Blob([f.bytes], { type: TYPES[extname(f.name).toLowerCase()] ?? 'application/octet-stream' }), f.name);
    const up = (await (await http('POST', '/v1/uploads', { body: form })).json()) as { id: string; width: number; height: number };
    progress(`  ${up.id} (${up.width}×${up.height})`);
    ids.push(up.id);
  }

  // 2. The try-on: garment uploads first, then catalog products; --category values in that order.
  const cats = flags.category ?? [];
  const body = {
    person: ids[0],
    garments: [...ids.slice(1).map((id) => ({ image: id })), ...products.map((p) => ({ product_id: p }))].map((g, i) => (cats[i] ? { ...g, category: cats[i] } : g)),
  };
  let tryon = (await (await http('POST', '/v1/tryons', { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })).json()) as Tryon;
  progress(`Try-on ${tryon.id}: ${tryon.cached ? 'answered from the cache' : tryon.status}`);

  // 3. Follow it until it ends.
  if (!TERMINAL.has(tryon.status)) tryon = await follow(tryon.id, http, progress);
  if (tryon.status !== 'succeeded' || !tryon.result) {
    throw new ClientError(`the try-on ${tryon.id} ${tryon.status}${tryon.error ? `: ${tryon.error.code}: ${tryon.error.message}` : ''}`);
  }

  // 4. The result, in the format --out asks for.
  const result = tryon.result;
  let bytes: Buffer = Buffer.from(await (await http('GET', new URL(result.url, base).toString())).arrayBuffer());
  const wanted = TYPES[extname(out).toLowerCase()];
  if (wanted && wanted !== result.content_type && ['image/jpeg', 'image/png', 'image/webp'].includes(wanted)) {
    const { default: sharp } = await import('sharp');
    const format = wanted.split('/')[1] as 'jpeg' | 'png' | 'webp';
    bytes = await sharp(bytes).toFormat(format, format === 'jpeg' ? { quality: 90 } : {}).toBuffer();
  }
  await writeFile(out, bytes);
  const engine = `${tryon.provider ?? 'unknown provider'}${result.meta.preview === true ? ' (a preview)' : ''}`;
  const took = tryon.timings.total_ms !== null ? ` in ${(tryon.timings.total_ms / 1000).toFixed(1)} s` : '';
  if (flags.json) console.log(JSON.stringify({ ...tryon, out }, null, 2));
  else console.log(`Saved ${out} (${result.width}×${result.height}, ${kb(bytes.length)}): made by ${engine}${tryon.cached ? ', from the cache' : took}.`);
  return 0;
}

/** Read the try-on's Server-Sent Events, printing a line per change, until its final `tryon` event. */
async function follow(id: string, http: (method: string, path: string) => Promise<Response>, progress: (line: string) => void): Promise<Tryon> {
  let last = '';
  const show = (e: { status?: string; stage?: string | null; queue_position?: number }) => {
    const line = e.status === 'queued' ? `  queued${e.queue_position !== undefined ? ` (position ${e.queue_position} in line)` : ''}` : `  ${e.status}${e.stage ? `: ${e.stage}` : ''}`;
    if (line !== last) progress(line);
    last = line;
  };
  try {
    const res = await http('GET', `/v1/tryons/${id}/events`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: ?(.*)$/m.exec(block)?.[1];
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''))
          .join('\n');
        if (!event || !data) continue;
        const parsed = JSON.parse(data) as Tryon & { queue_position?: number };
        if (event === 'status') show(parsed);
        if (event === 'tryon') {
          await reader.cancel().catch(() => undefined);
          return parsed;
        }
      }
    }
  } catch (e) {
    if (e instanceof ClientError) throw e;
    progress(`  (the event stream broke: ${(e as Error).message}; asking for the state instead)`);
  }
  // The stream ended without the final event: ask, and wait while it is still running.
  for (;;) {
    const t = (await (await http('GET', `/v1/tryons/${id}`)).json()) as Tryon;
    if (TERMINAL.has(t.status)) return t;
    show(t);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
