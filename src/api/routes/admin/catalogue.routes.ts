import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CustomCatalogueSchema } from '../../../contracts/custom-catalogue.js';
import type { RouteDeps } from '../route-deps.js';

/** The tenant's catalogue: Microsoft's products plus its own (custom catalogue file format). */
export function adminCatalogueRoutes(app: FastifyInstance, { services }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['admin: catalogue'];

  api.get('/admin/catalogue/products', { config: { action: 'catalogue.read' }, schema: { tags, summary: "The tenant's own products, plans and rules" } }, async (request) => {
    const catalogue = await services.catalogue.getCatalogue(request.context);
    const custom = catalogue.skus.filter((sku) => sku.origin === 'custom');
    const planIds = new Set(custom.flatMap((sku) => sku.servicePlanIds));
    return {
      products: custom,
      // null: the data class's default retention (30 days).
      servicePlans: catalogue.plans.filter((plan) => planIds.has(plan.servicePlanId)).map((plan) => ({ ...plan, dataRetentionDays: plan.dataRetentionDays ?? null })),
      rules: catalogue.rules.filter((rule) => (rule.kind === 'mutuallyExclusive' ? rule.planIds : [rule.servicePlanId, ...rule.requiredPlanIds]).some((id) => planIds.has(id))),
    };
  });

  // The body is validated by the domain (all problems at once, with their place in the file), so
  // the route schema only documents it.
  api.post('/admin/catalogue', { config: { action: 'catalogue.manage' }, schema: { body: CustomCatalogueSchema.optional(), tags, summary: 'Import products, service plans and rules (all or nothing)' }, validatorCompiler: () => (data: unknown) => ({ value: data }) }, async (request, reply) => {
    const data = await services.catalogue.importCustomCatalogue(request.context, request.body);
    return reply.status(201).send({ products: data.skus.length, servicePlans: data.plans.length, rules: data.rules.length });
  });
}
