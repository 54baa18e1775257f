/* global document */
// The demo store's own script: a cart counter fed by the widget's "add to cart" event.
(function () {
  var KEY = 'demo-store:cart';
  var count = document.getElementById('cart-count');
  var read = function () { try { return JSON.parse(sessionStorage.getItem(KEY) || '[]'); } catch { return []; } };
  var show = function () { if (count) count.textContent = String(read().length); };
  document.addEventListener('probador:add-to-cart', function (e) {
    var items = read();
    items.push({ product_id: e.detail.product_id, tryon_id: e.detail.tryon_id });
    sessionStorage.setItem(KEY, JSON.stringify(items));
    show();
  });
  var add = document.getElementById('add-to-cart');
  if (add) add.addEventListener('click', function () {
    var items = read();
    items.push({ product_id: add.getAttribute('data-product-id') });
    sessionStorage.setItem(KEY, JSON.stringify(items));
    show();
  });
  show();
})();
