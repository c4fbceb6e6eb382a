import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { createActivityRepository } from './activity.repository.js';
import { createAppRepository } from './app.repository.js';
import { createAssignmentRepository } from './assignment.repository.js';
import { createAuditRepository } from './audit.repository.js';
import { createCatalogueRepository } from './catalogue.repository.js';
import { createCredentialRepository } from './credential.repository.js';
import { createDataHoldRepository } from './data-hold.repository.js';
import { createEventRepository } from './event.repository.js';
import { createGroupRepository } from './group.repository.js';
import { createGroupLicensingRepository } from './group-licensing.repository.js';
import { createIdempotencyRepository } from './idempotency.repository.js';
import { createInvitationRepository } from './invitation.repository.js';
import { createProductSettingRepository } from './product-setting.repository.js';
import { createReclaimRepository } from './reclaim.repository.js';
import { createSigningKeyRepository } from './signing-key.repository.js';
import { createRoleAssignmentRepository } from './role-assignment.repository.js';
import { createSessionRepository } from './session.repository.js';
import { createSubscriptionRepository } from './subscription.repository.js';
import { createTenantSettingsRepository } from './tenant.repository.js';
import { createUserDataRepository } from './user-data.repository.js';
import { createUserListRepository } from './user-list.repository.js';
import { createUserRepository } from './user.repository.js';
import { createWebhookRepository } from './webhook.repository.js';

/**
 * Every repository of tenant data, bound to one tenant and one connection or transaction. This is
 * the only way services reach tenant tables, so no query can forget its tenant.
 */
export function createRepositories(db: Kysely<Database>, tenantId: string) {
  return {
    tenantId,
    users: createUserRepository(db, tenantId),
    userList: createUserListRepository(db, tenantId),
    subscriptions: createSubscriptionRepository(db, tenantId),
    assignments: createAssignmentRepository(db, tenantId),
    catalogue: createCatalogueRepository(db, tenantId),
    audit: createAuditRepository(db, tenantId),
    idempotency: createIdempotencyRepository(db, tenantId),
    credentials: createCredentialRepository(db, tenantId),
    roleAssignments: createRoleAssignmentRepository(db, tenantId),
    sessions: createSessionRepository(db, tenantId),
    invitations: createInvitationRepository(db, tenantId),
    settings: createTenantSettingsRepository(db, tenantId),
    apps: createAppRepository(db, tenantId),
    signingKeys: createSigningKeyRepository(db, tenantId),
    groups: createGroupRepository(db, tenantId),
    groupLicensing: createGroupLicensingRepository(db, tenantId),
    events: createEventRepository(db, tenantId),
    userData: createUserDataRepository(db, tenantId),
    dataHolds: createDataHoldRepository(db, tenantId),
    webhooks: createWebhookRepository(db, tenantId),
    productSettings: createProductSettingRepository(db, tenantId),
    activity: createActivityRepository(db, tenantId),
    reclaim: createReclaimRepository(db, tenantId),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
export { createTenantDirectory, type Tenant, type TenantDirectory, type TenantSettings } from './tenant.repository.js';
