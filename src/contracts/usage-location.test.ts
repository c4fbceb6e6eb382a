import { describe, expect, it } from 'vitest';
import { ISO_3166_ALPHA2, isUsageLocation } from './usage-location.js';

describe('ISO 3166-1 alpha-2 usage locations', () => {
  it('holds the 249 officially assigned codes, two upper-case letters each', () => {
    expect(ISO_3166_ALPHA2.size).toBe(249);
    for (const code of ISO_3166_ALPHA2) {
      expect(code).toMatch(/^[A-Z]{2}$/);
    }
  });

  it('accepts assigned codes, including territories', () => {
    for (const code of ['US', 'DE', 'GB', 'JP', 'CU', 'AQ', 'AX', 'BQ', 'SS', 'SX', 'UM', 'ZW']) {
      expect(isUsageLocation(code)).toBe(true);
    }
  });

  it('rejects lower case, reserved and user-assigned codes, and other lengths', () => {
    for (const code of ['de', 'De', 'UK', 'EU', 'XK', 'AN', 'YU', 'ZZ', 'USA', 'U', '', ' US']) {
      expect(isUsageLocation(code)).toBe(false);
    }
  });
});
