import { DAY_MS } from './clock.js';

/**
 * Reclaiming unused seats: a user holding a product is inactive when neither the product's service
 * plans (reported by product backends) nor a sign-in to Allot saw them since the cutoff.
 */
export const MIN_INACTIVITY_DAYS = 1;
export const MAX_INACTIVITY_DAYS = 3650;
/** Activity reports per request, and users unassigned per reclaim call (the bulk engine's limit). */
export const MAX_ACTIVITY_BATCH = 1000;
export const MAX_RECLAIM_UNASSIGN = 1000;
/** A backend's clock may run a little ahead of Allot's; later times are refused as mistakes. */
export const ACTIVITY_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Activity before this instant (or none at all) makes a holder inactive. */
export const inactivityCutoff = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS);

/** Where an inactive user's seat comes from, as the report and the unassign see it. */
export interface ReclaimSource {
  direct: boolean;
  groups: readonly { groupId: string; displayName: string }[];
  /** The seat is bound to someone's self-service purchase: its purchaser manages it. */
  selfService: boolean;
}

/** Unassigning the direct assignment frees the seat only when nothing else keeps it. */
export const freesSeat = (source: ReclaimSource): boolean => source.direct && source.groups.length === 0 && !source.selfService;

/** Why a user asked for in a reclaim unassign is left alone. */
export type ReclaimSkipReason = 'inherited' | 'selfService' | 'recentlyActive' | 'notLicensed';

export function skipReason(source: ReclaimSource | undefined, isHolder: boolean): ReclaimSkipReason | undefined {
  if (!isHolder) {
    return 'notLicensed';
  }
  if (source === undefined) {
    return 'recentlyActive';
  }
  if (source.selfService) {
    return 'selfService';
  }
  return source.direct ? undefined : 'inherited';
}

/** Money freed per month, in the product's currency, when a price is set. */
export function monthlyCost(seats: number, price: { monthlyPrice: number | null; currency: string | null }): { amount: number; currency: string } | null {
  if (price.monthlyPrice === null || price.currency === null) {
    return null;
  }
  // Cents, so 3 × 10.10 is 30.30 and not 30.299999999999997.
  return { amount: Math.round(seats * Math.round(price.monthlyPrice * 100)) / 100, currency: price.currency };
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A value a spreadsheet
 * would run as a formula (= + - @ tab CR) is prefixed with an apostrophe: display names are user input.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) {
    return '';
  }
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (values: readonly (string | number | boolean | null)[]): string => `${values.map(csvField).join(',')}\r\n`;

export const RECLAIM_CSV_HEADER = ['id', 'displayName', 'userPrincipalName', 'lastActivityDateTime', 'assignedDirectly', 'groups', 'selfService', 'freesSeat'] as const;

/** One reclaim row as a CSV line, in RECLAIM_CSV_HEADER's order. */
export const reclaimCsvLine = (user: { userId: string; displayName: string; userPrincipalName: string; lastActivityAt: Date | null; source: ReclaimSource }): string =>
  csvLine([
    user.userId,
    user.displayName,
    user.userPrincipalName,
    user.lastActivityAt?.toISOString() ?? null,
    user.source.direct,
    user.source.groups.map((group) => group.displayName).join('; '),
    user.source.selfService,
    freesSeat(user.source),
  ]);
