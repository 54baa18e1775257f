/**
 * sharp (libvips, ~8 MB resident once loaded) loads on the first image operation rather than at
 * start-up: an API node that serves only reads never maps it.
 */
import type SharpModule from 'sharp';

export type Sharp = typeof SharpModule;
let loading: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  return (loading ??= import('sharp').then((m) => configureSharp(m.default)));
}

/**
 * libvips' operation cache off. It keeps the results of recent operations (up to 50 MB, 100 of
 * them) for a repeat of the same operation on the same input; every photo here is a new input, so
 * it only held memory (~30 MB after the demo store's first start). The setting is the process's
 * (libvips is one library for every thread), and sharp resets it each time a thread loads it, so
 * every thread that imports sharp calls this after its imports.
 */
export function configureSharp(s: Sharp): Sharp {
  s.cache(false);
  return s;
}
