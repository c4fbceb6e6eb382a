import { describe, expect, it } from 'vitest';
import { csvField, csvLine, freesSeat, inactivityCutoff, monthlyCost, reclaimCsvLine, skipReason } from './reclaim.js';

const direct = { direct: true, groups: [], selfService: false };
const viaGroup = { direct: false, groups: [{ groupId: 'g', displayName: 'Sales' }], selfService: false };

describe('reclaim rules', () => {
  it('cuts off `days` before now', () => {
    expect(inactivityCutoff(new Date('2026-11-01T09:00:00Z'), 30)).toEqual(new Date('2026-10-02T09:00:00Z'));
  });

  it('frees a seat only when the direct assignment is all that holds it', () => {
    expect(freesSeat(direct)).toBe(true);
    expect(freesSeat({ ...direct, groups: viaGroup.groups })).toBe(false);
    expect(freesSeat(viaGroup)).toBe(false);
    expect(freesSeat({ ...direct, selfService: true })).toBe(false);
  });

  it('says why a user asked for is skipped', () => {
    expect(skipReason(direct, true)).toBeUndefined();
    expect(skipReason(viaGroup, true)).toBe('inherited');
    expect(skipReason({ ...direct, selfService: true }, true)).toBe('selfService');
    expect(skipReason(undefined, true)).toBe('recentlyActive');
    expect(skipReason(undefined, false)).toBe('notLicensed');
  });

  it('prices freed seats in cents, only with a price and a currency', () => {
    expect(monthlyCost(3, { monthlyPrice: 10.1, currency: 'EUR' })).toEqual({ amount: 30.3, currency: 'EUR' });
    expect(monthlyCost(3, { monthlyPrice: null, currency: 'EUR' })).toBeNull();
    expect(monthlyCost(0, { monthlyPrice: 5, currency: 'USD' })).toEqual({ amount: 0, currency: 'USD' });
  });
});

describe('CSV', () => {
  it('quotes separators, quotes and line breaks, and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('Doe, Jane')).toBe('"Doe, Jane"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@sum')).toBe("'@sum");
    expect(csvField(null)).toBe('');
    expect(csvField(-3)).toBe('-3');
    expect(csvLine(['a', true, null])).toBe('a,true,\r\n');
  });

  it('writes a holder in the header order', () => {
    expect(reclaimCsvLine({ userId: 'u', displayName: 'Ann', userPrincipalName: 'ann@x', lastActivityAt: null, source: viaGroup })).toBe('u,Ann,ann@x,,false,Sales,false,false\r\n');
  });
});
