/** The widget's typed events: listeners added with `on()`, and a hook the script tag uses to re-dispatch them as `probador:*` DOM events. */
import type { WidgetEventName, WidgetEvents, WidgetListener } from './types.js';

/** Emits an event; `el` is the page element it concerns (a product's), for the script tag's DOM events. */
export type Emit = <K extends WidgetEventName>(type: K, detail: WidgetEvents[K], el?: HTMLElement | null) => void;
/** Called for every event after the listeners (the script tag dispatches DOM events from it). */
export type Relay = <K extends WidgetEventName>(type: K, detail: WidgetEvents[K], el: HTMLElement | null) => void;

export function createEmitter(relay?: Relay) {
  const listeners = new Map<WidgetEventName, Set<(detail: never) => void>>();
  const emit: Emit = (type, detail, el = null) => {
    for (const l of [...(listeners.get(type) ?? [])]) {
      try {
        (l as WidgetListener<typeof type>)(detail);
      } catch (e) {
        // A host's listener that throws must not break the widget (nor the other listeners).
        setTimeout(() => {
          throw e;
        });
      }
    }
    relay?.(type, detail, el);
  };
  function on<K extends WidgetEventName>(type: K, listener: WidgetListener<K>): () => void {
    let set = listeners.get(type);
    if (!set) listeners.set(type, (set = new Set()));
    set.add(listener as (detail: never) => void);
    return () => void set.delete(listener as (detail: never) => void);
  }
  return { emit, on, clear: () => listeners.clear() };
}
