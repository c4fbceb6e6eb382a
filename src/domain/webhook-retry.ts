/**
 * When a failed webhook delivery is tried again: 30 s after the first failure, doubling up to one
 * hour, each delay jittered by ±25 % so receivers coming back are not hit by every retry at once.
 * A delivery gives up (state failed, kept, can be redelivered) after as many attempts as the
 * nominal schedule fits in three days.
 */
export const FIRST_RETRY_DELAY_SECONDS = 30;
export const MAX_RETRY_DELAY_SECONDS = 3600;
export const RETRY_WINDOW_SECONDS = 3 * 24 * 3600;

const nominalDelaySeconds = (failedAttempts: number): number => Math.min(FIRST_RETRY_DELAY_SECONDS * 2 ** (failedAttempts - 1), MAX_RETRY_DELAY_SECONDS);

/** Attempts one run of a delivery makes at most: 78 (the last about three days after the first). */
export const MAX_DELIVERY_ATTEMPTS = ((): number => {
  let attempts = 1;
  for (let elapsed = 0; elapsed < RETRY_WINDOW_SECONDS; attempts += 1) {
    elapsed += nominalDelaySeconds(attempts);
  }
  return attempts - 1;
})();

/**
 * Milliseconds until the next attempt after `failedAttempts` failures of this run, or null when the
 * delivery gives up. `random` is a number in [0, 1) (the jitter).
 */
export function retryDelayMs(failedAttempts: number, random: number): number | null {
  if (failedAttempts >= MAX_DELIVERY_ATTEMPTS) {
    return null;
  }
  return Math.round(nominalDelaySeconds(failedAttempts) * (0.75 + 0.5 * random) * 1000);
}
