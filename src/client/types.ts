/**
 * Response shapes of the endpoints the web app calls. Request bodies come from src/contracts (the
 * zod schemas the server validates with); responses are shaped by the server's presenters and
 * restated here as the wire format.
 */

export interface SignedInUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
}

export interface SignInResult {
  user: SignedInUser;
  roles: string[];
  csrfToken: string;
  mustChangePassword: boolean;
  expiresDateTime: string;
}

export interface Session extends SignInResult {
  allowedActions: string[];
  tenant: { id: string; displayName: string; domain: string };
}

export interface SubscriptionSummary {
  id: string;
  skuId: string;
  totalLicenses: number;
  consumedUnits: number;
  status: string;
  isTrial: boolean;
  channel: string;
  termEndDateTime: string | null;
}

export interface ProductOverview {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  appliesTo: string;
  origin: string;
  assigned: number;
  available: number;
  total: number;
  overAssignedBy: number;
  selfServiceUnits: number;
  waitingForSeat: { waiting: number; waitlisted: number };
  subscriptions: SubscriptionSummary[];
}

export interface AssignedLicense {
  skuId: string;
  disabledPlans: string[];
}

export interface LicenseAssignmentState {
  skuId: string;
  assignedByGroup: string | null;
  disabledPlans: string[];
  error: string;
  state: string;
  lastUpdatedDateTime: string | null;
}

export interface ProductUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  usageLocation: string | null;
  userType: string;
  license: { assignedLicenses: AssignedLicense[]; licenseAssignmentStates: LicenseAssignmentState[] };
}

export interface ProductUsersPage {
  count: number;
  skiptoken: string | null;
  value: ProductUser[];
}

/** One of a product's apps and services (GET /admin/licenses/{skuId}/services). */
export interface ProductService {
  servicePlanId: string;
  servicePlanName: string;
  friendlyName: string;
  appliesTo: string;
}

export interface DirectoryUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string | null;
}

export interface SeatDelta {
  skuId: string;
  displayName: string;
  delta: number;
  available: number;
  shortBy: number;
}

export interface BulkChangeResult {
  applied: boolean;
  canApply: boolean;
  seatDeltas: SeatDelta[];
  licensesToBuy: { skuId: string; displayName: string; count: number }[];
  users: {
    id: string;
    userPrincipalName: string;
    displayName: string;
    added: string[];
    removed: string[];
    kept: string[];
    servicesLost: unknown[];
    conflicts: unknown[];
  }[];
}
