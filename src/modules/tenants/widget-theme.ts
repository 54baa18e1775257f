/**
 * The widget's theme for a tenant, from `settings.widget`, checked and with defaults, so a
 * mistyped setting cannot inject CSS or a script URL into a shopper's page.
 *   primary_color / text_color: #rgb, #rrggbb(aa) or rgb(r, g, b)
 *   logo_url: https only (or null) · position: bottom-right | bottom-left · language: auto | en | es
 */
import Type, { type Static } from 'typebox';

export const WidgetTheme = Type.Object({
  primary_color: Type.String(),
  text_color: Type.String(),
  logo_url: Type.Union([Type.String(), Type.Null()]),
  position: Type.Union([Type.Literal('bottom-right'), Type.Literal('bottom-left')]),
  language: Type.Union([Type.Literal('auto'), Type.Literal('en'), Type.Literal('es')]),
});
export type TWidgetTheme = Static<typeof WidgetTheme>;

const COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$|^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/i;

export function widgetTheme(widget: Record<string, unknown>): TWidgetTheme {
  const color = (v: unknown, dflt: string) => (typeof v === 'string' && COLOR.test(v) ? v : dflt);
  let logo: string | null = null;
  if (typeof widget.logo_url === 'string') {
    try {
      logo = new URL(widget.logo_url).protocol === 'https:' ? widget.logo_url : null;
    } catch {
      logo = null;
    }
  }
  return {
    primary_color: color(widget.primary_color, '#111827'),
    text_color: color(widget.text_color, '#ffffff'),
    logo_url: logo,
    position: widget.position === 'bottom-left' ? 'bottom-left' : 'bottom-right',
    language: widget.language === 'en' || widget.language === 'es' ? widget.language : 'auto',
  };
}
