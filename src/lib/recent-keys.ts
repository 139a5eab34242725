/**
 * An isolate's memory of keys seen within a window, for "at most once per window"
 * work (refusal events, admin refusals): asked before any I/O, so concurrent requests
 * in one isolate do not race each other to the shared store.
 */

/** Above this many keys the expired ones are swept (and all, if still above): bounded memory under a flood. */
const SWEEP_AT = 10_000;

/**
 * A function that answers whether `key` was seen within `windowSeconds` in this isolate,
 * and if not, marks it as seen from `nowMs`.
 *
 * @example
 * ```ts
 * const seenLately = recentKeys(600);
 * if (seenLately(`${orgId}|${code}`, Date.now())) return;
 * ```
 */
export function recentKeys(windowSeconds: number): (key: string, nowMs: number) => boolean {
  const until = new Map<string, number>();
  return (key, nowMs) => {
    if (until.size > SWEEP_AT) {
      for (const [k, end] of until) if (end <= nowMs) until.delete(k);
      if (until.size > SWEEP_AT) until.clear();
    }
    if ((until.get(key) ?? 0) > nowMs) return true;
    until.set(key, nowMs + windowSeconds * 1000);
    return false;
  };
}
