import type { z } from 'zod';
import type { CreateHoldRequestSchema } from '../contracts/data.js';
import type { Send } from './billing-groups.js';

/**
 * The client's calls for Settings › Data retention: litigation holds and retention policies, the
 * users' data records by state, and one user's data; wire shapes restated from the server's
 * presenters. api-client.ts spreads them into the client.
 */

export type DataClass = 'mailbox' | 'files';
export type DataState = 'Licensed' | 'Unlicensed' | 'Grace' | 'Retained' | 'Inactive' | 'Purged';
export type HoldKind = 'litigationHold' | 'retentionPolicy';

/** A hold as created (POST /admin/data/holds) and as a record names it. */
export interface DataHold {
  id: string;
  kind: HoldKind;
  /** The user of a litigation hold; null for a retention policy (every user). */
  userId: string | null;
  dataClasses: DataClass[];
  name: string;
  createdDateTime: string;
}

/** A hold of the list, with its user's name (null for a retention policy, or a user purged since). */
export interface DataHoldListing extends DataHold {
  userDisplayName: string | null;
  userPrincipalName: string | null;
  userDeleted: boolean;
}

/** A user's data of one class that is not Licensed (GET /admin/data/records). */
export interface DataRecordRow {
  userId: string;
  userPrincipalName: string | null;
  displayName: string | null;
  userDeleted: boolean;
  dataClass: DataClass;
  state: Exclude<DataState, 'Licensed'>;
  since: string;
  /** When the grace ends (Grace only). */
  graceUntil: string | null;
  searchable: boolean;
  /** For a grace: what its end leads to with today's holds (Purged, Retained, Inactive). */
  afterGrace: DataState | null;
  holds: DataHold[];
}

export interface DataRecordsPage {
  value: DataRecordRow[];
  /** The next page's token, or null on the last. */
  skiptoken: string | null;
}

/** One user's mailbox and files (GET /admin/users/{id}/data); a held class reads Licensed. */
export interface UserData {
  userId: string;
  userPrincipalName: string | null;
  deleted: boolean;
  value: { dataClass: DataClass; state: DataState; since: string; graceUntil: string | null; searchable: boolean; lastSkuId: string | null; holds: DataHold[]; afterGrace: DataState | null }[];
}

const id = encodeURIComponent;

export function dataRetentionCalls(send: Send) {
  return {
    listHolds: async () => (await send<{ value: DataHoldListing[] }>('GET', '/admin/data/holds')).value,
    createHold: (body: z.input<typeof CreateHoldRequestSchema>) => send<DataHold>('POST', '/admin/data/holds', body),
    deleteHold: (holdId: string) => send<void>('DELETE', `/admin/data/holds/${id(holdId)}`),
    listDataRecords: (query: { state?: Exclude<DataState, 'Licensed'>; top: number; skiptoken?: string }) => {
      const search = new URLSearchParams({ top: String(query.top) });
      if (query.state !== undefined) {
        search.set('state', query.state);
      }
      if (query.skiptoken !== undefined) {
        search.set('skiptoken', query.skiptoken);
      }
      return send<DataRecordsPage>('GET', `/admin/data/records?${search.toString()}`);
    },
    getUserData: (userId: string) => send<UserData>('GET', `/admin/users/${id(userId)}/data`),
  };
}
