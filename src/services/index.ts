import { createCatalogueService } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { createIdempotencyService } from './idempotency.service.js';
import { createLicenseAdminService } from './license-admin.service.js';
import { createLicensingService } from './licensing.service.js';
import { createSubscriptionService } from './subscription.service.js';
import { createTenantService } from './tenant.service.js';
import { createUserService } from './user.service.js';

/** Every use case of Allot, built from one set of dependencies (the composition root calls this). */
export function createServices(deps: ServiceDeps) {
  return {
    tenants: createTenantService(deps),
    catalogue: createCatalogueService(deps),
    users: createUserService(deps),
    licensing: createLicensingService(deps),
    subscriptions: createSubscriptionService(deps),
    licenseAdmin: createLicenseAdminService(deps),
    idempotency: createIdempotencyService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
export type { ServiceDeps };
