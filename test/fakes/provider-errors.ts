import { expect } from 'vitest';
import { ProviderError } from '../../src/modules/tryon/providers/types.js';

/** Await a provider call that must fail, and return its ProviderError. */
export async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProviderError);
  return e as ProviderError;
}
