/**
 * The widget's HTTP client: publishable key + probador-session on every call, problem+json errors,
 * SSE over fetch, batched funnel events. A signed-in shopper's token (`userToken`) goes in
 * `probador-user-token` only on the calls marked `asUser` (their style analyses, quiz results and
 * account), so what they make lands in their history.
 */

export type Problem = { status: number; code: string; detail?: string; issues?: PhotoCheck['issues'] };
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.code);
  }
}

export type WidgetConfig = {
  tenant: { id: string; name: string };
  retention: string;
  widget: { launcher?: boolean; [k: string]: unknown };
  /** Checked by the server (colours, https logo, position, language) with defaults. */
  theme: Theme;
};
export type Theme = { primary_color: string; text_color: string; logo_url: string | null; position: 'bottom-right' | 'bottom-left'; language: 'auto' | 'en' | 'es' };
export type Upload = { id: string; width: number; height: number; expires_at: string | null };
/** A garment's colour judged for the shopper's season (POST /v1/tryons with `style`). */
export type ColorMatch = { color: string; verdict: 'flatters' | 'neutral' | 'avoid'; delta_e: { best: number }; nearest: { name: Record<string, string>; hex: string }; season_name: Record<string, string> };
/** POST /v1/style/analyses (kinds: color): `color` is null when the photo asked for a retake. */
export type StyleAnalysis = { id: string; status: string; color: object | null; face?: object | null; quality: { retake: boolean; issues: Array<PhotoCheck['issues'][number] & { code: string }> } };
type Text = Record<string, string>;
type Named = { name: Text; hex: string };
/** The colour answer of an analysis or quiz result (contracts/style.ts ColorAnswer), the parts the widget shows. */
export type ColourAnswer = {
  season12: { season: string; confidence: number };
  margin: number;
  palette: { season: string; name: Text; best: Named[]; neutrals: Named[]; avoid: Named[]; metals: string[] };
};
export type FaceAnswer = { shape: string; advice: { necklines: Text[]; glasses: Text[]; hairstyles: Text[]; avoid: Text[] } };
export type Quiz = { version: string; questions: Array<{ id: string; text: Text; options: Array<{ id: string; text: Text }> }> };
export type QuizResult = { id: string; source: 'quiz' | 'fused'; color: ColourAnswer };
export type ProductMatch = { product_id: string; verdict: 'flatters' | 'neutral' | 'avoid' };
/** GET /v1/account/style/colors: the chosen palette, or the user's answers fused, or nothing yet. */
export type AccountColours = { source: 'chosen' | 'fused' | 'single' | 'none'; season: string | null; palette: ColourAnswer['palette'] | null; color: ColourAnswer | null; from: string[] };
const USER_TOKEN_HEADER = 'probador-user-token';
export type Tryon = {
  id: string;
  status: string;
  stage: string | null;
  garments?: Array<{ color_match?: ColorMatch | null }>;
  result: { url: string; width: number; height: number; content_type: string } | null;
  error: { code: string; message: string } | null;
};
export type StatusEvent = { status: string; stage?: string | null; queue_position?: number };
/** POST /v1/photo-checks (contracts/perception.ts): `ok: false` when an issue has severity `error`. */
export type PhotoCheck = { ok: boolean; issues: Array<{ code: string; severity: 'error' | 'warning'; message: Record<string, string>; tip: Record<string, string> }> };

const SESSION_KEY = 'probador:session';

/** One random id per browser (16–128 of A–Z a–z 0–9 _ -), kept in localStorage; the server stores it hashed. */
export function sessionId(): string {
  const make = () => {
    const b = new Uint8Array(24);
    crypto.getRandomValues(b);
    return btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  try {
    let s = localStorage.getItem(SESSION_KEY);
    if (!s || !/^[A-Za-z0-9_-]{16,128}$/.test(s)) {
      s = make();
      localStorage.setItem(SESSION_KEY, s);
    }
    return s;
  } catch {
    return make(); // storage blocked: a session for this page only
  }
}

export function createApi(base: string, key: string, session: string, userToken?: () => Promise<string | null>) {
  const headers = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, 'probador-session': session, ...extra });

  async function call<R>(method: string, path: string, body?: BodyInit | object, { asUser = false, ...init }: RequestInit & { asUser?: boolean } = {}): Promise<R> {
    let res: Response;
    const isJson = body !== undefined && !(body instanceof FormData) && !(body instanceof Blob);
    let token: string | null = null;
    try {
      token = asUser && userToken ? await userToken() : null;
    } catch {
      token = null; // the host could not give a token: as a shopper who is not signed in
    }
    if (asUser && !token && path.startsWith('/v1/account/')) throw new ApiError({ status: 401, code: 'UNAUTHENTICATED' });
    try {
      res = await fetch(base + path, {
        method,
        mode: 'cors',
        credentials: 'omit',
        headers: headers({ ...(isJson ? { 'content-type': 'application/json' } : {}), ...(token ? { [USER_TOKEN_HEADER]: token } : {}) }),
        body: isJson ? JSON.stringify(body) : (body as BodyInit | undefined),
        ...init,
      });
    } catch {
      // A refused origin gets no CORS headers: the browser reports a network error.
      throw new ApiError({ status: 0, code: 'NETWORK' });
    }
    if (res.status === 204) return undefined as R;
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!res.ok) {
      const p = (data ?? {}) as Partial<Problem>;
      throw new ApiError({ status: res.status, code: p.code ?? `HTTP_${res.status}`, ...(p.detail ? { detail: p.detail } : {}), ...(Array.isArray(p.issues) ? { issues: p.issues } : {}) });
    }
    return data as R;
  }

  /** Reads `event:`/`data:` frames from a text/event-stream (EventSource cannot send headers). */
  async function stream(path: string, onEvent: (event: string, data: unknown) => void, signal: AbortSignal) {
    const res = await fetch(base + path, { headers: headers({ accept: 'text/event-stream' }), mode: 'cors', credentials: 'omit', signal });
    if (!res.ok || !res.body) throw new ApiError({ status: res.status, code: `HTTP_${res.status}` });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let event = 'message';
        let data = '';
        for (const line of frame.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (data) onEvent(event, JSON.parse(data));
      }
    }
  }

  return {
    config: () => call<WidgetConfig>('GET', '/v1/widget/config'),
    upload(file: Blob, kind: 'person' | 'garment', name: string) {
      const form = new FormData();
      form.append('kind', kind);
      form.append('file', file, name);
      return call<Upload>('POST', '/v1/uploads', form);
    },
    getUpload: (id: string) => call<Upload>('GET', `/v1/uploads/${encodeURIComponent(id)}`),
    deleteUpload: (id: string) => call<void>('DELETE', `/v1/uploads/${encodeURIComponent(id)}`),
    photoCheck: (uploadId: string, categories: string[]) => call<PhotoCheck>('POST', '/v1/photo-checks', { image: uploadId, categories }),
    createTryon: (body: object) => call<Tryon>('POST', '/v1/tryons', body),
    getTryon: (id: string) => call<Tryon>('GET', `/v1/tryons/${encodeURIComponent(id)}`),
    cancelTryon: (id: string) => call<Tryon>('POST', `/v1/tryons/${encodeURIComponent(id)}/cancel`, {}),
    stream,
    /** A colour analysis of the visit's photo (the shopper opted in), and its erasure. */
    analyse: (uploadId: string, kinds: string[] = ['color']) => call<StyleAnalysis>('POST', '/v1/style/analyses', { image: uploadId, kinds }),
    /** A signed-in shopper's selfie, sent with the analysis itself (an upload of the widget session would not be theirs). */
    analyseFile(file: Blob, kinds: string[]) {
      const form = new FormData();
      form.append('kinds', kinds.join(','));
      form.append('image', file, 'selfie.jpg');
      return call<StyleAnalysis>('POST', '/v1/style/analyses', form, { asUser: true });
    },
    quiz: () => call<Quiz>('GET', '/v1/style/quiz'),
    quizResult: (answers: { question: string; option: string }[], analysisId?: string, asUser = false) =>
      call<QuizResult>('POST', '/v1/style/quiz-results', { answers, ...(analysisId ? { analysis_id: analysisId } : {}) }, { asUser }),
    /** The page's catalog products judged against the shopper's colours: an analysis or quiz result of theirs, or a season. */
    productMatches: (by: { analysis_id: string } | { season: string }, productIds: string[], asUser = false) =>
      call<{ data: ProductMatch[] }>('POST', '/v1/style/color-matches', { ...by, product_ids: productIds }, { asUser }),
    getAnalysis: (id: string, asUser = false) => call<StyleAnalysis>('GET', `/v1/style/analyses/${encodeURIComponent(id)}`, undefined, { asUser }),
    deleteAnalysis: (id: string, asUser = false) => call<void>('DELETE', `/v1/style/analyses/${encodeURIComponent(id)}`, undefined, { asUser }),
    /** The signed-in shopper's colours, and their chosen palette (saved from an analysis or quiz result of theirs, or forgotten). */
    accountColours: () => call<AccountColours>('GET', '/v1/account/style/colors', undefined, { asUser: true }),
    choosePalette: (by: { analysis_id: string } | { quiz_result_id: string }) => call<unknown>('PUT', '/v1/account/style/palette', by, { asUser: true }),
    forgetPalette: () => call<void>('DELETE', '/v1/account/style/palette', undefined, { asUser: true }),
    /** Funnel events, batched (at most 50 per request) and sent with keepalive so a leaving page still delivers them. */
    events: createEventQueue((events) =>
      fetch(base + '/v1/events', { method: 'POST', keepalive: true, mode: 'cors', credentials: 'omit', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify({ events }) }),
    ),
  };
}
export type Api = ReturnType<typeof createApi>;

export type FunnelEvent = { type: string; product_id?: string; tryon_id?: string; at: string; properties?: Record<string, unknown> };

function createEventQueue(send: (events: FunnelEvent[]) => Promise<Response>) {
  const queue: FunnelEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disabled = false;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (disabled || queue.length === 0) return;
    const batch = queue.splice(0, 50);
    send(batch)
      .then((r) => {
        // No events endpoint on this server: stop trying for this page.
        if (r.status === 404 || r.status === 405) disabled = true;
      })
      .catch(() => undefined);
    if (queue.length) flush();
  };
  const hidden = () => document.visibilityState === 'hidden' && flush();
  addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', hidden);
  return {
    /** Sends what is queued and stops listening to the page (the widget was destroyed). */
    dispose() {
      flush();
      removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', hidden);
    },
    track(type: string, fields: Omit<FunnelEvent, 'type' | 'at'> = {}) {
      queue.push({ type, ...fields, at: new Date().toISOString() });
      if (queue.length >= 50) flush();
      else timer ??= setTimeout(flush, 800);
    },
    flush,
  };
}
