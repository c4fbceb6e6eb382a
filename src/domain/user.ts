/** A directory user as the services see it (the presenter turns it into Graph's user). */
export interface DirectoryUser {
  userId: string;
  userPrincipalName: string;
  displayName: string;
  mail: string | null;
  mailNickname: string;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  department: string | null;
  userType: 'Member' | 'Guest';
  accountEnabled: boolean;
  usageLocation: string | null;
  creationType: string | null;
  externalUserState: string | null;
  /** When externalUserState last changed (invited, redeemed, reset). */
  externalUserStateChangedAt: Date | null;
  createdAt: Date;
  deletedAt: Date | null;
  /** Bumped on every change of the user's licenses: the version admin edits are based on. */
  licenseVersion: number;
}

/** Properties a client may set (POST/PATCH /users). */
export type UserProperties = Omit<DirectoryUser, 'userId' | 'createdAt' | 'deletedAt' | 'licenseVersion' | 'creationType' | 'externalUserState' | 'externalUserStateChangedAt'>;

/** Soft-deleted users stay restorable this long (then the job runner purges them). */
export const SOFT_DELETE_RETENTION_DAYS = 30;
