import type { RequestContext } from '../domain/context.js';
import { AppError } from '../domain/errors.js';
import { isGuid } from '../domain/ids.js';
import type { AuditCursor, AuditFilter, AuditRecord } from '../db/repositories/audit.repository.js';
import type { HolderAt } from '../db/repositories/assignment.repository.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { tenantRepositories } from './transaction.js';

export type { AuditFilter, AuditRecord } from '../db/repositories/audit.repository.js';

export interface AuditPage {
  entries: AuditRecord[];
  /** Opaque token of the next page, when there is one. */
  nextSkipToken?: string;
}

export interface LicenseHolder extends HolderAt {
  /** The product as the tenant's catalogue names it (null if it left the catalogue). */
  sku: { skuPartNumber: string; displayName: string } | null;
}

export interface LicenseHoldersPage {
  holders: LicenseHolder[];
  nextSkipToken?: string;
}

/** A token carries where the page ended and a fingerprint of the query that issued it. */
const encodeToken = (position: unknown, fingerprint: string): string => Buffer.from(JSON.stringify({ p: position, q: fingerprint })).toString('base64url');

function decodeToken<T>(token: string, fingerprint: string, isPosition: (value: unknown) => value is T): T {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { p?: unknown; q?: unknown };
    if (parsed.q === fingerprint && isPosition(parsed.p)) {
      return parsed.p;
    }
  } catch {
    // fall through: any undecodable token is answered the same way
  }
  throw new AppError('invalidRequest', 'The $skiptoken is invalid or belongs to another query. Request the first page again.', [
    { code: 'InvalidValue', target: '$skiptoken', message: 'Send the @odata.nextLink of the previous page unchanged, with the same filters.' },
  ]);
}

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});

const isAuditCursor = (value: unknown): value is AuditCursor => {
  const { occurredAt, auditId } = record(value);
  return typeof occurredAt === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(occurredAt) && typeof auditId === 'string' && isGuid(auditId);
};

const isHolderCursor = (value: unknown): value is { userId: string; skuId: string } => {
  const { userId, skuId } = record(value);
  return typeof userId === 'string' && isGuid(userId) && typeof skuId === 'string' && isGuid(skuId);
};

/** Reading the audit log and the assignment history (the writes happen in every other service). */
export function createAuditService(deps: ServiceDeps) {
  return {
    /** One page of the tenant's audit entries, newest first. */
    async list(context: RequestContext, query: { filter: AuditFilter; top: number; skipToken?: string }): Promise<AuditPage> {
      const fingerprint = JSON.stringify(query.filter);
      const after = query.skipToken === undefined ? undefined : decodeToken(query.skipToken, fingerprint, isAuditCursor);
      const page = await tenantRepositories(deps.db, context).audit.page(query.filter, query.top, after);
      return { entries: page.records, ...(page.next ? { nextSkipToken: encodeToken(page.next, fingerprint) } : {}) };
    },

    /**
     * Who held which product at `at`, from the assignment history, so group, rule-based and
     * lifecycle changes answer as well as direct ones.
     */
    async licenseHoldersAt(context: RequestContext, query: { at: Date; skuId?: string; top: number; skipToken?: string }): Promise<LicenseHoldersPage> {
      const fingerprint = JSON.stringify([query.at, query.skuId ?? null]);
      const after = query.skipToken === undefined ? undefined : decodeToken(query.skipToken, fingerprint, isHolderCursor);
      const repos = tenantRepositories(deps.db, context);
      const [page, catalogue] = await Promise.all([
        repos.assignments.holdersAt({ at: query.at, top: query.top, ...(query.skuId === undefined ? {} : { skuId: query.skuId }), ...(after ? { after } : {}) }),
        loadTenantCatalogue(deps.microsoftCatalogue, repos),
      ]);
      return {
        holders: page.holders.map((holder) => {
          const sku = catalogue.findSku(holder.skuId);
          return { ...holder, sku: sku ? { skuPartNumber: sku.skuPartNumber, displayName: sku.displayName } : null };
        }),
        ...(page.next ? { nextSkipToken: encodeToken(page.next, fingerprint) } : {}),
      };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
