import type { UserLicenseChange } from './events.js';
import type { EffectiveLicense } from './licenses.js';

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((item) => b.includes(item));

/** Per user, the SKUs gained, lost and changed (enabled services) between two sets of licenses. */
export function licenseChangesOf(changed: readonly { userId: string; before: readonly EffectiveLicense[]; after: readonly EffectiveLicense[] }[]): UserLicenseChange[] {
  const result: UserLicenseChange[] = [];
  for (const { userId, before, after } of changed) {
    const beforeBySku = new Map(before.map((license) => [license.skuId, license]));
    const afterBySku = new Map(after.map((license) => [license.skuId, license]));
    const added = after.filter((license) => !beforeBySku.has(license.skuId)).map((license) => license.skuId);
    const removed = before.filter((license) => !afterBySku.has(license.skuId)).map((license) => license.skuId);
    const updated = after
      .filter((license) => {
        const previous = beforeBySku.get(license.skuId);
        return previous !== undefined && !sameSet(previous.disabledPlans, license.disabledPlans);
      })
      .map((license) => license.skuId);
    if (added.length + removed.length + updated.length > 0) {
      result.push({ userId, added, removed, updated });
    }
  }
  return result;
}
