/**
 * The language of the pages that speak English and Spanish (Style, End users, Outbox): a switch
 * on each page, one choice remembered in this browser for all of them (the Style page's earlier
 * key is read too), else the browser's language.
 */
import { useState } from 'preact/hooks';

export type Lang = 'en' | 'es';
const KEY = 'pb.lang';

function initialLang(): Lang {
  const saved = localStorage.getItem(KEY) ?? localStorage.getItem('pb.style.lang');
  if (saved === 'en' || saved === 'es') return saved;
  return navigator.language.toLowerCase().startsWith('es') ? 'es' : 'en';
}

export function useLang(): [Lang, (l: Lang) => void] {
  const [lang, setLangState] = useState<Lang>(initialLang);
  return [
    lang,
    (l: Lang) => {
      localStorage.setItem(KEY, l);
      setLangState(l);
    },
  ];
}

/** English | Español, as two pressed-or-not buttons (Tab between them, Enter or Space to choose). */
export function LangSwitch(props: { lang: Lang; onChange: (l: Lang) => void; label: string }) {
  return (
    <div class="period" role="group" aria-label={props.label}>
      {(['en', 'es'] as const).map((l) => (
        <button type="button" class={props.lang === l ? 'on' : ''} aria-pressed={props.lang === l} lang={l} onClick={() => props.onChange(l)}>
          {l === 'en' ? 'English' : 'Español'}
        </button>
      ))}
    </div>
  );
}

const locale = (lang: Lang) => (lang === 'es' ? 'es-ES' : 'en-GB');
/** A time as each language writes it, in UTC (as the rest of the dashboard). */
export const whenIn = (lang: Lang, iso: string | null | undefined) =>
  iso ? `${new Date(iso).toLocaleString(locale(lang), { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' })} UTC` : '—';
