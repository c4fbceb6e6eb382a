/**
 * Wire shapes of the user endpoints the Users pages call (Graph's /v1.0/users, deleted items,
 * invitations, and Allot's /admin/users routes), restated from the server's presenters.
 */
import type { AssignedLicense, LicenseAssignmentState } from './types.js';

/** A row of Active users or Guest users (the properties the list selects). */
export interface UserRow {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  userType: string;
  accountEnabled: boolean;
  usageLocation: string | null;
  assignedLicenses: AssignedLicense[];
}

/** A user with every directory property, for the panel's Account tab. */
export interface UserDetails extends UserRow {
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  department: string | null;
  createdDateTime: string | null;
  externalUserState?: string | null;
}

export interface UsersPage {
  value: UserRow[];
  /** `@odata.count`: how many users match, over all pages. */
  count: number | undefined;
  /** The `$skiptoken` of the next page, from `@odata.nextLink`. */
  skiptoken: string | undefined;
}

/** GET /admin/users/{id}/licenses: the user's licenses and their sources; `etag` goes back in If-Match. */
export interface UserLicenses {
  version: number;
  etag: string;
  id: string;
  displayName: string;
  userPrincipalName: string;
  usageLocation: string | null;
  assignedLicenses: AssignedLicense[];
  licenseAssignmentStates: LicenseAssignmentState[];
}

export interface DataRecord {
  dataClass: string;
  state: string;
  since: string;
  graceUntil: string | null;
  searchable: boolean;
  lastSkuId: string | null;
  /** For data in Grace: what its grace's end leads to (Purged, Retained, Inactive). */
  afterGrace: string | null;
  holds: { id: string; kind: string; name: string }[];
}

/** POST /admin/users/{id}/delete/preview: what deleting the user would do (changes nothing). */
export interface DeletionPreview {
  userId: string;
  userPrincipalName: string;
  seatsFreed: number;
  deletedDateTime: string;
  permanentDeletionDateTime: string;
  data: DataRecord[];
}

export interface DeletedUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  userType: string;
  deletedDateTime: string;
}

export interface RestoredUser {
  id: string;
  displayName: string;
  '@allot.licensesNotRestored': { skuId: string; displayName: string }[];
}

export interface Invitation {
  id: string;
  inviteRedeemUrl: string;
  invitedUserEmailAddress: string;
  invitedUser: { id: string };
}

export interface BulkConflict {
  code?: string;
  message: string;
  target?: string;
}

/** The bulk route's dry run adds the data clocks that would start. */
export interface DataClock {
  userId: string;
  dataClass: string;
  graceUntil: string | null;
}

export interface OrganizationSettings {
  guestLicensingRequiresGlobalAdmin: boolean;
}
