import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { parseGroupFilter, parseGroupQuery } from './group-query.js';

const SKU = '6fd2c87f-b296-42f0-b197-1e91e994b900';

function failure(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('parseGroupFilter', () => {
  it('parses the supported comparisons, case-insensitively in names', () => {
    expect(parseGroupFilter("displayName eq 'Sales'")).toEqual({ kind: 'stringEq', property: 'displayName', value: 'Sales' });
    expect(parseGroupFilter("MAILNICKNAME eq 'sales'")).toEqual({ kind: 'stringEq', property: 'mailNickname', value: 'sales' });
    expect(parseGroupFilter("startswith(displayName,'Sa')")).toEqual({ kind: 'startsWith', property: 'displayName', value: 'Sa' });
    expect(parseGroupFilter('securityEnabled eq true')).toEqual({ kind: 'booleanEq', property: 'securityEnabled', value: true });
    expect(parseGroupFilter('mailEnabled eq false')).toEqual({ kind: 'booleanEq', property: 'mailEnabled', value: false });
    expect(parseGroupFilter(`id eq '${SKU.toUpperCase()}'`)).toEqual({ kind: 'idEq', value: SKU });
    expect(parseGroupFilter('hasMembersWithLicenseErrors eq true')).toEqual({ kind: 'hasMembersWithLicenseErrors' });
  });

  it('parses the lambdas', () => {
    expect(parseGroupFilter("groupTypes/any(c:c eq 'unified')")).toEqual({ kind: 'groupTypeAny', groupType: 'Unified' });
    expect(parseGroupFilter("groupTypes/any(x:x eq 'DynamicMembership')")).toEqual({ kind: 'groupTypeAny', groupType: 'DynamicMembership' });
    expect(parseGroupFilter('assignedLicenses/any()')).toEqual({ kind: 'assignedLicenseAny' });
    expect(parseGroupFilter(`assignedLicenses/any(l:l/skuId eq ${SKU})`)).toEqual({ kind: 'assignedLicenseAny', skuId: SKU });
  });

  it('joins with and / or and parentheses (and binds tighter)', () => {
    expect(parseGroupFilter("securityEnabled eq true and (displayName eq 'a' or displayName eq 'b')")).toEqual({
      kind: 'and',
      operands: [
        { kind: 'booleanEq', property: 'securityEnabled', value: true },
        { kind: 'or', operands: [{ kind: 'stringEq', property: 'displayName', value: 'a' }, { kind: 'stringEq', property: 'displayName', value: 'b' }] },
      ],
    });
    expect(parseGroupFilter("displayName eq 'a' or displayName eq 'b' and mailEnabled eq true").kind).toBe('or');
  });

  it('answers valid OData it does not support with unsupportedQuery', () => {
    for (const filter of ["displayName ne 'a'", "not(displayName eq 'a')", "endswith(displayName,'a')", 'hasMembersWithLicenseErrors eq false', "description eq 'a'", "groupTypes/any(c:c eq 'Distribution')", "groupTypes eq 'Unified'"]) {
      const error = failure(() => parseGroupFilter(filter));
      expect(error.code, filter).toBe('unsupportedQuery');
      expect(error.message).toBe('Unsupported Query.');
    }
  });

  it('answers malformed filters with the position', () => {
    expect(failure(() => parseGroupFilter("displayName eq 'a' and")).message).toBe("Invalid filter clause: Syntax error: expected a property name, a function or '(' but found the end of the clause at position 22.");
    expect(failure(() => parseGroupFilter("colour eq 'red'")).message).toBe("Invalid filter clause: Could not find a property named 'colour' on type 'microsoft.graph.group' at position 0.");
    expect(failure(() => parseGroupFilter('securityEnabled eq 1')).message).toBe(
      "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.Boolean' and 'Edm.Int32' for operator kind 'Equal' at position 19.",
    );
    expect(failure(() => parseGroupFilter("groupTypes/any(c:d eq 'Unified')")).code).toBe('invalidRequest');
    expect(failure(() => parseGroupFilter("(displayName eq 'a'")).code).toBe('invalidRequest');
  });
});

describe('parseGroupQuery', () => {
  it('defaults to 100 a page and accepts $orderby=displayName only', () => {
    expect(parseGroupQuery({})).toEqual({ top: 100 });
    expect(parseGroupQuery({ orderby: 'displayName asc', top: '5', skiptoken: 'x' })).toEqual({ top: 5, skipToken: 'x' });
    expect(failure(() => parseGroupQuery({ orderby: 'displayName desc' })).code).toBe('unsupportedQuery');
    expect(failure(() => parseGroupQuery({ top: '0' })).message).toBe("Invalid page size specified: '0'. Must be between 1 and 999 inclusive.");
  });
});
