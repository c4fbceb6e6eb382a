import type { AuditEntry } from '../domain/audit.js';
import type { Catalogue, Sku } from '../domain/catalogue.js';
import type { RequestContext } from '../domain/context.js';
import { AppError, notFound } from '../domain/errors.js';
import { isGuid } from '../domain/ids.js';
import type { ProductSettings } from '../domain/product-settings.js';
import {
  ACTIVITY_CLOCK_SKEW_MS,
  inactivityCutoff,
  MAX_RECLAIM_UNASSIGN,
  monthlyCost,
  RECLAIM_CSV_HEADER,
  reclaimCsvLine,
  csvLine,
  skipReason,
  type ReclaimSkipReason,
} from '../domain/reclaim.js';
import type { Repositories } from '../db/repositories/index.js';
import type { InactiveHolder, ReclaimQuery, ReclaimTotals } from '../db/repositories/reclaim.repository.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { applyBulkChange, type BulkChangeResult } from './license-admin.service.js';
import { inRolledBackTransaction, inTenantTransaction, tenantRepositories } from './transaction.js';

export type { InactiveHolder, ReclaimTotals } from '../db/repositories/reclaim.repository.js';

/** One reported activity: the user by id or user principal name, a service plan, and when. */
export interface ActivityReport {
  userId?: string;
  userPrincipalName?: string;
  servicePlanId: string;
  lastActiveAt: Date;
}

export interface ActivityRejection {
  /** Position in the request's list (0-based). */
  index: number;
  code: 'UserNotFound' | 'ServicePlanNotFound' | 'FutureTime';
  message: string;
}

export interface ActivityResult {
  accepted: number;
  rejected: ActivityRejection[];
}

export interface ReclaimScope {
  sku: Sku;
  settings: ProductSettings;
  days: number;
  cutoff: Date;
}

export interface ReclaimPage extends ReclaimScope {
  totals: ReclaimTotals;
  /** What the freed seats cost per month; null without a price. */
  monthlyCost: { amount: number; currency: string } | null;
  holders: InactiveHolder[];
  nextSkipToken?: string;
}

export interface ReclaimUnassignResult extends ReclaimScope {
  result: BulkChangeResult;
  /** Users asked for (or inactive ones) left alone, and why. */
  skipped: { userId: string; displayName: string | null; userPrincipalName: string | null; reason: ReclaimSkipReason; groups: { groupId: string; displayName: string }[] }[];
  seatsFreed: number;
  monthlyCost: { amount: number; currency: string } | null;
  /** More directly licensed inactive users remain beyond this call's 1,000 (default selection only). */
  moreRemaining: boolean;
}

const CSV_CHUNK = 1000;

const skippedEntry = (userId: string, holder: InactiveHolder | undefined, reason: ReclaimSkipReason): ReclaimUnassignResult['skipped'][number] => ({
  userId,
  displayName: holder?.displayName ?? null,
  userPrincipalName: holder?.userPrincipalName ?? null,
  reason,
  groups: [...(holder?.source.groups ?? [])],
});

/** A page token: the last user id of the page and the query it belongs to. */
const encodeToken = (userId: string, fingerprint: string): string => Buffer.from(JSON.stringify({ p: userId, q: fingerprint })).toString('base64url');

function decodeToken(token: string, fingerprint: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { p?: unknown; q?: unknown };
    if (parsed.q === fingerprint && typeof parsed.p === 'string' && isGuid(parsed.p)) {
      return parsed.p;
    }
  } catch {
    // any undecodable token is answered the same way
  }
  throw new AppError('invalidRequest', 'The $skiptoken is invalid or belongs to another query. Request the first page again.', [
    { code: 'InvalidValue', target: '$skiptoken', message: 'Send the @odata.nextLink of the previous page unchanged, with the same skuId and days.' },
  ]);
}

const queryOf = (scope: ReclaimScope): ReclaimQuery => ({ skuId: scope.sku.skuId, servicePlanIds: scope.sku.servicePlanIds, cutoff: scope.cutoff });

/**
 * Reclaiming unused seats: product backends report activity, admins list who has not used a product
 * for N days (paged, or all of them as CSV) and unassign the direct licenses in one step through
 * the bulk "Manage product licenses" engine.
 */
export function createReclaimService(deps: ServiceDeps) {
  /** The product (held by the tenant, else 404) and the window: `days`, or the product's inactivity days. */
  const scopeOf = async (repos: Repositories, skuId: string, days: number | undefined): Promise<ReclaimScope> => {
    const [catalogue, owned] = await Promise.all([loadTenantCatalogue(deps.microsoftCatalogue, repos), repos.subscriptions.listSkuIds()]);
    const sku = catalogue.findSku(skuId);
    if (!sku || !owned.includes(sku.skuId)) {
      throw notFound(skuId);
    }
    const settings = await repos.productSettings.find(sku.skuId);
    const window = days ?? settings.inactivityDays;
    return { sku, settings, days: window, cutoff: inactivityCutoff(deps.clock.now(), window) };
  };

  /** Why a report naming a known user is refused, if it is. */
  const rejectionOf = (catalogue: Catalogue, report: ActivityReport, latest: number): Omit<ActivityRejection, 'index'> | undefined => {
    if (!catalogue.findPlan(report.servicePlanId)) {
      return { code: 'ServicePlanNotFound', message: `Service plan '${report.servicePlanId}' is not in this tenant's catalogue.` };
    }
    if (report.lastActiveAt.getTime() > latest) {
      return { code: 'FutureTime', message: `lastActiveDateTime ${report.lastActiveAt.toISOString()} is in the future.` };
    }
    return undefined;
  };

  return {
    /**
     * Records a batch of activity reports. Valid items are recorded (the later time wins) and the
     * others are returned by position with the reason, unrecorded: one unknown or deleted user must
     * not hold back a backend's thousand reports, and a report resent after a fix is harmless.
     */
    async reportActivity(context: RequestContext, reports: readonly ActivityReport[]): Promise<ActivityResult> {
      return inTenantTransaction(deps.db, context, async (repos) => {
        const at = deps.clock.now();
        const catalogue = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
        const userIds = await repos.activity.resolveUsers(reports.map((report) => ({ userId: report.userId ?? null, userPrincipalName: report.userPrincipalName ?? null })));
        const rejected: ActivityRejection[] = [];
        const accepted: { userId: string; servicePlanId: string; lastActiveAt: Date }[] = [];
        reports.forEach((report, index) => {
          const userId = userIds[index];
          if (userId === undefined) {
            rejected.push({ index, code: 'UserNotFound', message: `No user '${report.userId ?? report.userPrincipalName ?? ''}' in this tenant.` });
            return;
          }
          const rejection = rejectionOf(catalogue, report, at.getTime() + ACTIVITY_CLOCK_SKEW_MS);
          if (rejection !== undefined) {
            rejected.push({ index, ...rejection });
            return;
          }
          accepted.push({ userId, servicePlanId: report.servicePlanId.toLowerCase(), lastActiveAt: report.lastActiveAt });
        });
        if (accepted.length > 0) {
          await repos.activity.upsert(accepted);
          await repos.audit.record(
            context,
            [
              {
                category: 'UserManagement',
                activity: 'Report product activity',
                target: { type: 'Tenant', id: context.tenantId, name: null },
                changes: [],
                details: { accepted: accepted.length, rejected: rejected.length, users: new Set(accepted.map((item) => item.userId)).size },
              },
            ],
            at,
            deps.ids,
          );
        }
        return { accepted: accepted.length, rejected };
      });
    },

    /** One page of the product's inactive holders with the totals over all of them. */
    async report(context: RequestContext, query: { skuId: string; days?: number; top: number; skipToken?: string }): Promise<ReclaimPage> {
      const repos = tenantRepositories(deps.db, context);
      const scope = await scopeOf(repos, query.skuId, query.days);
      const fingerprint = `${scope.sku.skuId}/${scope.days}`;
      const after = query.skipToken === undefined ? undefined : decodeToken(query.skipToken, fingerprint);
      const [page, totals] = await Promise.all([repos.reclaim.page(queryOf(scope), query.top, after), repos.reclaim.totals(queryOf(scope))]);
      return {
        ...scope,
        totals,
        monthlyCost: monthlyCost(totals.seatsFreed, scope.settings),
        holders: page.holders,
        ...(page.next === undefined ? {} : { nextSkipToken: encodeToken(page.next, fingerprint) }),
      };
    },

    /**
     * Every inactive holder as CSV lines (header first), read in keyset chunks so a large tenant
     * streams without holding the list. The product is checked before the first line.
     */
    async csv(context: RequestContext, query: { skuId: string; days?: number }): Promise<AsyncIterable<string>> {
      const repos = tenantRepositories(deps.db, context);
      const scope = await scopeOf(repos, query.skuId, query.days);
      return (async function* lines() {
        yield csvLine(RECLAIM_CSV_HEADER);
        let after: string | undefined;
        do {
          const page = await repos.reclaim.page(queryOf(scope), CSV_CHUNK, after);
          yield page.holders.map(reclaimCsvLine).join('');
          after = page.next;
        } while (after !== undefined);
      })();
    },

    /**
     * Unassigns the product from inactive users who hold it directly: the users given, or by default
     * every such user (up to 1,000 per call). Inherited and self-service seats, users active since
     * the cutoff and users without the product are skipped and listed. `dryRun` reports the seats
     * it would free and changes nothing.
     */
    async unassign(context: RequestContext, input: { skuId: string; days?: number; userIds?: readonly string[]; dryRun: boolean }): Promise<ReclaimUnassignResult> {
      // A dry run is the real change rolled back (the bulk engine writes, then the transaction is undone).
      return (input.dryRun ? inRolledBackTransaction : inTenantTransaction)(deps.db, context, async (repos, trx) => {
        const scope = await scopeOf(repos, input.skuId, input.days);
        const query = queryOf(scope);
        const asked = input.userIds === undefined ? undefined : [...new Set(input.userIds.map((id) => id.toLowerCase()))];
        let eligible: InactiveHolder[];
        let skipped: ReclaimUnassignResult['skipped'];
        let moreRemaining = false;
        if (asked === undefined) {
          const removable = await repos.reclaim.inactiveBySource(query, 'removable', MAX_RECLAIM_UNASSIGN + 1);
          moreRemaining = removable.length > MAX_RECLAIM_UNASSIGN;
          eligible = removable.slice(0, MAX_RECLAIM_UNASSIGN);
          skipped = (await repos.reclaim.inactiveBySource(query, 'kept', MAX_RECLAIM_UNASSIGN)).map((holder) => skippedEntry(holder.userId, holder, skipReason(holder.source, true) ?? 'inherited'));
        } else {
          const inactive = new Map((await repos.reclaim.findInactive(query, asked)).map((holder) => [holder.userId, holder]));
          const holders = await repos.reclaim.holders(scope.sku.skuId, asked);
          eligible = [];
          skipped = [];
          for (const userId of asked) {
            const holder = inactive.get(userId);
            const reason = skipReason(holder?.source, holders.has(userId));
            if (reason !== undefined) {
              skipped.push(skippedEntry(userId, holder, reason));
            } else if (holder !== undefined) {
              eligible.push(holder);
            }
          }
        }
        const result: BulkChangeResult =
          eligible.length === 0
            ? { applied: !input.dryRun, plan: { plans: [], outcomes: [], seatDeltas: [], isApplicable: true } }
            : await applyBulkChange(deps, context, repos, trx, {
                userIds: eligible.map((holder) => holder.userId),
                mode: 'remove',
                licenses: [{ skuId: scope.sku.skuId, disabledPlans: [] }],
                dryRun: input.dryRun,
              });
        const seatsFreed = Math.max(0, -(result.plan.seatDeltas.find((delta) => delta.skuId === scope.sku.skuId)?.delta ?? 0));
        if (result.applied && eligible.length > 0) {
          const entry: AuditEntry = {
            category: 'UserManagement',
            activity: 'Reclaim inactive licenses',
            target: { type: 'Product', id: scope.sku.skuId, name: scope.sku.skuPartNumber },
            changes: [],
            details: { inactiveDays: scope.days, cutoffDateTime: scope.cutoff.toISOString(), usersUnassigned: eligible.length, seatsFreed, usersSkipped: skipped.length },
          };
          await repos.audit.record(context, [entry], deps.clock.now(), deps.ids);
        }
        return { ...scope, result, skipped, seatsFreed, monthlyCost: monthlyCost(seatsFreed, scope.settings), moreRemaining };
      });
    },
  };
}

export type ReclaimService = ReturnType<typeof createReclaimService>;
