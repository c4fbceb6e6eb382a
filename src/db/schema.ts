import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the tables created by the migrations (snake_case, as in SQL). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface TenantTable {
  tenant_id: string;
  display_name: string;
  default_usage_location: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  guest_licensing_requires_global_admin: Generated<boolean>;
}

export interface TenantDomainTable {
  tenant_id: string;
  domain: string;
  is_default: boolean;
  is_initial: boolean;
}

export interface DirectoryUserTable {
  tenant_id: string;
  user_id: string;
  user_principal_name: string;
  display_name: string;
  mail: string | null;
  mail_nickname: string;
  given_name: string | null;
  surname: string | null;
  job_title: string | null;
  department: string | null;
  user_type: 'Member' | 'Guest';
  account_enabled: boolean;
  usage_location: string | null;
  creation_type: string | null;
  external_user_state: string | null;
  external_user_state_changed_at: Timestamp | null;
  created_at: Timestamp;
  deleted_at: Timestamp | null;
  license_version: Generated<number>;
  last_sign_in_at: Timestamp | null;
}

export interface CatalogueSkuTable {
  tenant_id: string;
  sku_id: string;
  sku_part_number: string;
  display_name: string;
  applies_to: 'User' | 'Company';
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface CatalogueServicePlanTable {
  tenant_id: string;
  service_plan_id: string;
  service_plan_name: string;
  friendly_name: string;
  applies_to: 'User' | 'Company';
  service: string;
  data_class: string;
  data_retention_days: number | null;
  prohibited_usage_locations: string[];
}

export interface CatalogueSkuPlanTable {
  tenant_id: string;
  sku_id: string;
  service_plan_id: string;
}

export interface CatalogueRuleTable {
  tenant_id: string;
  rule_id: string;
  kind: 'mutuallyExclusive' | 'requiresOneOf';
  service_plan_id: string | null;
  related_plan_ids: string[];
  description: string | null;
}

export interface SubscriptionTable {
  tenant_id: string;
  subscription_id: string;
  commerce_subscription_id: string;
  sku_id: string;
  total_licenses: number;
  consumed_units: Generated<number>;
  status: 'Enabled' | 'Warning' | 'Suspended' | 'LockedOut' | 'Deleted';
  is_trial: boolean;
  channel: 'admin' | 'selfService';
  purchased_by_user_id: string | null;
  created_at: Timestamp;
  next_lifecycle_at: Timestamp | null;
  term_start_at: Timestamp;
  term_end_at: Timestamp | null;
  recurring_billing: Generated<boolean>;
  cancellation_window_days: Generated<number>;
  warning_days: Generated<number>;
  suspended_days: Generated<number>;
  trial_extended: Generated<boolean>;
  refund_eligible: Generated<boolean>;
  cancelled_at: Timestamp | null;
  status_changed_at: Timestamp;
  lifecycle_cause: string | null;
  over_assigned_since: Timestamp | null;
}

export interface SkuSeatTable {
  tenant_id: string;
  sku_id: string;
  consumed_units: Generated<number>;
}

export interface LicenseAssignmentTable {
  tenant_id: string;
  user_id: string;
  sku_id: string;
  source_id: string;
  disabled_plans: string[];
  state: 'Active' | 'ActiveWithError' | 'Disabled' | 'Error';
  error: string | null;
  assigned_at: Timestamp;
  updated_at: Timestamp;
}

export interface UserLicenseTable {
  tenant_id: string;
  user_id: string;
  sku_id: string;
  subscription_id: string;
  assigned_at: Timestamp;
}

export interface AssignmentHistoryTable {
  tenant_id: string;
  history_id: Generated<string>;
  user_id: string;
  sku_id: string;
  source_id: string;
  disabled_plans: string[];
  valid_from: Timestamp;
  valid_to: Timestamp | null;
}

export interface AuditLogTable {
  tenant_id: string;
  audit_id: string;
  occurred_at: Timestamp;
  category: string;
  activity: string;
  result: string;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  /** The role or application permission that allowed the change. */
  actor_authorization: string | null;
  target_type: string;
  target_id: string | null;
  target_name: string | null;
  changes: ColumnType<unknown, string, string>;
  details: ColumnType<unknown, string | null, string | null>;
  request_id: string | null;
  client_address: string | null;
}

export interface IdempotencyRecordTable {
  tenant_id: string;
  principal_id: string;
  idempotency_key: string;
  request_hash: string;
  response_status: number | null;
  response_body: ColumnType<unknown, string | null, string | null>;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface UserCredentialTable {
  tenant_id: string;
  user_id: string;
  password_hash: string;
  must_change: boolean;
  changed_at: Timestamp;
}

export interface RoleAssignmentTable {
  tenant_id: string;
  assignment_id: string;
  user_id: string;
  role_id: string;
  created_at: Timestamp;
}

export interface SignInSessionTable {
  tenant_id: string;
  session_id: string;
  user_id: string;
  secret_hash: string;
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  client_address: string | null;
}

export interface AppRegistrationTable {
  tenant_id: string;
  app_id: string;
  display_name: string;
  permissions: string[];
  created_at: Timestamp;
}

export interface AppSecretTable {
  tenant_id: string;
  app_id: string;
  key_id: string;
  display_name: string | null;
  hint: string;
  secret_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface SigningKeyTable {
  tenant_id: string;
  key_id: string;
  private_jwk: ColumnType<Record<string, unknown>, string, string>;
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  created_at: Timestamp;
  retired_at: Timestamp | null;
}

export interface InvitationTable {
  tenant_id: string;
  invitation_id: string;
  user_id: string;
  invited_email: string;
  redirect_url: string;
  redeem_secret_hash: string;
  status: 'PendingAcceptance' | 'Completed';
  created_at: Timestamp;
  redeemed_at: Timestamp | null;
}

export interface DirectoryGroupTable {
  tenant_id: string;
  group_id: string;
  display_name: string;
  description: string | null;
  mail_nickname: string;
  mail_enabled: boolean;
  security_enabled: boolean;
  group_types: string[];
  membership_rule: string | null;
  membership_rule_processing_state: 'On' | 'Paused' | null;
  license_processing_state: 'QueuedForProcessing' | 'ProcessingInProgress' | 'ProcessingComplete' | 'ProcessingFailed' | null;
  created_at: Timestamp;
}

export interface GroupMemberTable {
  tenant_id: string;
  group_id: string;
  member_id: string;
  member_type: 'user' | 'group';
  added_at: Timestamp;
}

export interface GroupLicenseTable {
  tenant_id: string;
  group_id: string;
  sku_id: string;
  disabled_plans: string[];
  waitlist: boolean;
  assigned_at: Timestamp;
}

export interface GroupLicenseJobTable {
  tenant_id: string;
  job_id: string;
  group_id: string;
  state: 'QueuedForProcessing' | 'ProcessingInProgress' | 'ProcessingComplete';
  total: number;
  processed: Generated<number>;
  succeeded: Generated<number>;
  failed: Generated<number>;
  cursor_added_at: Timestamp | null;
  cursor_member_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProductSettingTable {
  tenant_id: string;
  sku_id: string;
  self_service_policy: Generated<'allow' | 'trialsOnly' | 'deny'>;
  low_seat_threshold: number | null;
  low_seat_alerted_at: Timestamp | null;
  inactivity_days: Generated<number>;
  monthly_price: string | null;
  currency: string | null;
  updated_at: Timestamp;
}

export interface UserDataTable {
  tenant_id: string;
  user_id: string;
  data_class: 'mailbox' | 'files';
  state: 'Licensed' | 'Unlicensed' | 'Grace' | 'Retained' | 'Inactive' | 'Purged';
  since: Timestamp;
  grace_until: Timestamp | null;
  last_sku_id: string | null;
}

export interface DataHoldTable {
  tenant_id: string;
  hold_id: string;
  kind: 'litigationHold' | 'retentionPolicy';
  user_id: string | null;
  data_classes: string[];
  name: string;
  created_at: Timestamp;
}

export interface EventOutboxTable {
  tenant_id: string;
  event_id: string;
  sequence: ColumnType<string, never, never>;
  type: string;
  occurred_at: Timestamp;
  payload: ColumnType<unknown, string, string>;
}

export interface WebhookTable {
  tenant_id: string;
  webhook_id: string;
  url: string;
  event_types: string[];
  description: string | null;
  signing_secret: string;
  enabled: Generated<boolean>;
  created_at: Timestamp;
}

export interface WebhookDeliveryTable {
  tenant_id: string;
  delivery_id: string;
  webhook_id: string;
  event_id: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
}

export interface WebhookAttemptTable {
  tenant_id: string;
  attempt_id: string;
  delivery_id: string;
  attempted_at: Timestamp;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface PlanActivityTable {
  tenant_id: string;
  user_id: string;
  service_plan_id: string;
  last_active_at: Timestamp;
}

export interface Database {
  tenant: TenantTable;
  tenant_domain: TenantDomainTable;
  directory_user: DirectoryUserTable;
  catalogue_sku: CatalogueSkuTable;
  catalogue_service_plan: CatalogueServicePlanTable;
  catalogue_sku_plan: CatalogueSkuPlanTable;
  catalogue_rule: CatalogueRuleTable;
  subscription: SubscriptionTable;
  sku_seat: SkuSeatTable;
  license_assignment: LicenseAssignmentTable;
  user_license: UserLicenseTable;
  assignment_history: AssignmentHistoryTable;
  audit_log: AuditLogTable;
  idempotency_record: IdempotencyRecordTable;
  user_credential: UserCredentialTable;
  role_assignment: RoleAssignmentTable;
  sign_in_session: SignInSessionTable;
  app_registration: AppRegistrationTable;
  app_secret: AppSecretTable;
  signing_key: SigningKeyTable;
  invitation: InvitationTable;
  directory_group: DirectoryGroupTable;
  group_member: GroupMemberTable;
  group_license: GroupLicenseTable;
  group_license_job: GroupLicenseJobTable;
  product_setting: ProductSettingTable;
  user_data: UserDataTable;
  data_hold: DataHoldTable;
  event_outbox: EventOutboxTable;
  webhook: WebhookTable;
  webhook_delivery: WebhookDeliveryTable;
  webhook_attempt: WebhookAttemptTable;
  plan_activity: PlanActivityTable;
}
