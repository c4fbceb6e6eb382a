import { createCatalogue, mergeCatalogues, type Catalogue, type CatalogueData } from '../domain/catalogue.js';
import type { AuditEntry } from '../domain/audit.js';
import type { RequestContext } from '../domain/context.js';
import { validateCustomCatalogue } from '../domain/custom-catalogue.js';
import type { Repositories } from '../db/repositories/index.js';
import type { ServiceDeps } from './deps.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';
import { reapplyGroupLicensing, recordGroupOutcomes } from './group-reapply.js';

// Microsoft's catalogue is indexed once per process, not per request.
const indexedBases = new WeakMap<CatalogueData, Catalogue>();

/** A tenant's effective catalogue: Microsoft's (in memory, shipped in catalogue/) plus its own products. */
export async function loadTenantCatalogue(microsoft: CatalogueData, repos: Repositories): Promise<Catalogue> {
  let base = indexedBases.get(microsoft);
  if (base === undefined) {
    base = createCatalogue(microsoft);
    indexedBases.set(microsoft, base);
  }
  return mergeCatalogues(base, await repos.catalogue.load());
}

export function createCatalogueService(deps: ServiceDeps) {
  return {
    async getCatalogue(context: RequestContext): Promise<Catalogue> {
      return loadTenantCatalogue(deps.microsoftCatalogue, tenantRepositories(deps.db, context));
    },

    /**
     * Adds a tenant's own products, service plans and rules (the custom catalogue file format,
     * contracts/custom-catalogue.ts). All or nothing: any problem rejects the whole file, listing
     * every problem with its place in the file.
     * @throws invalidRequest with one detail per problem.
     */
    async importCustomCatalogue(context: RequestContext, input: unknown): Promise<CatalogueData> {
      return inTenantTransaction(deps.db, context, async (repos, trx) => {
        // Checked against everything the tenant already has, so ids and names stay unique.
        const existing = await loadTenantCatalogue(deps.microsoftCatalogue, repos);
        const { data } = validateCustomCatalogue(input, existing);
        await repos.catalogue.insert(data);
        const entries: AuditEntry[] = data.skus.map((sku) => ({
          category: 'CatalogueManagement',
          activity: 'Add product',
          target: { type: 'Product', id: sku.skuId, name: sku.displayName },
          changes: [{ property: 'ServicePlans', before: null, after: sku.servicePlanIds }],
        }));
        if (data.rules.length > 0 || entries.length === 0) {
          entries.push({
            category: 'CatalogueManagement',
            activity: 'Add license rules',
            target: { type: 'Catalogue', id: null, name: 'Custom catalogue' },
            changes: [{ property: 'Rules', before: null, after: data.rules }],
          });
        }
        await repos.audit.record(context, entries, deps.clock.now(), deps.ids);
        // New rules may put group contributions in conflict: their holders are re-evaluated at once.
        if (data.rules.length > 0) {
          const { plan } = await reapplyGroupLicensing(deps, repos, trx, await repos.groupLicensing.usersWithGroupRows());
          await recordGroupOutcomes(deps, repos, context, plan, 'catalogue rules');
        }
        return data;
      });
    },
  };
}

export type CatalogueService = ReturnType<typeof createCatalogueService>;
