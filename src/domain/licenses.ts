import type { Catalogue } from './catalogue.js';
import { DIRECT_SOURCE } from './ids.js';

/** One source's contribution of a SKU to a user (licenseAssignmentState in Graph). */
export interface Assignment {
  skuId: string;
  /** DIRECT_SOURCE or the id of the group the license is inherited from. */
  sourceId: string;
  disabledPlans: readonly string[];
  state: 'Active' | 'ActiveWithError' | 'Disabled' | 'Error';
  error: string | null;
  assignedAt: Date;
  updatedAt: Date;
}

/** What a user effectively holds of one SKU: Graph's assignedLicense. */
export interface EffectiveLicense {
  skuId: string;
  /** Plans off in every active source: enabled plans are the union over sources. */
  disabledPlans: string[];
}

export const isActiveAssignment = (assignment: Pick<Assignment, 'state'>): boolean =>
  assignment.state === 'Active' || assignment.state === 'ActiveWithError';

export const isDirect = (assignment: Pick<Assignment, 'sourceId'>): boolean => assignment.sourceId === DIRECT_SOURCE;

/**
 * Merges a user's assignments into one license per SKU. A SKU held from several sources consumes one
 * seat, and a plan is enabled when any active source enables it (Graph §3.4), so the merged
 * disabledPlans are the intersection of the sources' disabled sets.
 */
export function effectiveLicenses(assignments: readonly Pick<Assignment, 'skuId' | 'disabledPlans' | 'state'>[]): EffectiveLicense[] {
  const bySku = new Map<string, Set<string>>();
  for (const assignment of assignments) {
    if (!isActiveAssignment(assignment)) {
      continue;
    }
    const disabled = bySku.get(assignment.skuId);
    if (disabled === undefined) {
      bySku.set(assignment.skuId, new Set(assignment.disabledPlans));
    } else {
      for (const planId of disabled) {
        if (!assignment.disabledPlans.includes(planId)) {
          disabled.delete(planId);
        }
      }
    }
  }
  return [...bySku.entries()]
    .map(([skuId, disabled]) => ({ skuId, disabledPlans: [...disabled].sort() }))
    .sort((a, b) => a.skuId.localeCompare(b.skuId));
}

/** Service plans a set of licenses switches on (SKU plans minus disabled plans), in catalogue order. */
export function enabledPlanIds(licenses: readonly EffectiveLicense[], catalogue: Catalogue): Set<string> {
  const enabled = new Set<string>();
  for (const license of licenses) {
    const sku = catalogue.findSku(license.skuId);
    for (const planId of sku?.servicePlanIds ?? []) {
      if (!license.disabledPlans.includes(planId)) {
        enabled.add(planId);
      }
    }
  }
  return enabled;
}
