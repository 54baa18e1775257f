/** The dashboard's HTTP client: access token in memory (and this tab's sessionStorage), one refresh on 401, problem+json errors. */

export type User = { id: string; email: string; name: string | null; role: 'operator' | 'owner' | 'member'; tenant_id: string | null };
export type Problem = { status: number; code: string; title: string; detail: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const store = sessionStorage;
let access: string | null = store.getItem('pb.access');
let refreshToken: string | null = store.getItem('pb.refresh');
let user: User | null = JSON.parse(store.getItem('pb.user') ?? 'null') as User | null;
const listeners = new Set<() => void>();

export const currentUser = () => user;
export const onAuthChange = (f: () => void) => {
  listeners.add(f);
  return () => listeners.delete(f);
};

function setSession(tokens: { access_token: string; refresh_token: string } | null, u?: User | null) {
  access = tokens?.access_token ?? null;
  refreshToken = tokens?.refresh_token ?? null;
  if (u !== undefined) user = u;
  if (tokens) {
    store.setItem('pb.access', access!);
    store.setItem('pb.refresh', refreshToken!);
    store.setItem('pb.user', JSON.stringify(user));
  } else {
    user = null;
    store.clear();
  }
  listeners.forEach((f) => f());
}

async function problemOf(res: Response): Promise<ApiError> {
  try {
    const p = (await res.json()) as Problem;
    return new ApiError(res.status, p.code ?? 'ERROR', p.detail || p.title || res.statusText);
  } catch {
    return new ApiError(res.status, 'ERROR', res.statusText || `HTTP ${res.status}`);
  }
}

export async function login(email: string, password: string) {
  const res = await fetch('/admin/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!res.ok) throw await problemOf(res);
  const body = (await res.json()) as { access_token: string; refresh_token: string; user: User };
  setSession(body, body.user);
  return body.user;
}

export type SsoProvider = { id: string; name: string };

/** The single sign-on providers' names for the sign-in page (public). */
export async function ssoProviders(): Promise<SsoProvider[]> {
  const res = await fetch('/admin/v1/auth/oidc/providers');
  if (!res.ok) throw await problemOf(res);
  return ((await res.json()) as { data: SsoProvider[] }).data;
}

/** The one-time code a single sign-on handed back (URL fragment) → the session, as a password sign-in gives it. */
export async function exchangeSsoCode(code: string) {
  const res = await fetch('/admin/v1/auth/oidc/exchange', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  if (!res.ok) throw await problemOf(res);
  const body = (await res.json()) as { access_token: string; refresh_token: string; user: User };
  setSession(body, body.user);
  return body.user;
}

let refreshing: Promise<boolean> | null = null;
async function refresh(): Promise<boolean> {
  if (!refreshToken) return false;
  refreshing ??= (async () => {
    const res = await fetch('/admin/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: refreshToken }) });
    if (!res.ok) {
      setSession(null);
      return false;
    }
    setSession((await res.json()) as { access_token: string; refresh_token: string });
    return true;
  })().finally(() => (refreshing = null));
  return refreshing;
}

export async function logout() {
  const rt = refreshToken;
  const at = access;
  setSession(null);
  if (rt) await fetch('/admin/v1/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json', ...(at ? { authorization: `Bearer ${at}` } : {}) }, body: JSON.stringify({ refresh_token: rt }) }).catch(() => undefined);
}

export type CallOptions = { method?: string; body?: unknown; tenant?: string | undefined; accept?: string };

export async function call<T = unknown>(path: string, o: CallOptions = {}): Promise<T> {
  const go = () =>
    fetch(path, {
      method: o.method ?? 'GET',
      headers: {
        ...(access ? { authorization: `Bearer ${access}` } : {}),
        ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(o.tenant ? { 'probador-tenant': o.tenant } : {}),
        accept: o.accept ?? 'application/json',
      },
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
    });
  let res = await go();
  if (res.status === 401 && (await refresh())) res = await go();
  if (res.status === 401) setSession(null);
  if (!res.ok) throw await problemOf(res);
  if (res.status === 204) return undefined as T;
  return (o.accept === 'text/csv' ? await res.text() : await res.json()) as T;
}

/** Save a CSV export through a download link (no inline script, CSP-safe). */
export async function downloadCsv(path: string, tenant: string | undefined, name: string) {
  const text = await call<string>(path, { tenant, accept: 'text/csv' });
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export type List<T> = { object: 'list'; data: T[]; has_more: boolean };

/** Every page of a cursor list, up to `max` items. */
export async function listAll<T extends { id: string }>(path: string, o: CallOptions = {}, max = 1000): Promise<{ data: T[]; truncated: boolean }> {
  const out: T[] = [];
  let after: string | undefined;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await call<List<T>>(`${path}${sep}limit=100${after ? `&starting_after=${after}` : ''}`, o);
    out.push(...page.data);
    if (!page.has_more || page.data.length === 0) return { data: out, truncated: false };
    if (out.length >= max) return { data: out, truncated: true };
    after = page.data[page.data.length - 1]!.id;
  }
}
