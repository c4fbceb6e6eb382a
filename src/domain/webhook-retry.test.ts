import { describe, expect, it } from 'vitest';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from './webhook-retry.js';

describe('webhook retry schedule', () => {
  it('doubles from 30 s to a one-hour cap, jittered by ±25 %', () => {
    expect(retryDelayMs(1, 0.5)).toBe(30_000);
    expect(retryDelayMs(2, 0.5)).toBe(60_000);
    expect(retryDelayMs(3, 0.5)).toBe(120_000);
    expect(retryDelayMs(8, 0.5)).toBe(3_600_000);
    expect(retryDelayMs(40, 0.5)).toBe(3_600_000);
    expect(retryDelayMs(1, 0)).toBe(22_500);
    expect(retryDelayMs(1, 0.999_999)).toBe(37_500);
  });

  it('gives up after the attempts that fit in three days', () => {
    expect(MAX_DELIVERY_ATTEMPTS).toBe(78);
    let elapsedMs = 0;
    for (let failed = 1; failed < MAX_DELIVERY_ATTEMPTS; failed += 1) {
      elapsedMs += retryDelayMs(failed, 0.5) ?? Number.NaN;
    }
    expect(elapsedMs / 3_600_000).toBeGreaterThan(70);
    expect(elapsedMs / 3_600_000).toBeLessThan(72);
    expect(retryDelayMs(MAX_DELIVERY_ATTEMPTS, 0.5)).toBeNull();
  });
});
