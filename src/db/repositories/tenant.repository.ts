import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface Tenant {
  tenantId: string;
  displayName: string;
  defaultUsageLocation: string | null;
  createdAt: Date;
  domains: { domain: string; isDefault: boolean; isInitial: boolean }[];
}

/** The tenant directory. Lookups by id or domain are the only queries here without a tenant scope. */
export function createTenantDirectory(db: Kysely<Database>) {
  const withDomains = async (tenantIds: readonly string[]): Promise<Tenant[]> => {
    if (tenantIds.length === 0) {
      return [];
    }
    const tenants = await db.selectFrom('tenant').selectAll().where('tenant_id', 'in', [...tenantIds]).orderBy('created_at').execute();
    const domains = await db.selectFrom('tenant_domain').selectAll().where('tenant_id', 'in', [...tenantIds]).orderBy('domain').execute();
    return tenants.map((tenant) => ({
      tenantId: tenant.tenant_id,
      displayName: tenant.display_name,
      defaultUsageLocation: tenant.default_usage_location,
      createdAt: new Date(tenant.created_at),
      domains: domains
        .filter((domain) => domain.tenant_id === tenant.tenant_id)
        .map((domain) => ({ domain: domain.domain, isDefault: domain.is_default, isInitial: domain.is_initial })),
    }));
  };
  return {
    async findById(tenantId: string): Promise<Tenant | undefined> {
      return (await withDomains([tenantId]))[0];
    },
    async findByDomain(domain: string): Promise<Tenant | undefined> {
      const row = await db.selectFrom('tenant_domain').select('tenant_id').where('domain', '=', domain.toLowerCase()).executeTakeFirst();
      return row ? (await withDomains([row.tenant_id]))[0] : undefined;
    },
    async list(): Promise<Tenant[]> {
      const rows = await db.selectFrom('tenant').select('tenant_id').orderBy('created_at').execute();
      return withDomains(rows.map((row) => row.tenant_id));
    },
    async insert(tenant: Omit<Tenant, 'createdAt'>, createdAt: Date): Promise<void> {
      await db
        .insertInto('tenant')
        .values({
          tenant_id: tenant.tenantId,
          display_name: tenant.displayName,
          default_usage_location: tenant.defaultUsageLocation,
          created_at: createdAt,
        })
        .execute();
      await db
        .insertInto('tenant_domain')
        .values(
          tenant.domains.map((domain) => ({
            tenant_id: tenant.tenantId,
            domain: domain.domain.toLowerCase(),
            is_default: domain.isDefault,
            is_initial: domain.isInitial,
          })),
        )
        .execute();
    },
  };
}

export type TenantDirectory = ReturnType<typeof createTenantDirectory>;

/** Company-wide settings an admin may change (columns of the tenant row). */
export interface TenantSettings {
  /** Licensing a guest needs a Global Administrator (on by default). */
  guestLicensingRequiresGlobalAdmin: boolean;
}

/** The caller's tenant's settings. */
export function createTenantSettingsRepository(db: Kysely<Database>, tenantId: string) {
  return {
    async get(): Promise<TenantSettings> {
      const row = await db.selectFrom('tenant').select('guest_licensing_requires_global_admin').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
      return { guestLicensingRequiresGlobalAdmin: row.guest_licensing_requires_global_admin };
    },

    /** Locks the settings for a read-modify-write (FOR NO KEY UPDATE: rows referencing the tenant stay insertable). */
    async lock(): Promise<TenantSettings> {
      const row = await db
        .selectFrom('tenant')
        .select('guest_licensing_requires_global_admin')
        .where('tenant_id', '=', tenantId)
        .forNoKeyUpdate()
        .executeTakeFirstOrThrow();
      return { guestLicensingRequiresGlobalAdmin: row.guest_licensing_requires_global_admin };
    },

    async update(patch: Partial<TenantSettings>): Promise<void> {
      if (patch.guestLicensingRequiresGlobalAdmin === undefined) {
        return;
      }
      await db.updateTable('tenant').set({ guest_licensing_requires_global_admin: patch.guestLicensingRequiresGlobalAdmin }).where('tenant_id', '=', tenantId).execute();
    },
  };
}

export type TenantSettingsRepository = ReturnType<typeof createTenantSettingsRepository>;
