// The example shop's product page: the widget mounted from its ES module on this product.
import { mount } from '@probador/widget';

const { api, key, userToken } = await (await fetch('/config.json')).json();
const el = document.getElementById('try-on');
const widget = mount(el, {
  key,
  api,
  product: { image: new URL('/tee.png', location.href).href, id: el.dataset.productId, name: 'Breton tee', category: 'tops' },
  coloursButton: true,
  // A signed-in shopper: "Find my colours" is saved to their account. A real shop would return its
  // current (refreshed) access token from its own sign-in here.
  ...(userToken ? { userToken: async () => userToken } : {}),
});

// Every event the widget emits, shown on the page (and kept in window.shopEvents for the console).
const list = document.getElementById('events');
window.shopEvents = [];
for (const type of ['state', 'open', 'close', 'consent', 'upload', 'result', 'add-to-cart', 'colours', 'error']) {
  widget.on(type, (detail) => {
    window.shopEvents.push({ type, detail });
    const li = document.createElement('li');
    li.textContent = `${type} ${JSON.stringify(detail)}`;
    list.append(li);
  });
}
widget.on('add-to-cart', () => {
  const count = document.getElementById('cart-count');
  count.textContent = String(Number(count.textContent) + 1);
});
window.widget = widget; // for the console: widget.open(), widget.update({ lang: 'es' }), widget.destroy()
