/**
 * A TypeScript shop using `@probador/widget` through its published declarations (dist/*.d.ts):
 * `tsc -p examples/widget-shop/tsconfig.json` after `npm run build:widget` (test/widget-package.test.ts runs it).
 */
import { mount, VERSION, type ColoursDetail, type WidgetEvents, type WidgetHandle, type WidgetOptions } from '@probador/widget';

const options: WidgetOptions = {
  key: 'pk_test_example',
  api: 'https://probador.example',
  lang: 'es',
  product: { image: '/tee.png', id: 'sku-tee', name: 'Breton tee', category: 'tops' },
  products: [{ image: '/jeans.png', id: 'sku-jeans', category: 'bottoms' }],
  coloursButton: true,
  userToken: async () => sessionStorage.getItem('access_token'),
};
const el = document.querySelector<HTMLElement>('#try-on');
if (el) {
  const widget: WidgetHandle = mount(el, options);
  const off = widget.on('result', (e) => console.log(e.tryon_id.startsWith('try_'), e.result_url, e.product_id ?? 'no product'));
  widget.on('add-to-cart', (e: WidgetEvents['add-to-cart']) => console.log(e.product_id, e.second_product_id, e.garment));
  widget.on('upload', (e) => console.log(e.purpose === 'tryon' ? e.upload_id : null, e.width));
  widget.on('consent', (e) => console.log(e.retention));
  widget.on('colours', (c: ColoursDetail | null) => c && console.log(c.season, c.from === 'account' ? c.analysis_id ?? 'chosen' : c.analysis_id, c.best.join(), c.products.map((p) => p.verdict)));
  widget.update({ userToken: 'eyJ…' });
  widget.on('state', ({ state }) => state === 'unavailable' && widget.destroy());
  void widget.ready.then((s) => s === 'ready' && widget.open({ image: '/dress.png' }));
  widget.update({ lang: 'en', launcher: true });
  widget.findColours();
  off();
  console.log(VERSION.length, widget.state);
}
