/** Time, injectable so tests can move it (key expiry, token lifetimes, grace periods). */
export type Clock = { now: () => number };
export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can move forward. */
export function manualClock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms), set: (ms: number) => void (t = ms) };
}
