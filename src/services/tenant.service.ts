import type { RequestContext } from '../domain/context.js';
import { AppError, orNotFound } from '../domain/errors.js';
import { isGuid } from '../domain/ids.js';
import { createTenantDirectory, type Tenant } from '../db/repositories/index.js';
import type { ServiceDeps } from './deps.js';
import { inTenantTransaction } from './transaction.js';

export interface CreateTenantInput {
  tenantId?: string;
  displayName: string;
  /** The initial domain, e.g. contoso.onmicrosoft.com. */
  domain: string;
  defaultUsageLocation: string | null;
}

export function createTenantService(deps: ServiceDeps) {
  const directory = createTenantDirectory(deps.db);
  return {
    /** A tenant by id or verified domain. */
    async findTenant(key: string): Promise<Tenant | undefined> {
      return isGuid(key) ? directory.findById(key.toLowerCase()) : directory.findByDomain(key);
    },

    async getTenant(tenantId: string): Promise<Tenant> {
      return orNotFound(await directory.findById(tenantId), tenantId);
    },

    async listTenants(): Promise<Tenant[]> {
      return directory.list();
    },

    async createTenant(context: Omit<RequestContext, 'tenantId'>, input: CreateTenantInput): Promise<Tenant> {
      const tenantId = input.tenantId ?? deps.ids();
      const domain = input.domain.toLowerCase();
      if (await directory.findByDomain(domain)) {
        throw new AppError('alreadyExists', `The domain ${domain} already belongs to a tenant.`);
      }
      return inTenantTransaction(deps.db, { tenantId }, async (repos, trx) => {
        const at = deps.clock.now();
        await createTenantDirectory(trx).insert(
          {
            tenantId,
            displayName: input.displayName,
            defaultUsageLocation: input.defaultUsageLocation,
            domains: [{ domain, isDefault: true, isInitial: true }],
          },
          at,
        );
        await repos.audit.record(
          { ...context, tenantId },
          [
            {
              category: 'DirectoryManagement',
              activity: 'Create company',
              target: { type: 'Tenant', id: tenantId, name: input.displayName },
              changes: [{ property: 'DisplayName', before: null, after: input.displayName }],
              details: { domain },
            },
          ],
          at,
          deps.ids,
        );
        return orNotFound(await createTenantDirectory(trx).findById(tenantId), tenantId);
      });
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;
