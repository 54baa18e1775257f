/**
 * `@probador/widget`: the Probador try-on widget as an ES module.
 *
 *   import { mount } from '@probador/widget';
 *   const widget = mount(document.querySelector('#product')!, {
 *     key: 'pk_live_…', api: 'https://probador.example',
 *     product: { image: '/img/tee.jpg', id: 'sku-1', name: 'Tee', category: 'tops' },
 *   });
 *   widget.on('add-to-cart', (e) => cart.add(e.product_id));
 *
 * The same Shadow-DOM UI as the script tag (which is built from this module), no globals.
 */
export { mount } from './mount.js';
export { VERSION } from './version.js';
export type {
  ColoursDetail,
  Lang,
  UserToken,
  Verdict,
  WidgetEventName,
  WidgetEvents,
  WidgetHandle,
  WidgetListener,
  WidgetOptions,
  WidgetProduct,
  WidgetState,
} from './types.js';
