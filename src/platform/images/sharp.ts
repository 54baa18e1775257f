/**
 * sharp (libvips, ~8 MB resident once loaded) loads on the first image operation rather than at
 * start-up: an API node that serves only reads never maps it.
 */
import type SharpModule from 'sharp';

export type Sharp = typeof SharpModule;
let loading: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  return (loading ??= import('sharp').then((m) => m.default));
}
