import type { RequestContext } from '../domain/context.js';
import { attentionItems, type AttentionItem, type ProductUsage } from '../domain/product-settings.js';
import type { ServiceDeps } from './deps.js';
import { createLicenseAdminService } from './license-admin.service.js';
import { tenantRepositories } from './transaction.js';

/** Groups with license errors listed on the Home page (the groups page lists them all). */
const GROUPS_WITH_ERRORS_SHOWN = 50;

export interface Overview {
  products: ProductUsage[];
  needsAttention: AttentionItem[];
}

/** The admin center's Home page: seat usage per product and what needs attention. */
export function createOverviewService(deps: ServiceDeps) {
  const licenseAdmin = createLicenseAdminService(deps);
  return {
    async get(context: RequestContext): Promise<Overview> {
      const repos = tenantRepositories(deps.db, context);
      const [overview, groupsWithErrors] = await Promise.all([licenseAdmin.overview(context), repos.reclaim.groupsWithLicenseErrors(GROUPS_WITH_ERRORS_SHOWN)]);
      const settings = await repos.productSettings.findMany(overview.map((product) => product.sku.skuId));
      const products: ProductUsage[] = overview.map((product) => ({
        skuId: product.sku.skuId,
        skuPartNumber: product.sku.skuPartNumber,
        displayName: product.sku.displayName,
        assigned: product.assigned,
        available: product.available,
        total: product.total,
        lowSeatThreshold: settings.get(product.sku.skuId)?.lowSeatThreshold ?? null,
        subscriptions: product.subscriptions,
      }));
      return { products, needsAttention: attentionItems(products, groupsWithErrors, deps.clock.now()) };
    },
  };
}

export type OverviewService = ReturnType<typeof createOverviewService>;
