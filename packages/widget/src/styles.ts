/**
 * The widget's CSS, inside its shadow root. `:host { all: initial !important }` stops inherited
 * host styles (fonts, colours, spacing) at the boundary; important declarations in a shadow tree
 * win over the page's important ones, so hostile host CSS cannot restyle or hide the widget.
 */
export const css = `
:host{all:initial!important;display:contents!important;--pb:#111827;--pb-text:#fff;--fg:#111827;--muted:#4b5563;--bg:#fff;--line:#e5e7eb;--danger:#b42318;--ok:#067647}
*,*::before,*::after{box-sizing:border-box}
.root{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);letter-spacing:normal;text-align:left;text-transform:none}
button{font:inherit;cursor:pointer;border-radius:10px;border:1px solid transparent;padding:.6em 1.1em;min-height:44px;margin:0;text-transform:none;letter-spacing:normal;line-height:1.2;width:auto;height:auto}
button:disabled{opacity:.5;cursor:not-allowed}
:focus-visible{outline:3px solid var(--pb);outline-offset:2px}
.primary{background:var(--pb);color:var(--pb-text)}
.secondary{background:var(--bg);color:var(--fg);border-color:#9ca3af}
.link{background:none;border:none;color:var(--fg);text-decoration:underline;padding:.4em .2em;min-height:auto}
.launcher{position:fixed;z-index:2147483000;bottom:20px;right:20px;display:flex;align-items:center;gap:.5em;box-shadow:0 6px 24px rgba(0,0,0,.25);border-radius:999px;padding:.8em 1.3em;font-weight:600}
.launcher.left{right:auto;left:20px}
.inline{font-weight:600}
.backdrop{position:fixed;inset:0;z-index:2147483001;background:rgba(17,24,39,.55);display:flex;align-items:center;justify-content:flex-end}
.backdrop.left{justify-content:flex-start}
.panel{background:var(--bg);width:min(440px,100vw);height:100%;max-height:100vh;overflow:auto;display:flex;flex-direction:column;box-shadow:0 0 40px rgba(0,0,0,.3);animation:slide .2s ease-out}
@keyframes slide{from{transform:translateX(24px);opacity:0}to{transform:none;opacity:1}}
header{display:flex;align-items:center;gap:.6em;padding:14px 16px;border-bottom:1px solid var(--line)}
header img{max-height:28px;max-width:120px}
header h2{font-size:17px;margin:0;flex:1;font-weight:650}
.x{background:none;border:none;font-size:22px;padding:0 .3em;min-width:44px;color:var(--fg)}
.body{padding:18px 16px;display:flex;flex-direction:column;gap:14px;flex:1}
h3{font-size:18px;margin:0;font-weight:650}
p{margin:0}
ul{margin:0;padding-left:1.2em;display:grid;gap:.4em}
.muted{color:var(--muted);font-size:14px}
.row{display:flex;gap:10px;flex-wrap:wrap;align-items:center}
.row>button{flex:1 1 auto}
label.check{display:flex;gap:.6em;align-items:flex-start;font-weight:600;cursor:pointer}
label.check input{width:20px;height:20px;margin:2px 0 0;accent-color:var(--pb);flex:none}
.consent{border:1px solid var(--line);border-radius:12px;padding:12px;display:grid;gap:10px;background:#f9fafb}
.thumb{width:100%;max-height:300px;object-fit:contain;border-radius:12px;background:#f3f4f6}
.alert{border-radius:12px;padding:12px;display:grid;gap:6px;border:1px solid #fecdca;background:#fef3f2;color:var(--danger)}
.alert .tip{color:var(--fg)}
.note{border-radius:12px;padding:10px 12px;background:#ecfdf3;color:var(--ok)}
.garments{display:grid;grid-template-columns:repeat(auto-fill,minmax(96px,1fr));gap:10px}
.garment{display:grid;gap:4px;padding:6px;border:2px solid var(--line);border-radius:12px;background:var(--bg);color:var(--fg);text-align:center;font-size:13px;min-height:auto}
.garment[aria-pressed=true],.garment.fixed{border-color:var(--pb)}
.garment img{width:100%;aspect-ratio:3/4;object-fit:contain;background:#f3f4f6;border-radius:8px}
.bar{height:8px;border-radius:99px;background:var(--line);overflow:hidden}
.bar>i{display:block;height:100%;width:40%;background:var(--pb);border-radius:99px;animation:ind 1.2s ease-in-out infinite}
@keyframes ind{from{transform:translateX(-100%)}to{transform:translateX(250%)}}
.compare{position:relative;border-radius:12px;overflow:hidden;background:#f3f4f6;user-select:none}
.compare img{display:block;width:100%;height:auto}
.compare .before{position:absolute;inset:0;height:100%;object-fit:cover;clip-path:inset(0 calc(100% - var(--split,50%)) 0 0)}
.compare .divider{position:absolute;top:0;bottom:0;left:var(--split,50%);width:3px;background:#fff;box-shadow:0 0 4px rgba(0,0,0,.5);pointer-events:none}
.compare .tag{position:absolute;top:8px;padding:2px 8px;border-radius:99px;background:rgba(0,0,0,.6);color:#fff;font-size:12px}
.compare .tag.b{left:8px}.compare .tag.a{right:8px}
input[type=range]{width:100%;accent-color:var(--pb)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
footer{padding:10px 16px;border-top:1px solid var(--line);font-size:12px;color:var(--muted)}
.note.warn{background:#fffaeb;color:#93370d}
.opt{background:var(--bg)}
.fits{display:grid;gap:8px}
.fit{display:flex;gap:12px;align-items:center;border:1px solid var(--line);border-radius:12px;padding:10px 12px;background:#f9fafb}
.fit.flatters{border-color:#abefc6;background:#ecfdf3}
.fit.avoid{border-color:#fedf89;background:#fffaeb}
.fit.flatters strong{color:var(--ok)}
.fit.avoid strong{color:#93370d}
.fit .why{color:var(--muted);font-size:13px;margin-top:2px}
.sws{display:flex;flex:none}
.sw{width:30px;height:30px;border-radius:50%;background:var(--c,#d1d5db);border:2px solid #fff;box-shadow:0 0 0 1px rgba(0,0,0,.25)}
.sw+.sw{margin-left:-9px}
@media (prefers-reduced-motion:reduce){*,*::before,*::after{animation:none!important;transition:none!important}.bar>i{width:100%;opacity:.6}}
.pal{display:grid;gap:6px}
.chips{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:8px 12px}
.chips li{display:flex;align-items:center;gap:6px;font-size:13px}
.chips .sw{width:26px;height:26px}
fieldset.quiz{border:none;padding:0;margin:0;display:grid;gap:8px}
fieldset.quiz legend{font-weight:600;margin-bottom:6px;padding:0}
label.check.opt{font-weight:400;border:1px solid var(--line);border-radius:10px;padding:10px 12px}
label.check.opt:has(input:checked){border-color:var(--pb)}
.vb{display:inline-block;margin-left:8px;padding:3px 10px;border-radius:99px;font:600 12px/1.6 system-ui,sans-serif;background:#f3f4f6;color:#374151;vertical-align:middle}
.vb.flatters{background:#ecfdf3;color:#067647}
.vb.avoid{background:#fffaeb;color:#93370d}
.vb[hidden]{display:none}
`;
