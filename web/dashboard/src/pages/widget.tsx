/** Widget settings (theme, language, pre-check strictness) with a live preview of the launcher and panel. */
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api';
import { ErrorNote, useLoad } from '../components';

type Tenant = { id: string; name: string; retention: string; allowed_origins: string[]; settings: Record<string, unknown> };
type Widget = { primary_color: string; text_color: string; logo_url: string; position: 'bottom-right' | 'bottom-left'; language: 'auto' | 'en' | 'es' };
const DEFAULTS: Widget = { primary_color: '#111827', text_color: '#ffffff', logo_url: '', position: 'bottom-right', language: 'auto' };
const TEXT = {
  en: { launcher: 'Try it on', title: 'Virtual try-on', consent: 'I agree that my photo is processed to show this garment on me. It is deleted after', upload: 'Choose a photo' },
  es: { launcher: 'Pruébatelo', title: 'Probador virtual', consent: 'Acepto que mi foto se procese para mostrarme esta prenda. Se borra tras', upload: 'Elegir una foto' },
};
const RETENTION: Record<string, string> = { 'process-only': 'processing', '1h': '1 h', '24h': '24 h', '7d': '7 days' };

export function WidgetSettings(props: { tenant: string; canWrite: boolean }) {
  const t = useLoad(() => call<Tenant>(`/admin/v1/tenants/${props.tenant}`), [props.tenant]);
  const [w, setW] = useState<Widget>(DEFAULTS);
  const [strictness, setStrictness] = useState('standard');
  const [saved, setSaved] = useState('');
  const [error, setError] = useState<unknown>();
  // The form appears once the tenant's saved settings are in it, so an early edit is never overwritten by them.
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    if (!t.data) return;
    setW({ ...DEFAULTS, ...((t.data.settings.widget as Partial<Widget>) ?? {}) });
    setStrictness(((t.data.settings.precheck as { strictness?: string }) ?? {}).strictness ?? 'standard');
    setLoaded(true);
  }, [t.data]);
  const set = (k: keyof Widget) => (e: Event) => setW({ ...w, [k]: (e.target as HTMLInputElement).value });
  const lang = w.language === 'es' ? 'es' : 'en';
  const tx = TEXT[lang];
  return (
    <>
      <h1>Widget settings</h1>
      <ErrorNote error={error ?? t.error} />
      {loaded && (
      <div class="split">
        <form
          aria-label="Widget settings"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(undefined);
            try {
              const widget = Object.fromEntries(Object.entries(w).filter(([, v]) => v !== '' && v !== 'auto'));
              await call(`/admin/v1/tenants/${props.tenant}`, { method: 'PATCH', body: { settings: { ...t.data!.settings, widget, precheck: { ...((t.data!.settings.precheck as object) ?? {}), strictness } } } });
              setSaved('Saved. The widget picks it up on the next page load.');
              t.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <fieldset disabled={!props.canWrite}>
            <label>
              Button colour <input type="color" name="primary_color" value={w.primary_color} onInput={set('primary_color')} />
            </label>
            <label>
              Button text colour <input type="color" name="text_color" value={w.text_color} onInput={set('text_color')} />
            </label>
            <label>
              Logo URL (https) <input type="url" name="logo_url" placeholder="https://shop.example/logo.svg" value={w.logo_url} onInput={set('logo_url')} />
            </label>
            <label>
              Position
              <select name="position" value={w.position} onChange={set('position')}>
                <option value="bottom-right">bottom right</option>
                <option value="bottom-left">bottom left</option>
              </select>
            </label>
            <label>
              Language
              <select name="language" value={w.language} onChange={set('language')}>
                <option value="auto">from the page (auto)</option>
                <option value="en">English</option>
                <option value="es">Español</option>
              </select>
            </label>
            <label>
              Photo pre-check
              <select name="strictness" value={strictness} onChange={(e) => setStrictness((e.target as HTMLSelectElement).value)}>
                <option value="off">off — accept every photo</option>
                <option value="lenient">lenient — warn, refuse only unusable photos</option>
                <option value="standard">standard</option>
                <option value="strict">strict — best results, more refusals</option>
              </select>
            </label>
            <button type="submit" class="primary">
              Save
            </button>
            <span role="status">{saved}</span>
          </fieldset>
          {!props.canWrite && <p class="muted">Only the store's owner can change these.</p>}
          <h2>Install</h2>
          <p class="muted">Paste into your product pages, with a publishable key from API keys. Allowed origins: {t.data?.allowed_origins.join(', ') || 'none yet — ask your operator or add them under Tenants'}.</p>
          <code class="snippet">{'<script src="' + location.origin + '/widget/v1/widget.js" data-key="pk_live_…" async></script>'}</code>
        </form>
        <div class="preview" aria-label="Live preview" data-preview>
          <div class="preview-page">
            <div class="preview-product" />
            <div class="preview-panel" data-lang={lang}>
              <header>
                {w.logo_url && /^https:\/\//.test(w.logo_url) ? <img src={w.logo_url} alt="" /> : <strong>{t.data?.name ?? ''}</strong>}
                <span>{tx.title}</span>
              </header>
              <label class="preview-consent">
                <input type="checkbox" disabled /> {tx.consent} {RETENTION[t.data?.retention ?? '24h'] ?? '24 h'}.
              </label>
              <button type="button" class="preview-btn" style={{ background: w.primary_color, color: w.text_color }}>
                {tx.upload}
              </button>
              <div class="preview-strictness">pre-check: {strictness}</div>
            </div>
            <button type="button" class={`preview-launcher ${w.position}`} data-preview-launcher style={{ background: w.primary_color, color: w.text_color }}>
              {tx.launcher}
            </button>
          </div>
        </div>
      </div>
      )}
    </>
  );
}
