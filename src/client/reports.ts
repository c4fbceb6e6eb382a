import type { z } from 'zod';
import type { UpdateProductSettingsRequestSchema } from '../contracts/products.js';
import type { ReclaimUnassignRequestSchema } from '../contracts/reclaim.js';
import { skipTokenOf, type Send } from './billing-groups.js';
import type { BulkPreview } from './users.js';

/**
 * The client's calls for Reports › Reclaim (inactive license holders, their CSV, the one-step
 * unassign) and the product settings it reads (inactivity days, price), with their wire shapes
 * restated from the server's presenters. api-client.ts spreads them into the client.
 */

export type SelfServicePolicy = 'allow' | 'trialsOnly' | 'deny';

/** A product the tenant has subscriptions for, with its settings (GET /admin/products). */
export interface ProductSettings {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  selfServicePolicy: SelfServicePolicy;
  lowSeatThreshold: number | null;
  lowSeatAlertDateTime: string | null;
  inactivityDays: number;
  monthlyPrice: number | null;
  currency: string | null;
}

export interface Money {
  amount: number;
  currency: string;
}

export interface GroupRef {
  id: string;
  displayName: string;
}

/** A holder of the product without activity since the cutoff; `source.freesSeat` says whether unassigning frees the seat. */
export interface InactiveHolder {
  id: string;
  displayName: string;
  userPrincipalName: string;
  /** The latest product activity or sign-in; null: never active. */
  lastActivityDateTime: string | null;
  source: { assignedDirectly: boolean; inheritedFrom: GroupRef[]; selfService: boolean; freesSeat: boolean };
}

interface ReclaimScope {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  /** The inactivity window used: the days asked for, or the product's inactivityDays. */
  days: number;
  inactiveSinceDateTime: string;
}

/** One page of GET /admin/reclaim, with the totals over every inactive holder. */
export interface ReclaimReport extends ReclaimScope {
  totals: { inactiveUsers: number; assignedDirectly: number; keptBySource: number; seatsFreed: number; monthlyCost: Money | null };
  value: InactiveHolder[];
  /** The `$skiptoken` of the next page, or null on the last. */
  skiptoken: string | null;
}

export type ReclaimSkipReason = 'inherited' | 'selfService' | 'recentlyActive' | 'notLicensed';

/** POST /admin/reclaim/unassign: the bulk engine's answer (dry run or applied), the seats and money freed, who was left alone. */
export type ReclaimUnassignResult = ReclaimScope &
  BulkPreview & {
    seatsFreed: number;
    monthlyCost: Money | null;
    skipped: { id: string; displayName: string | null; userPrincipalName: string | null; reason: ReclaimSkipReason; inheritedFrom: GroupRef[] }[];
    moreRemaining: boolean;
  };

export interface ReclaimQuery {
  /** Days without activity; the product's inactivityDays when absent. */
  days?: number;
  top: number;
  skiptoken?: string;
}

const id = encodeURIComponent;

const reclaimParams = (skuId: string, params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams({ skuId });
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) {
      search.set(key, String(value));
    }
  }
  return search.toString();
};

export function reportsCalls(send: Send) {
  return {
    listProductSettings: async () => (await send<{ value: ProductSettings[] }>('GET', '/admin/products')).value,
    updateProductSettings: (skuId: string, body: z.input<typeof UpdateProductSettingsRequestSchema>) => send<ProductSettings>('PATCH', `/admin/products/${id(skuId)}/settings`, body),

    reclaimReport: async (skuId: string, query: ReclaimQuery): Promise<ReclaimReport> => {
      const page = await send<Omit<ReclaimReport, 'skiptoken'> & { '@odata.nextLink'?: string }>('GET', `/admin/reclaim?${reclaimParams(skuId, { days: query.days, $top: query.top, $skiptoken: query.skiptoken })}`);
      const { '@odata.nextLink': next, ...report } = page;
      return { ...report, skiptoken: skipTokenOf(next) };
    },
    /** Every inactive holder of the product as CSV (the server streams it; the app saves it as a file). */
    reclaimCsv: (skuId: string, days?: number) => send<Blob>('GET', `/admin/reclaim?${reclaimParams(skuId, { days, format: 'csv' })}`, undefined, { accept: 'text/csv' }),
    reclaimUnassign: (body: z.input<typeof ReclaimUnassignRequestSchema>) => send<ReclaimUnassignResult>('POST', '/admin/reclaim/unassign', body),
  };
}
