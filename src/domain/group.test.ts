import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { normalizeGroupTypes, objectIdOfReference, validateGroupProperties, type GroupProperties } from './group.js';

const ID = '6fd2c87f-b296-42f0-b197-1e91e994b900';

const security: GroupProperties = {
  displayName: 'Sales',
  description: null,
  mailNickname: 'sales',
  mailEnabled: false,
  securityEnabled: true,
  groupTypes: [],
  membershipRule: null,
  membershipRuleProcessingState: null,
};

const refusal = (run: () => unknown): AppError => {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected an AppError');
};

describe('objectIdOfReference', () => {
  it('takes directoryObjects, users and groups URLs on any host', () => {
    expect(objectIdOfReference(`https://graph.microsoft.com/v1.0/directoryObjects/${ID.toUpperCase()}`)).toBe(ID);
    expect(objectIdOfReference(`https://graph.microsoft.com/v1.0/users/${ID}`)).toBe(ID);
    expect(objectIdOfReference(`https://allot.example:3000/v1.0/groups/${ID}`)).toBe(ID);
  });

  it("refuses anything else with Graph's invalid-identifier text", () => {
    for (const reference of [ID, `https://graph.microsoft.com/v1.0/users/someone@contoso.com`, `https://graph.microsoft.com/v1.0/devices/${ID}`, 'not a url']) {
      expect(refusal(() => objectIdOfReference(reference)).message).toBe(`Invalid object identifier '${reference}'.`);
    }
  });
});

describe('group properties', () => {
  it('normalises groupTypes and refuses unknown ones', () => {
    expect(normalizeGroupTypes(['unified', 'Unified', 'dynamicmembership'])).toEqual(['Unified', 'DynamicMembership']);
    expect(refusal(() => normalizeGroupTypes(['Distribution'])).details[0]?.target).toBe('groupTypes');
  });

  it('accepts security groups, Microsoft 365 groups and dynamic groups with a rule that parses', () => {
    expect(() => validateGroupProperties(security)).not.toThrow();
    expect(() => validateGroupProperties({ ...security, groupTypes: ['Unified'], mailEnabled: true, securityEnabled: false })).not.toThrow();
    expect(() => validateGroupProperties({ ...security, groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Sales"', membershipRuleProcessingState: 'On' })).not.toThrow();
  });

  it('refuses mail-enabled security groups, rules on static groups, dynamic groups without a valid rule, and a change of Unified', () => {
    expect(refusal(() => validateGroupProperties({ ...security, mailEnabled: true })).details[0]?.target).toBe('mailEnabled');
    expect(refusal(() => validateGroupProperties({ ...security, securityEnabled: false })).details[0]?.target).toBe('securityEnabled');
    expect(refusal(() => validateGroupProperties({ ...security, membershipRule: 'user.department -eq "Sales"' })).details[0]?.target).toBe('membershipRule');
    expect(refusal(() => validateGroupProperties({ ...security, membershipRuleProcessingState: 'On' })).details[0]?.target).toBe('membershipRuleProcessingState');
    expect(refusal(() => validateGroupProperties({ ...security, groupTypes: ['DynamicMembership'] })).details[0]?.target).toBe('membershipRule');
    expect(refusal(() => validateGroupProperties({ ...security, groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq' })).message).toMatch(/^Invalid membership rule: /);
    expect(refusal(() => validateGroupProperties({ ...security, groupTypes: ['Unified'], mailEnabled: true }, { groupTypes: [] })).details[0]?.target).toBe('groupTypes');
  });
});
