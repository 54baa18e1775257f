/** A tiny history router under /dashboard/ (the server answers index.html for every path). */
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/dashboard';
const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((f) => f()));

export function navigate(path: string, replace = false) {
  const url = BASE + path;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listeners.forEach((f) => f());
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname.slice(BASE.length) || '/');
  useEffect(() => {
    const f = () => setPath(location.pathname.slice(BASE.length) || '/');
    listeners.add(f);
    f(); // a navigation between the first render and this effect is not missed
    return () => void listeners.delete(f);
  }, []);
  return path;
}

/** `/tenants/:id` against `/tenants/ten_1` → { id: 'ten_1' }. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) out[p[i]!.slice(1)] = decodeURIComponent(s[i]!);
    else if (p[i] !== s[i]) return null;
  }
  return out;
}

/** Same-page navigation for plain links. */
export function onLink(e: MouseEvent) {
  const a = (e.target as HTMLElement).closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target || !a.href.startsWith(location.origin + BASE + '/')) return;
  if (a.hasAttribute('download')) return;
  e.preventDefault();
  navigate(a.href.slice((location.origin + BASE).length));
}
