import { describe, expect, it } from 'vitest';
import { parseRoleAssignmentFilter } from './role-assignment-filter.js';

const USER = '11111111-2222-4333-8444-555555555555';
const GA = '62e90394-69f5-4237-9190-012177145e10';

describe('role assignment $filter', () => {
  it('reads principalId, roleDefinitionId and both joined by and', () => {
    expect(parseRoleAssignmentFilter(undefined)).toEqual({});
    expect(parseRoleAssignmentFilter(`principalId eq '${USER.toUpperCase()}'`)).toEqual({ principalId: USER });
    expect(parseRoleAssignmentFilter(`roleDefinitionId eq '${GA}' and principalId eq '${USER}'`)).toEqual({ principalId: USER, roleDefinitionId: GA });
  });

  it('refuses other properties and operators as unsupported, and a value that is not a GUID as invalid', () => {
    for (const filter of [`directoryScopeId eq '/'`, `principalId ne '${USER}'`, `principalId eq '${USER}' or roleDefinitionId eq '${GA}'`, `principalId eq '${USER}' and principalId eq '${USER}'`]) {
      expect(() => parseRoleAssignmentFilter(filter)).toThrow('Unsupported Query.');
    }
    expect(() => parseRoleAssignmentFilter("principalId eq 'anna'")).toThrow("Invalid object identifier 'anna'.");
  });
});
