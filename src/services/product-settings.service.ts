import type { Sku } from '../domain/catalogue.js';
import { requireAllowed, type RequestContext } from '../domain/context.js';
import { AppError, invalidRequest, notFound } from '../domain/errors.js';
import { actionsForPatch, applySettingsPatch, defaultProductSettings, selfServicePurchaseRefusal, settingsChanges, type ProductSettings, type ProductSettingsPatch } from '../domain/product-settings.js';
import type { Repositories } from '../db/repositories/index.js';
import { loadTenantCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { inTenantTransaction, tenantRepositories } from './transaction.js';

export interface ProductWithSettings {
  sku: Sku;
  settings: ProductSettings;
}

/**
 * Refuses a self-service purchase the product's policy does not allow (deny, or trialsOnly for a
 * paid subscription). Called where self-service subscriptions are recorded, in their transaction.
 * @throws invalidRequest naming the policy
 */
export async function requireSelfServicePurchaseAllowed(repos: Repositories, skuId: string, isTrial: boolean): Promise<void> {
  const settings = await repos.productSettings.find(skuId.toLowerCase());
  const refusal = selfServicePurchaseRefusal(settings.selfServicePolicy, isTrial);
  if (refusal !== undefined) {
    throw new AppError('invalidRequest', refusal, [{ code: 'SelfServicePurchaseNotAllowed', target: skuId, message: `The product's self-service purchase policy is '${settings.selfServicePolicy}'.` }]);
  }
}

/** Per-product settings (Billing > Your products > a product's settings; self-service policy). */
export function createProductSettingsService(deps: ServiceDeps) {
  /** The product in the tenant's catalogue, or Graph's 404. */
  const skuOf = async (repos: Repositories, skuId: string): Promise<Sku> => {
    const sku = (await loadTenantCatalogue(deps.microsoftCatalogue, repos)).findSku(skuId);
    if (!sku) {
      throw notFound(skuId);
    }
    return sku;
  };

  return {
    /** Every product the tenant has subscriptions for, with its settings, by display name. */
    async list(context: RequestContext): Promise<ProductWithSettings[]> {
      const repos = tenantRepositories(deps.db, context);
      const [catalogue, skuIds] = await Promise.all([loadTenantCatalogue(deps.microsoftCatalogue, repos), repos.subscriptions.listSkuIds()]);
      const stored = await repos.productSettings.findMany(skuIds);
      return skuIds
        .map((skuId) => catalogue.findSku(skuId))
        .filter((sku): sku is Sku => sku !== undefined)
        .map((sku) => ({ sku, settings: stored.get(sku.skuId) ?? defaultProductSettings(sku.skuId) }))
        .sort((a, b) => a.sku.displayName.localeCompare(b.sku.displayName) || a.sku.skuId.localeCompare(b.sku.skuId));
    },

    /** @throws notFound when the product is not in the tenant's catalogue */
    async get(context: RequestContext, skuId: string): Promise<ProductWithSettings> {
      const repos = tenantRepositories(deps.db, context);
      const sku = await skuOf(repos, skuId);
      return { sku, settings: await repos.productSettings.find(sku.skuId) };
    },

    /**
     * Changes the settings given. The purchase policy needs a Global Administrator, the other
     * fields subscription management; an unchanged value writes no audit row.
     * @throws forbidden, notFound, invalidRequest (a price without a currency)
     */
    async update(context: RequestContext, skuId: string, patch: ProductSettingsPatch): Promise<ProductWithSettings> {
      const actions = actionsForPatch(patch);
      if (actions.length === 0) {
        const repos = tenantRepositories(deps.db, context);
        const sku = await skuOf(repos, skuId);
        return { sku, settings: await repos.productSettings.find(sku.skuId) };
      }
      let allowed = context;
      for (const action of actions) {
        allowed = requireAllowed(allowed, { action });
      }
      return inTenantTransaction(deps.db, allowed, async (repos) => {
        const sku = await skuOf(repos, skuId);
        const at = deps.clock.now();
        const before = await repos.productSettings.lock(sku.skuId, at);
        const result = applySettingsPatch(before, patch);
        if ('problem' in result) {
          throw invalidRequest(result.problem, [{ code: 'InvalidValue', target: 'currency', message: result.problem }]);
        }
        const changes = settingsChanges(before, result.after);
        if (changes.length === 0) {
          return { sku, settings: before };
        }
        await repos.productSettings.save(result.after, at);
        await repos.audit.record(
          allowed,
          [{ category: 'SubscriptionManagement', activity: 'Update product settings', target: { type: 'Product', id: sku.skuId, name: sku.skuPartNumber }, changes }],
          at,
          deps.ids,
        );
        return { sku, settings: result.after };
      });
    },
  };
}

export type ProductSettingsService = ReturnType<typeof createProductSettingsService>;
