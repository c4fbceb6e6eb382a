/** One audit record. Activity names follow Entra's audit vocabulary where it has one. */
export interface AuditEntry {
  category: 'UserManagement' | 'GroupManagement' | 'SubscriptionManagement' | 'CatalogueManagement' | 'DirectoryManagement' | 'ApplicationManagement' | 'KeyManagement' | 'RoleManagement' | 'Authentication' | 'WebhookManagement';
  activity: string;
  target: { type: 'User' | 'Group' | 'Subscription' | 'Product' | 'Catalogue' | 'Tenant' | 'Application' | 'SigningKey' | 'Webhook'; id: string | null; name: string | null };
  /** The changed properties with their values before and after. */
  changes: { property: string; before: unknown; after: unknown }[];
  /** Extra facts (counts for batch work, the users of a bulk change). */
  details?: Record<string, unknown>;
}
