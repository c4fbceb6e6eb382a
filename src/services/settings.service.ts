import type { RequestContext } from '../domain/context.js';
import type { TenantSettings } from '../db/repositories/index.js';
import type { ServiceDeps } from './deps.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';

/** Company settings of the caller's tenant (the admin center's Org settings). */
export function createSettingsService(deps: ServiceDeps) {
  return {
    async get(context: RequestContext): Promise<TenantSettings> {
      return tenantRepositories(deps.db, context).settings.get();
    },

    /** Changes the settings given; an unchanged value writes nothing and no audit row. */
    async update(context: RequestContext, patch: Partial<TenantSettings>): Promise<TenantSettings> {
      return inTenantTransaction(deps.db, context, async (repos) => {
        const before = await repos.settings.lock();
        const changes = (Object.keys(patch) as (keyof TenantSettings)[])
          .filter((property) => patch[property] !== undefined && patch[property] !== before[property])
          .map((property) => ({ property, before: before[property], after: patch[property] }));
        if (changes.length === 0) {
          return before;
        }
        await repos.settings.update(patch);
        await repos.audit.record(
          context,
          [{ category: 'DirectoryManagement', activity: 'Update company settings', target: { type: 'Tenant', id: context.tenantId, name: null }, changes }],
          deps.clock.now(),
          deps.ids,
        );
        return repos.settings.get();
      });
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
