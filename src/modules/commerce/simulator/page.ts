/**
 * The simulator's web chat: one small framework-free page that looks like a chat (bubbles, reply
 * buttons, lists, templates) and polls the shopper's thread every 1.5 s. The script is a separate
 * file (the pages' CSP allows only same-origin scripts); the token stays in the URL it came with.
 */
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function chatPage(botId: string, phone?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Simulator · ${esc(botId)}</title>
<style>
body{margin:0;font:15px/1.4 system-ui,sans-serif;background:#e5ddd5;display:flex;flex-direction:column;height:100vh}
header{background:#075e54;color:#fff;padding:10px 14px;display:flex;gap:8px;align-items:center}
header input{flex:0 0 170px;padding:4px 6px;border-radius:4px;border:0}
#thread{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:6px}
.b{max-width:75%;padding:7px 10px;border-radius:8px;box-shadow:0 1px 1px #0002;white-space:pre-wrap;word-wrap:break-word}
.to_shopper{align-self:flex-start;background:#fff}.from_shopper{align-self:flex-end;background:#dcf8c6}
.meta{font-size:11px;color:#667;text-align:right}.hdr{font-weight:600}.ftr{font-size:12px;color:#667}
.btns{display:flex;flex-direction:column;gap:4px;margin-top:6px}.btns button{background:#fff;border:1px solid #ccd;border-radius:6px;padding:6px;color:#0277bd;cursor:pointer}
form{display:flex;gap:6px;padding:8px;background:#f0f0f0}form input{flex:1;padding:9px;border-radius:18px;border:1px solid #ccc}form button{border-radius:18px;border:0;background:#075e54;color:#fff;padding:0 16px}
</style></head>
<body data-bot="${esc(botId)}">
<header><strong>WhatsApp simulator</strong><span>phone</span><input id="phone" value="${esc(phone ?? '+15550001111')}" aria-label="shopper phone"></header>
<main id="thread" aria-live="polite"></main>
<form id="f"><input id="text" autocomplete="off" placeholder="Type a message" aria-label="message"><button>Send</button></form>
<script src="/simulator/assets/chat.js"></script>
</body></html>`;
}

export const CHAT_JS = `(() => {
  const bot = document.body.dataset.bot;
  const token = new URLSearchParams(location.search).get('token');
  const $ = (id) => document.getElementById(id);
  const api = (q) => '/simulator/' + bot + '/messages?token=' + encodeURIComponent(token) + (q || '');
  let last = '';
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  async function send(body) {
    await fetch(api(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Object.assign({ phone: $('phone').value }, body)) });
    poll();
  }
  function bubble(m) {
    const c = m.content, b = el('div', 'b ' + m.direction);
    if (c.header) b.append(el('div', 'hdr', c.header));
    if (c.type === 'text') b.append(el('div', '', c.text));
    else if (c.type === 'template') b.append(el('div', '', c.text || c.template && c.template.name));
    else if (c.type === 'media') b.append(el('div', '', '[' + c.media.kind + '] ' + (c.media.caption || c.media.url || '')));
    else if (c.type === 'buttons') {
      b.append(el('div', '', c.body));
      const bs = el('div', 'btns');
      for (const x of c.buttons) { const k = el('button', '', x.title); k.onclick = () => send({ button_reply: { id: x.id, title: x.title } }); bs.append(k); }
      b.append(bs);
    } else if (c.type === 'list') {
      b.append(el('div', '', c.body));
      const bs = el('div', 'btns');
      for (const s of c.sections) for (const r of s.rows) { const k = el('button', '', r.title + (r.description ? ' — ' + r.description : '')); k.onclick = () => send({ list_reply: { id: r.id, title: r.title } }); bs.append(k); }
      b.append(bs);
    } else if (c.type === 'cta_url') { b.append(el('div', '', c.body)); const a = el('a', '', c.displayText); a.href = c.url; a.target = '_blank'; a.rel = 'noopener'; b.append(a); }
    else if (c.type === 'button_reply' || c.type === 'list_reply') b.append(el('div', '', c.title));
    else if (c.type === 'order') b.append(el('div', '', 'Cart: ' + c.items.map((i) => i.quantity + ' × ' + i.productRetailerId).join(', ')));
    else b.append(el('div', '', c.body || c.text || c.type));
    if (c.footer) b.append(el('div', 'ftr', c.footer));
    b.append(el('div', 'meta', new Date(m.created_at).toLocaleTimeString() + (m.direction === 'from_shopper' ? '' : ' ✓✓')));
    return b;
  }
  async function poll() {
    const r = await fetch(api('&phone=' + encodeURIComponent($('phone').value)));
    if (!r.ok) return;
    const t = await r.json();
    const key = JSON.stringify(t.messages.map((m) => m.id + m.status));
    if (key === last) return;
    last = key;
    const th = $('thread');
    th.replaceChildren(...t.messages.map(bubble));
    th.scrollTop = th.scrollHeight;
  }
  $('f').onsubmit = (e) => { e.preventDefault(); const v = $('text').value.trim(); if (!v) return; $('text').value = ''; send({ text: v }); };
  $('phone').onchange = () => { last = ''; poll(); };
  poll();
  setInterval(poll, 1500);
})();`;
