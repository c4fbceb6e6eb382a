import { AppError } from '../errors.js';
import { isGuid, normalizeGuid } from '../ids.js';

/** What GET /roleManagement/directory/roleAssignments may filter on (Graph's common filters). */
export interface RoleAssignmentFilter {
  principalId?: string;
  roleDefinitionId?: string;
}

const CLAUSE = /^\s*(principalId|roleDefinitionId)\s+eq\s+'([^']*)'\s*$/i;

/**
 * Parses `principalId eq '…'`, `roleDefinitionId eq '…'` or both joined by `and`.
 * @throws unsupportedQuery for any other filter; invalidRequest for a value that is not a GUID
 */
export function parseRoleAssignmentFilter(filter: string | undefined): RoleAssignmentFilter {
  if (filter === undefined || filter.trim() === '') {
    return {};
  }
  const result: RoleAssignmentFilter = {};
  for (const clause of filter.split(/\s+and\s+/i)) {
    const match = CLAUSE.exec(clause);
    const property = match?.[1]?.toLowerCase() === 'principalid' ? 'principalId' : 'roleDefinitionId';
    const value = match?.[2];
    if (!match || value === undefined || result[property] !== undefined) {
      throw new AppError('unsupportedQuery', 'Unsupported Query.', [
        { code: 'Request_UnsupportedQuery', target: '$filter', message: "Filter role assignments with principalId eq '<id>', roleDefinitionId eq '<id>', or both joined by and." },
      ]);
    }
    if (!isGuid(value)) {
      throw new AppError('invalidRequest', `Invalid object identifier '${value.slice(0, 64)}'.`);
    }
    result[property] = normalizeGuid(value);
  }
  return result;
}
