import { DIRECT_SOURCE } from '../../domain/ids.js';
import type { AuditRecord, LicenseHolder } from '../../services/audit.service.js';

/** One audit entry on the wire (the admin API's shape, with Graph's directoryAudit names where they exist). */
export const presentAuditEntry = (entry: AuditRecord) => ({
  id: entry.auditId,
  activityDateTime: entry.occurredAt.toISOString(),
  category: entry.category,
  activityDisplayName: entry.activity,
  result: entry.result,
  initiatedBy: { type: entry.actor.type, id: entry.actor.id, displayName: entry.actor.name, authorization: entry.actor.authorization },
  target: { type: entry.target.type, id: entry.target.id, displayName: entry.target.name },
  modifiedProperties: entry.changes.map((change) => ({ displayName: change.property, oldValue: change.before ?? null, newValue: change.after ?? null })),
  additionalDetails: entry.details ?? {},
  requestId: entry.requestId,
  clientAddress: entry.clientAddress,
});

/** Who held a product at a moment, and through which sources (direct, or a group's id). */
export const presentLicenseHolder = (holder: LicenseHolder) => ({
  userId: holder.userId,
  userPrincipalName: holder.userPrincipalName,
  displayName: holder.displayName,
  skuId: holder.skuId,
  skuPartNumber: holder.sku?.skuPartNumber ?? null,
  skuDisplayName: holder.sku?.displayName ?? null,
  sources: holder.sources.map((source) =>
    source.sourceId === DIRECT_SOURCE ? { type: 'direct' as const, disabledPlans: source.disabledPlans } : { type: 'group' as const, groupId: source.sourceId, disabledPlans: source.disabledPlans },
  ),
});
