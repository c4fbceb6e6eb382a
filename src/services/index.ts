import { createAdminService } from './admin.service.js';
import { createAppService } from './app.service.js';
import { createAuditService } from './audit.service.js';
import { createDataLifecycleService } from './data-lifecycle.service.js';
import { createCatalogueService } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { createGroupLicensingService } from './group-licensing.service.js';
import { createGroupService } from './group.service.js';
import { createIdempotencyService } from './idempotency.service.js';
import { createInvitationService } from './invitation.service.js';
import { createLicenseAdminService } from './license-admin.service.js';
import { createLicensingService } from './licensing.service.js';
import { createOverviewService } from './overview.service.js';
import { createProductSettingsService } from './product-settings.service.js';
import { createReclaimService } from './reclaim.service.js';
import { createSessionService } from './session.service.js';
import { createSettingsService } from './settings.service.js';
import { createSubscriptionService } from './subscription.service.js';
import { createTenantService } from './tenant.service.js';
import { createTokenService } from './token.service.js';
import { createUserService } from './user.service.js';
import { createWebhookService } from './webhook.service.js';

/** Every use case of Allot, built from one set of dependencies (the composition root calls this). */
export function createServices(deps: ServiceDeps) {
  return {
    tenants: createTenantService(deps),
    catalogue: createCatalogueService(deps),
    users: createUserService(deps),
    groups: createGroupService(deps),
    licensing: createLicensingService(deps),
    groupLicensing: createGroupLicensingService(deps),
    subscriptions: createSubscriptionService(deps),
    licenseAdmin: createLicenseAdminService(deps),
    idempotency: createIdempotencyService(deps),
    invitations: createInvitationService(deps),
    settings: createSettingsService(deps),
    audit: createAuditService(deps),
    apps: createAppService(deps),
    tokens: createTokenService(deps),
    admins: createAdminService(deps),
    sessions: createSessionService(deps),
    dataLifecycle: createDataLifecycleService(deps, createUserService(deps)),
    webhooks: createWebhookService(deps),
    productSettings: createProductSettingsService(deps),
    reclaim: createReclaimService(deps),
    overview: createOverviewService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
export type { ServiceDeps };
