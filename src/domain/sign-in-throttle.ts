/**
 * Sign-in throttling: a sliding window of failure times per key (an account from one client
 * address, an account from anywhere, a client address).
 * Pure: the caller passes the time and holds the store, so tests drive it with a fixed clock.
 */

export interface ThrottleLimit {
  /** Failures within `windowMs` that block the key. */
  maxFailures: number;
  windowMs: number;
}

const FIFTEEN_MINUTES = 15 * 60 * 1000;

/**
 * In 15 minutes: 5 failures per account from one client address, 50 per account from all addresses
 * together, 20 per client address across accounts. The strict limit is per (account, address), so
 * someone guessing from elsewhere cannot lock an admin out with five wrong passwords; the
 * account-wide limit still caps a guess spread over many addresses.
 */
export const SIGN_IN_LIMITS = {
  accountAddress: { maxFailures: 5, windowMs: FIFTEEN_MINUTES },
  account: { maxFailures: 50, windowMs: FIFTEEN_MINUTES },
  address: { maxFailures: 20, windowMs: FIFTEEN_MINUTES },
} as const satisfies Record<string, ThrottleLimit>;

/** Failure times (ms since the epoch) per key, oldest first; at most `maxFailures` are kept. */
export type FailureLog = Map<string, number[]>;

export interface ThrottleKey {
  key: string;
  limit: ThrottleLimit;
}

/** Keys beyond which `recordFailure` sweeps out the ones whose window has passed. */
const SWEEP_THRESHOLD = 10_000;

const recent = (times: readonly number[] | undefined, limit: ThrottleLimit, now: number): number[] =>
  (times ?? []).filter((time) => now - time < limit.windowMs);

/**
 * Seconds until every key is below its limit again, or undefined when none is blocked. A blocked
 * key frees up when its oldest counted failure leaves the window.
 */
export function retryAfterSeconds(log: FailureLog, keys: readonly ThrottleKey[], now: Date): number | undefined {
  let waitMs = 0;
  for (const { key, limit } of keys) {
    const times = recent(log.get(key), limit, now.getTime());
    const oldest = times[times.length - limit.maxFailures];
    if (times.length >= limit.maxFailures && oldest !== undefined) {
      waitMs = Math.max(waitMs, oldest + limit.windowMs - now.getTime());
    }
  }
  return waitMs > 0 ? Math.ceil(waitMs / 1000) : undefined;
}

/** Counts one failure against every key. */
export function recordFailure(log: FailureLog, keys: readonly ThrottleKey[], now: Date): void {
  const at = now.getTime();
  for (const { key, limit } of keys) {
    log.set(key, [...recent(log.get(key), limit, at), at].slice(-limit.maxFailures));
  }
  // Bounded memory under a spray of guessed names: drop keys whose failures have all expired.
  if (log.size > SWEEP_THRESHOLD) {
    const longest = Math.max(...Object.values(SIGN_IN_LIMITS).map((limit) => limit.windowMs), ...keys.map(({ limit }) => limit.windowMs));
    for (const [key, times] of log) {
      if (times.every((time) => at - time >= longest)) {
        log.delete(key);
      }
    }
  }
}

/** Forgets a key's failures (a successful sign-in clears its account). */
export function resetFailures(log: FailureLog, key: string): void {
  log.delete(key);
}
