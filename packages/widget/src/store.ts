import type { ColourAnswer, FaceAnswer } from './api.js';

/** What the widget remembers: onboarding seen (localStorage), this visit's photo, its colour analysis and garment uploads (sessionStorage). */
type Where = 'local' | 'session';
const area = (w: Where): Storage | undefined => {
  try {
    return w === 'local' ? localStorage : sessionStorage;
  } catch {
    return undefined;
  }
};
const memory = new Map<string, string>();

export type Photo = { uploadId: string; preview: string };
/** The shopper's colour analysis of this visit's photo (only when they opted in): its season's name, or why it has none (a retake). */
export type StyleRec = { uploadId: string; analysisId: string; season: Record<string, string> | null; why: Record<string, string> | null };

/**
 * The shopper's colours from "Find my colours" (a selfie analysis, a quiz result, or both fused),
 * kept in this browser until forgotten — or, for a signed-in shopper (`account`), held for the page
 * and kept on their account. `id`: the analysis or quiz result behind them (null for an account's
 * palette chosen elsewhere).
 */
export type Colours = { id: string | null; source: 'selfie' | 'quiz' | 'fused' | 'account'; color: ColourAnswer; face: FaceAnswer | null; account?: boolean };
/** Signed in: the shopper's colours live on their account (held here for the page), not in localStorage. */
let account: { colours: Colours | null } | null = null;

export const store = {
  get(key: string, w: Where = 'session'): string | null {
    try {
      return area(w)?.getItem(`probador:${key}`) ?? memory.get(key) ?? null;
    } catch {
      return memory.get(key) ?? null;
    }
  },
  set(key: string, value: string | null, w: Where = 'session') {
    if (value === null) memory.delete(key);
    else memory.set(key, value);
    try {
      if (value === null) area(w)?.removeItem(`probador:${key}`);
      else area(w)?.setItem(`probador:${key}`, value);
    } catch {
      /* quota or blocked storage: the in-memory copy serves this page */
    }
  },
  photo(): Photo | null {
    try {
      const p = JSON.parse(store.get('photo') ?? 'null') as Photo | null;
      return p && typeof p.uploadId === 'string' && p.uploadId.startsWith('upl_') ? p : null;
    } catch {
      return null;
    }
  },
  setPhoto(p: Photo | null) {
    store.set('photo', p ? JSON.stringify(p) : null);
  },
  style(): StyleRec | null {
    try {
      const r = JSON.parse(store.get('style') ?? 'null') as StyleRec | null;
      return r && typeof r.analysisId === 'string' && r.analysisId.startsWith('sta_') ? r : null;
    } catch {
      return null;
    }
  },
  setStyle(r: StyleRec | null) {
    store.set('style', r ? JSON.stringify(r) : null);
  },
  /** Signed in (colours from and to the account, read again after this) or not (this browser's localStorage). */
  useAccount(on: boolean) {
    account = on ? { colours: null } : null;
  },
  signedIn: () => account !== null,
  colours(): Colours | null {
    if (account) return account.colours;
    try {
      const c = JSON.parse(store.get('colours', 'local') ?? 'null') as Colours | null;
      return c && typeof c.id === 'string' && /^(sta|qzr)_[0-9A-Za-z]{1,64}$/.test(c.id) && c.color?.palette ? c : null;
    } catch {
      return null;
    }
  },
  setColours(c: Colours | null) {
    if (account) return void (account.colours = c && { ...c, account: true });
    store.set('colours', c ? JSON.stringify(c) : null, 'local');
  },
};
