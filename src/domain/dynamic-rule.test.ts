import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import {
  MAX_MATCH_PATTERN_LENGTH,
  MAX_MEMBERSHIP_RULE_DEPTH,
  MAX_MEMBERSHIP_RULE_LENGTH,
  matchesRule,
  parseMembershipRule,
  ruleProperties,
  type MembershipRule,
  type MembershipRuleUser,
} from './dynamic-rule.js';

const ADELE: MembershipRuleUser = {
  accountEnabled: true,
  department: 'Sales',
  displayName: 'Adele Vance',
  givenName: 'Adele',
  jobTitle: 'Retail Manager',
  mail: 'AdeleV@contoso.com',
  mailNickname: 'AdeleV',
  surname: 'Vance',
  usageLocation: 'US',
  userPrincipalName: 'adelev@contoso.com',
  userType: 'Member',
};

/** A user with every nullable property absent (and an empty department, which counts as null). */
const GHOST: MembershipRuleUser = {
  ...ADELE,
  accountEnabled: false,
  department: '',
  givenName: null,
  jobTitle: null,
  mail: null,
  surname: null,
  usageLocation: null,
  userType: 'Guest',
};

const matches = (rule: string, user: MembershipRuleUser = ADELE): boolean =>
  matchesRule(parseMembershipRule(rule), user);

function failure(rule: string): AppError {
  try {
    parseMembershipRule(rule);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`expected ${JSON.stringify(rule.slice(0, 200))} to be rejected`);
}

/** `reason` is the message between "Invalid membership rule: " and the final period. */
function expectInvalid(rule: string, reason: string): AppError {
  const error = failure(rule);
  expect(error.code).toBe('invalidRequest');
  expect(error.message).toBe(`Invalid membership rule: ${reason}.`);
  expect(error.details).toHaveLength(1);
  expect(error.details[0]).toMatchObject({ code: 'InvalidMembershipRule', target: 'membershipRule' });
  return error;
}

describe('parseMembershipRule: conditions', () => {
  it.each([
    ['-eq', 'eq'],
    ['-ne', 'ne'],
  ] as const)('%s with a string', (written, operator) => {
    expect(parseMembershipRule(`user.department ${written} "Sales"`)).toEqual({
      kind: 'equality',
      property: 'department',
      operator,
      value: 'Sales',
    });
  });

  it.each([
    ['-startsWith', 'startsWith'],
    ['-notStartsWith', 'notStartsWith'],
    ['-endsWith', 'endsWith'],
    ['-notEndsWith', 'notEndsWith'],
    ['-contains', 'contains'],
    ['-notContains', 'notContains'],
  ] as const)('%s', (written, operator) => {
    expect(parseMembershipRule(`user.mail ${written} "@contoso.com"`)).toEqual({
      kind: 'text',
      property: 'mail',
      operator,
      value: '@contoso.com',
    });
  });

  it.each([
    ['-match', 'match'],
    ['-notMatch', 'notMatch'],
  ] as const)('%s keeps the pattern as written', (written, operator) => {
    expect(parseMembershipRule(`user.displayName ${written} "^Da.*"`)).toEqual({
      kind: 'match',
      property: 'displayName',
      operator,
      pattern: '^Da.*',
    });
  });

  it.each([
    ['-in', 'in'],
    ['-notIn', 'notIn'],
  ] as const)('%s with a list', (written, operator) => {
    expect(parseMembershipRule(`user.usageLocation ${written} ["US", "GB","FR" ]`)).toEqual({
      kind: 'list',
      property: 'usageLocation',
      operator,
      values: ['US', 'GB', 'FR'],
    });
  });

  it('a one-value list', () => {
    expect(parseMembershipRule('user.department -in ["Sales"]')).toMatchObject({ values: ['Sales'] });
  });

  it.each([
    ['user.accountEnabled -eq true', 'eq', true],
    ['user.accountEnabled -eq false', 'eq', false],
    ['user.accountEnabled -ne TRUE', 'ne', true],
    ['user.accountEnabled -eq "false"', 'eq', false],
    ["user.accountEnabled -eq 'True'", 'eq', true],
  ] as const)('%s', (rule, operator, value) => {
    expect(parseMembershipRule(rule)).toEqual({ kind: 'boolean', property: 'accountEnabled', operator, value });
  });

  it.each(['null', 'NULL', '$null'])('-eq %s and -ne %s', (word) => {
    expect(parseMembershipRule(`user.mail -eq ${word}`)).toEqual({
      kind: 'equality',
      property: 'mail',
      operator: 'eq',
      value: null,
    });
    expect(parseMembershipRule(`user.mail -ne ${word}`)).toMatchObject({ operator: 'ne', value: null });
  });

  it('"null" in quotes is the string', () => {
    expect(parseMembershipRule('user.department -eq "null"')).toMatchObject({ value: 'null' });
  });

  it.each([
    'userPrincipalName', 'displayName', 'mail', 'mailNickname', 'givenName', 'surname', 'jobTitle',
    'department', 'usageLocation', 'userType',
  ])('string property user.%s', (property) => {
    expect(parseMembershipRule(`user.${property} -eq "x"`)).toMatchObject({ property });
  });

  it('property names, user. and operators are case-insensitive', () => {
    expect(parseMembershipRule('User.MAILNICKNAME -STARTSWITH "a" -AND user.mailNickName -NotIn ["b"]')).toEqual({
      kind: 'and',
      operands: [
        { kind: 'text', property: 'mailNickname', operator: 'startsWith', value: 'a' },
        { kind: 'list', property: 'mailNickname', operator: 'notIn', values: ['b'] },
      ],
    });
  });

  it('operators without the hyphen, as Entra allows', () => {
    expect(parseMembershipRule('user.department eq "Sales" and not user.jobTitle startsWith "SDE" or user.mail ne null')).toEqual({
      kind: 'or',
      operands: [
        {
          kind: 'and',
          operands: [
            { kind: 'equality', property: 'department', operator: 'eq', value: 'Sales' },
            { kind: 'not', operand: { kind: 'text', property: 'jobTitle', operator: 'startsWith', value: 'SDE' } },
          ],
        },
        { kind: 'equality', property: 'mail', operator: 'ne', value: null },
      ],
    });
  });

  it('en and em dashes, as pasted from Microsoft\'s documentation', () => {
    expect(parseMembershipRule('user.department \u2013eq "Marketing" \u2014and user.usageLocation \u2013eq "US"')).toEqual(
      parseMembershipRule('user.department -eq "Marketing" -and user.usageLocation -eq "US"'),
    );
  });

  it('strings: `" escapes a double quote, \'\' a single quote, content is kept verbatim', () => {
    expect(parseMembershipRule('user.department -eq "Sa`"les"')).toMatchObject({ value: 'Sa"les' });
    expect(parseMembershipRule("user.department -eq 'O''Neil'")).toMatchObject({ value: "O'Neil" });
    expect(parseMembershipRule(`user.department -eq "it's -and (x)"`)).toMatchObject({ value: "it's -and (x)" });
    expect(parseMembershipRule(`user.department -eq ''`)).toMatchObject({ value: '' });
    expect(parseMembershipRule("user.department -in ['a', \"b\"]")).toMatchObject({ values: ['a', 'b'] });
  });

  it('whitespace is free: none around punctuation, tabs and newlines between tokens', () => {
    expect(parseMembershipRule('(user.department-eq"Sales")-or(user.department -in["A"])')).toEqual(
      parseMembershipRule('\n\t( user.department -eq "Sales" )\r\n-or ( user.department -in [ "A" ] )  '),
    );
  });
});

describe('parseMembershipRule: composition and precedence', () => {
  const cond = (value: string): MembershipRule => ({ kind: 'equality', property: 'department', operator: 'eq', value });
  const a = 'user.department -eq "a"';
  const b = 'user.department -eq "b"';
  const c = 'user.department -eq "c"';

  it('-and binds tighter than -or', () => {
    expect(parseMembershipRule(`${a} -or ${b} -and ${c}`)).toEqual({
      kind: 'or',
      operands: [cond('a'), { kind: 'and', operands: [cond('b'), cond('c')] }],
    });
    expect(parseMembershipRule(`${a} -and ${b} -or ${c}`)).toEqual({
      kind: 'or',
      operands: [{ kind: 'and', operands: [cond('a'), cond('b')] }, cond('c')],
    });
  });

  it('chains of one operator are one node', () => {
    expect(parseMembershipRule(`${a} -and ${b} -and ${c}`)).toEqual({ kind: 'and', operands: [cond('a'), cond('b'), cond('c')] });
    expect(parseMembershipRule(`${a} -or ${b} -or ${c}`)).toEqual({ kind: 'or', operands: [cond('a'), cond('b'), cond('c')] });
  });

  it('-not binds tighter than -and but looser than a comparison', () => {
    expect(parseMembershipRule(`-not ${a} -and ${b}`)).toEqual({
      kind: 'and',
      operands: [{ kind: 'not', operand: cond('a') }, cond('b')],
    });
    expect(parseMembershipRule(`${a} -and -not ${b}`)).toEqual({
      kind: 'and',
      operands: [cond('a'), { kind: 'not', operand: cond('b') }],
    });
  });

  it('-not -not, and -not of a parenthesised group', () => {
    expect(parseMembershipRule(`-not -not ${a}`)).toEqual({ kind: 'not', operand: { kind: 'not', operand: cond('a') } });
    expect(parseMembershipRule(`-not (${a} -or ${b})`)).toEqual({
      kind: 'not',
      operand: { kind: 'or', operands: [cond('a'), cond('b')] },
    });
  });

  it('parentheses override precedence; redundant ones vanish', () => {
    expect(parseMembershipRule(`(${a} -or ${b}) -and ${c}`)).toEqual({
      kind: 'and',
      operands: [{ kind: 'or', operands: [cond('a'), cond('b')] }, cond('c')],
    });
    expect(parseMembershipRule(`((( ${a} )))`)).toEqual(cond('a'));
  });

  it('Entra\'s documented examples', () => {
    expect(parseMembershipRule('(user.department -eq "Sales") -or (user.department -eq "Marketing")')).toMatchObject({ kind: 'or' });
    expect(parseMembershipRule('(user.department -eq "Sales") -and -not (user.jobTitle -startsWith "SDE")')).toMatchObject({
      kind: 'and',
      operands: [{ kind: 'equality' }, { kind: 'not' }],
    });
    expect(parseMembershipRule('user.mail \u2013ne null')).toMatchObject({ operator: 'ne', value: null });
  });
});

describe('matchesRule: operators', () => {
  it.each([
    // [rule, matches Adele]
    ['user.department -eq "Sales"', true],
    ['user.department -eq "sALES"', true],
    ['user.department -eq "Sale"', false],
    ['user.department -ne "Sales"', false],
    ['user.department -ne "Marketing"', true],
    ['user.displayName -startsWith "adele"', true],
    ['user.displayName -startsWith "Vance"', false],
    ['user.displayName -notStartsWith "Vance"', true],
    ['user.displayName -notStartsWith "ADE"', false],
    ['user.mail -endsWith "@CONTOSO.com"', true],
    ['user.mail -endsWith "@fabrikam.com"', false],
    ['user.mail -notEndsWith "@fabrikam.com"', true],
    ['user.mail -notEndsWith "contoso.com"', false],
    ['user.jobTitle -contains "manager"', true],
    ['user.jobTitle -contains "director"', false],
    ['user.jobTitle -notContains "director"', true],
    ['user.jobTitle -notContains "TAIL"', false],
    ['user.displayName -match "^Ad.*"', true],
    ['user.displayName -match "vance$"', true],
    ['user.displayName -match "ele v"', true],
    ['user.displayName -match "^Vance"', false],
    ['user.displayName -notMatch "^Vance"', true],
    ['user.displayName -notMatch "^ADELE"', false],
    ['user.usageLocation -in ["GB", "us"]', true],
    ['user.usageLocation -in ["GB", "FR"]', false],
    ['user.usageLocation -notIn ["GB", "FR"]', true],
    ['user.usageLocation -notIn ["gb", "US"]', false],
    ['user.userType -eq "member"', true],
    ['user.userType -eq "Guest"', false],
    ['user.userPrincipalName -eq "ADELEV@contoso.com"', true],
    ['user.mailNickname -eq "adelev"', true],
    ['user.givenName -eq "Adele" -and user.surname -eq "Vance"', true],
    ['user.accountEnabled -eq true', true],
    ['user.accountEnabled -eq false', false],
    ['user.accountEnabled -ne false', true],
    ['user.accountEnabled -ne true', false],
  ])('%s → %s', (rule, expected) => {
    expect(matches(rule)).toBe(expected);
  });

  it('-match follows Entra\'s examples: ^Da.* matches Da, Dav, David, not aDa; .*vid matches David, not Da', () => {
    const named = (displayName: string): MembershipRuleUser => ({ ...ADELE, displayName });
    const startsDa = parseMembershipRule('user.displayName -match "^Da.*"');
    expect(['Da', 'Dav', 'David', 'aDa'].map((name) => matchesRule(startsDa, named(name)))).toEqual([true, true, true, false]);
    const vid = parseMembershipRule('user.displayName -match ".*vid"');
    expect(['David', 'Da'].map((name) => matchesRule(vid, named(name)))).toEqual([true, false]);
  });

  it('case-insensitive beyond ASCII', () => {
    const user = { ...ADELE, department: 'Ÿpsilon Öl' };
    expect(matches('user.department -eq "ÿpsilon öl"', user)).toBe(true);
    expect(matches('user.department -match "^ÿ"', user)).toBe(true);
  });

  it('a pattern is a search, and metacharacters in other operators are literal', () => {
    const user = { ...ADELE, jobTitle: 'C++ dev (a.k.a. hacker)' };
    expect(matches('user.jobTitle -contains "(a.k.a."', user)).toBe(true);
    expect(matches('user.jobTitle -contains "a*"', user)).toBe(false);
    expect(matches('user.jobTitle -match "c\\+\\+"', user)).toBe(true);
  });
});

describe('matchesRule: composition', () => {
  const SALES_US = 'user.department -eq "Sales"';
  const MANAGER = 'user.jobTitle -contains "Manager"';
  const GUEST = 'user.userType -eq "Guest"';

  it('-and, -or, -not', () => {
    expect(matches(`${SALES_US} -and ${MANAGER}`)).toBe(true);
    expect(matches(`${SALES_US} -and ${GUEST}`)).toBe(false);
    expect(matches(`${GUEST} -or ${MANAGER}`)).toBe(true);
    expect(matches(`${GUEST} -or -not ${SALES_US}`)).toBe(false);
    expect(matches(`-not ${GUEST}`)).toBe(true);
    expect(matches(`-not -not ${GUEST}`)).toBe(false);
  });

  it('precedence decides the outcome: -and before -or, parentheses first', () => {
    // true -or (false -and false) = true; (true -or false) -and false = false
    expect(matches(`${SALES_US} -or ${GUEST} -and ${GUEST}`)).toBe(true);
    expect(matches(`(${SALES_US} -or ${GUEST}) -and ${GUEST}`)).toBe(false);
    // -not applies to the next condition only
    expect(matches(`-not ${GUEST} -and ${SALES_US}`)).toBe(true);
    expect(matches(`-not (${GUEST} -or ${SALES_US})`)).toBe(false);
  });

  it('one parsed rule evaluates many users (compiled once, reused)', () => {
    const rule = parseMembershipRule('user.usageLocation -in ["US", "GB"] -and user.displayName -match "^a"');
    const users = Array.from({ length: 1000 }, (_, i) => ({
      ...ADELE,
      usageLocation: i % 2 === 0 ? 'US' : 'FR',
      displayName: i % 3 === 0 ? 'Alex' : 'Bea',
    }));
    expect(users.filter((user) => matchesRule(rule, user))).toHaveLength(167);
  });
});

describe('matchesRule: null semantics', () => {
  it.each([
    // [rule, Adele (set), Ghost (null or empty)]
    ['user.mail -eq null', false, true],
    ['user.mail -ne null', true, false],
    ['user.department -eq null', false, true], // '' counts as null
    ['user.department -ne null', true, false],
    ['user.department -eq ""', false, true],
    ['user.department -ne "Sales"', false, true], // Entra: a user without department is not "Sales"
    ['user.department -eq "Sales"', true, false],
    ['user.department -in ["Sales", "Marketing"]', true, false],
    ['user.department -notIn ["Sales", "Marketing"]', false, true],
    ['user.jobTitle -startsWith ""', true, false], // positive operators never match null
    ['user.jobTitle -notStartsWith "x"', true, true],
    ['user.jobTitle -contains ""', true, false],
    ['user.jobTitle -notContains "Manager"', false, true],
    ['user.jobTitle -endsWith ""', true, false],
    ['user.jobTitle -notEndsWith "x"', true, true],
    ['user.jobTitle -match ".*"', true, false],
    ['user.jobTitle -match "^$"', false, false],
    ['user.jobTitle -notMatch "^$"', true, true],
    ['user.usageLocation -eq null -or user.usageLocation -eq "US"', true, true],
  ])('%s → Adele %s, null user %s', (rule, adele, ghost) => {
    expect(matches(rule, ADELE)).toBe(adele);
    expect(matches(rule, GHOST)).toBe(ghost);
  });

  it('a property missing from the object (undefined) reads as null', () => {
    const partial = { ...ADELE, mail: undefined } as unknown as MembershipRuleUser;
    expect(matches('user.mail -eq null', partial)).toBe(true);
  });

  it('every negative operator is the complement of its positive one', () => {
    const pairs = [
      ['-eq "Sales"', '-ne "Sales"'],
      ['-eq null', '-ne null'],
      ['-startsWith "Sa"', '-notStartsWith "Sa"'],
      ['-endsWith "es"', '-notEndsWith "es"'],
      ['-contains "al"', '-notContains "al"'],
      ['-match "^s"', '-notMatch "^s"'],
      ['-in ["sales"]', '-notIn ["sales"]'],
    ];
    for (const user of [ADELE, GHOST, { ...ADELE, department: 'Marketing' }]) {
      for (const [positive, negative] of pairs) {
        expect(matches(`user.department ${negative}`, user)).toBe(!matches(`user.department ${positive}`, user));
      }
    }
  });
});

describe('ruleProperties', () => {
  it('lists each property a rule reads, once', () => {
    const rule = parseMembershipRule(
      'user.department -eq "Sales" -and (user.usageLocation -in ["US"] -or -not user.accountEnabled -eq true) -and user.DEPARTMENT -ne null',
    );
    expect([...ruleProperties(rule)].sort()).toEqual(['accountEnabled', 'department', 'usageLocation']);
  });

  it('one condition reads one property', () => {
    expect([...ruleProperties(parseMembershipRule('user.mail -match "x"'))]).toEqual(['mail']);
  });
});

describe('parseMembershipRule: malformed rules, with the position and the reason', () => {
  it.each([
    // Missing or misplaced values
    ['user.department -eq', 'expected a value after -eq but found the end of the rule at position 19'],
    ['user.department -eq )', "expected a value after -eq but found ')' at position 20"],
    ['(user.department -eq) -or user.mail -eq null', "expected a value after -eq but found ')' at position 20"],
    ['user.department -eq -and user.mail -eq null', "expected a value after -eq but found '-and' at position 20"],
    ['user.department -eq Sales', "-eq needs a string in double quotes but found the unquoted word 'Sales' at position 20"],
    ['user.department -eq 50001', '-eq needs a string in double quotes but found the number 50001 at position 20'],
    ['user.department -eq true', "-eq needs a string in double quotes but found the unquoted word 'true' at position 20"],
    ['user.department -eq ["Sales"]', 'a list of values is only valid after -in or -notIn, not -eq at position 20'],
    ['user.department -contains null', 'null can only be compared with -eq or -ne, not -contains at position 26'],
    ['user.department -match $null', 'null can only be compared with -eq or -ne, not -match at position 23'],
    // Booleans
    ['user.accountEnabled -eq "yes"', '-eq needs true or false but found the string "yes" at position 24'],
    ['user.accountEnabled -eq 1', '-eq needs true or false but found the number 1 at position 24'],
    ['user.accountEnabled -eq', 'expected a value after -eq but found the end of the rule at position 23'],
    ['user.accountEnabled -eq null', "'accountEnabled' cannot be compared with null at position 24"],
    ['user.accountEnabled -in [true]', "-in cannot be used with the boolean property 'accountEnabled' at position 20"],
    ['user.accountEnabled -contains "t"', "-contains cannot be used with the boolean property 'accountEnabled' at position 20"],
    // Lists
    ['user.department -in "Sales"', "-in needs a list in square brackets ('[') but found the string \"Sales\" at position 20"],
    ['user.department -notIn', 'expected a value after -notIn but found the end of the rule at position 22'],
    ['user.department -in []', 'the list after -in is empty at position 21'],
    ['user.department -in ["a",]', "expected a string in double quotes in the list but found ']' at position 25"],
    ['user.department -in ["a" "b"]', 'expected \',\' or \']\' in the list opened at position 20 but found the string "b" at position 25'],
    ['user.department -in ["a"', "expected ',' or ']' in the list opened at position 20 but found the end of the rule at position 24"],
    ['user.department -in [a]', "expected a string in double quotes in the list but found 'a' at position 21"],
    ['user.department -in ["a", null]', 'null is not allowed in a list at position 26'],
    // Properties
    ['user.foo -eq "a"', "unknown property 'foo' at position 5"],
    ['user.city -eq "Lagos"', "Allot does not store the property 'city' at position 5"],
    ['user.extensionAttribute15 -eq "x"', "Allot does not store the property 'extensionAttribute15' at position 5"],
    ['user.creationType -eq "Invitation"', "unknown property 'creationType' at position 5"],
    ['device.deviceOSType -eq "Windows"', 'device properties are not supported at position 0'],
    ['department -eq "Sales"', "expected a property of the form user.<name> but found 'department' at position 0"],
    ['user.department.name -eq "x"', "expected a property of the form user.<name> but found 'user.department.name' at position 0"],
    ['user. -eq "x"', "expected a property of the form user.<name> but found 'user.' at position 0"],
    ['"Sales" -eq user.department', 'expected a condition such as user.department -eq "Sales", \'(\' or -not but found the string "Sales" at position 0'],
    ['null -eq user.mail', "expected a condition such as user.department -eq \"Sales\", '(' or -not but found 'null' at position 0"],
    // Operators
    ['user.department', "expected an operator such as -eq after 'user.department' but found the end of the rule at position 15"],
    ['user.department "Sales"', 'expected an operator such as -eq after \'user.department\' but found the string "Sales" at position 16'],
    ['user.department -and user.mail -eq null', "expected an operator such as -eq after 'user.department' but found '-and' at position 16"],
    ['user.department -equals "Sales"', "unknown operator '-equals' at position 16"],
    ['user.department equals "Sales"', "expected an operator such as -eq after 'user.department' but found 'equals' at position 16"],
    ['user.department -any (_ -eq "x")', "the operator '-any' is not supported at position 16"],
    ['user.department -le "x"', "the operator '-le' is not supported at position 16"],
    ['user.department - eq "x"', "expected an operator name after '-' at position 16"],
    // Composition
    ['-and user.department -eq "a"', "expected a condition such as user.department -eq \"Sales\", '(' or -not but found '-and' at position 0"],
    ['user.department -eq "a" -and', 'expected a condition such as user.department -eq "Sales", \'(\' or -not but found the end of the rule at position 28'],
    ['user.department -eq "a" -or -or user.mail -eq null', "expected a condition such as user.department -eq \"Sales\", '(' or -not but found '-or' at position 28"],
    ['-not', 'expected a condition such as user.department -eq "Sales", \'(\' or -not but found the end of the rule at position 4'],
    ['user.department -not "a"', "expected an operator such as -eq after 'user.department' but found '-not' at position 16"],
    ['()', "expected a condition such as user.department -eq \"Sales\", '(' or -not but found ')' at position 1"],
    // Parentheses
    ['(user.department -eq "a"', "expected ')' to close the '(' at position 0 but found the end of the rule at position 24"],
    ['((user.department -eq "a") -or user.mail -eq null', "expected ')' to close the '(' at position 0 but found the end of the rule at position 49"],
    ['user.department -eq "a")', "')' has no matching '(' at position 23"],
    ['(user.department -eq "a"))', "')' has no matching '(' at position 25"],
    ['(user.department -eq "a" user.mail -eq null)', "expected ')' to close the '(' at position 0 but found 'user.mail' at position 25"],
    // Trailing tokens
    ['user.department -eq "a" "b"', 'expected -and, -or or the end of the rule but found the string "b" at position 24'],
    ['user.department -eq "a" user.mail -eq null', "expected -and, -or or the end of the rule but found 'user.mail' at position 24"],
    ['user.department -eq "a" -eq "b"', "expected -and, -or or the end of the rule but found '-eq' at position 24"],
    ['user.department -eq "a" ]', "expected -and, -or or the end of the rule but found ']' at position 24"],
    // Lexical errors
    ['user.department -eq "Sales', 'unterminated string at position 20'],
    ['user.department -eq "Sa`"', 'unterminated string at position 20'],
    ["user.department -eq 'O''", 'unterminated string at position 20'],
    ['user.department -eq \u201cSales\u201d', "typographic quote '\u201c' is not valid at position 20"],
    ['user.department -eq "a" && user.mail -eq null', "character '&' is not valid at position 24"],
    ['user.department == "a"', "character '=' is not valid at position 16"],
    ['user.department -eq "a"\u0000', 'character U+0000 is not valid at position 23'],
    ['user.department -eq "a\u0000"', 'character U+0000 is not valid at position 22'],
    ['user.department\u0007 -eq "a"', 'character U+0007 is not valid at position 15'],
  ])('%s', (rule, reason) => {
    expectInvalid(rule, reason);
  });

  it('an unknown property is reported before a later syntax error (left to right)', () => {
    expectInvalid('user.foo -eq "a" -and user.department -eq "unterminated', "unknown property 'foo' at position 5");
  });

  it('details say how to fix it', () => {
    expect(failure('user.foo -eq "a"').details[0]?.message).toBe(
      "Allot's rules can use: user.accountEnabled, user.department, user.displayName, user.givenName, user.jobTitle, " +
        'user.mail, user.mailNickname, user.surname, user.usageLocation, user.userPrincipalName, user.userType.',
    );
    expect(failure('department -eq "a"').details[0]?.message).toMatch(/ Write user\.department\.$/);
    expect(failure('user.department -eq Sales').details[0]?.message).toBe(
      'Enclose string values in double quotes, as in user.department -eq "Sales".',
    );
    expect(failure('user.department -equals "a"').details[0]?.message).toBe(
      'Supported comparisons: -eq, -ne, -startsWith, -notStartsWith, -endsWith, -notEndsWith, -contains, -notContains, -match, -notMatch, -in, -notIn.',
    );
    expect(failure('(user.department -eq "a"').details[0]?.message).toBe("Every '(' needs a matching ')'.");
  });

  it('long user text is cut in messages', () => {
    const error = failure(`user.${'x'.repeat(500)} -eq "a"`);
    expect(error.message).toBe(`Invalid membership rule: unknown property '${'x'.repeat(61)}...' at position 5.`);
  });

  it.each(['', '   ', '\n\t'])('an empty rule (%j)', (rule) => {
    const error = expectInvalid(rule, 'the rule is empty');
    expect(error.details[0]?.message).toBe('Write a condition such as user.department -eq "Sales".');
  });
});

describe('limits', () => {
  const ruleOfLength = (length: number): string => {
    const prefix = 'user.department -eq "';
    return `${prefix}${'x'.repeat(length - prefix.length - 1)}"`;
  };

  it(`a rule of ${MAX_MEMBERSHIP_RULE_LENGTH} characters is accepted, one more is refused`, () => {
    expect(MAX_MEMBERSHIP_RULE_LENGTH).toBe(3072);
    expect(parseMembershipRule(ruleOfLength(MAX_MEMBERSHIP_RULE_LENGTH))).toMatchObject({ kind: 'equality' });
    expectInvalid(ruleOfLength(MAX_MEMBERSHIP_RULE_LENGTH + 1), 'the rule is 3073 characters long; at most 3072 are allowed');
  });

  it('the length is checked first, even for rules that would not parse', () => {
    expectInvalid('('.repeat(5000), 'the rule is 5000 characters long; at most 3072 are allowed');
  });

  it(`a pattern of ${MAX_MATCH_PATTERN_LENGTH} characters is accepted, one more is refused`, () => {
    expect(parseMembershipRule(`user.displayName -match "${'a'.repeat(MAX_MATCH_PATTERN_LENGTH)}"`)).toMatchObject({ kind: 'match' });
    expectInvalid(
      `user.displayName -notMatch "${'a'.repeat(MAX_MATCH_PATTERN_LENGTH + 1)}"`,
      'the regular expression is 257 characters long; at most 256 are allowed at position 27',
    );
  });

  it('long values for other operators are only bounded by the rule length', () => {
    expect(parseMembershipRule(`user.displayName -contains "${'a'.repeat(1000)}"`)).toMatchObject({ kind: 'text' });
  });

  it(`parentheses nest ${MAX_MEMBERSHIP_RULE_DEPTH} deep, not more`, () => {
    const nested = (depth: number): string => `${'('.repeat(depth)}user.mail -eq null${')'.repeat(depth)}`;
    expect(parseMembershipRule(nested(MAX_MEMBERSHIP_RULE_DEPTH))).toMatchObject({ kind: 'equality' });
    expectInvalid(nested(MAX_MEMBERSHIP_RULE_DEPTH + 1), 'the rule nests parentheses and -not more than 32 levels deep at position 32');
  });

  it('-not counts toward the depth', () => {
    const nots = (count: number): string => `${'-not '.repeat(count)}user.mail -eq null`;
    expect(matches(nots(MAX_MEMBERSHIP_RULE_DEPTH), GHOST)).toBe(true); // an even number of -not
    expectInvalid(nots(MAX_MEMBERSHIP_RULE_DEPTH + 1), 'the rule nests parentheses and -not more than 32 levels deep at position 160');
  });

  it('long flat chains are not nesting', () => {
    const chain = Array.from({ length: 100 }, (_, i) => `user.department -eq "d${i}"`).join(' -or ');
    const rule = parseMembershipRule(chain);
    expect(rule).toMatchObject({ kind: 'or' });
    expect(matches(chain, { ...ADELE, department: 'D99' })).toBe(true);
  });
});

describe('-match patterns', () => {
  it.each([
    ['(', 'invalid regular expression (Unterminated group) at position 24'],
    ['[a-', 'invalid regular expression (Unterminated character class) at position 24'],
    ['*a', 'invalid regular expression (Nothing to repeat) at position 24'],
    ['(?i)adele', 'invalid regular expression (Invalid group) at position 24'],
  ])('invalid pattern %s', (pattern, reason) => {
    const error = expectInvalid(`user.displayName -match "${pattern}"`, reason);
    expect(error.details[0]?.message).toMatch(/^-match uses JavaScript regular expressions/);
  });

  it.each([
    ['\\Aadele', '\\A', 0],
    ['vance\\z', '\\z', 5],
    ['vance\\Z', '\\Z', 5],
    ['\\Gx', '\\G', 0],
  ])('refuses the .NET anchor in %s', (pattern, anchor, offset) => {
    const error = expectInvalid(
      `user.displayName -match "${pattern}"`,
      `the regular expression uses the .NET anchor '${anchor}' (offset ${offset} in the pattern) at position 24`,
    );
    expect(error.details[0]?.message).toBe('Anchor with ^ (start) and $ (end) instead.');
  });

  it.each([
    ['(a+)+$', 4],
    ['^(a*)*$', 5],
    ['(?:x+y?)+', 8],
    ['((a+)b)*', 7],
    ['(\\w+\\.)+com', 7],
    ['(.*,){2,}', 5],
    ['(a+?)+?', 5],
    ['x(y|(z+))*', 9],
    ['(a|ab)*c', 6],
    ['^(a|a)+$', 6],
    ['((a|b)c){3,}', 8],
  ])('refuses the risky repetition in %s', (pattern, offset) => {
    const error = expectInvalid(
      `user.displayName -match "${pattern}"`,
      `the regular expression repeats a group that itself repeats or has alternatives (offset ${offset} in the pattern) at position 24`,
    );
    expect(error.details[0]?.message).toMatch(/exponential time/);
  });

  it.each([
    '^Da.*',
    '.*vid',
    '^[a-z]+@contoso\\.com$',
    '(a+)?',
    '(a+){2}',
    '(a+){1,3}',
    '(ab)+',
    '(\\d{3}-)+\\d{4}',
    '[(a+)+]',
    '\\(a+\\)+',
    '(?<first>\\w+) (?<last>\\w+)',
    '(?=.*a)(?!.*z)',
    'a{2,}b*',
    '\\\\A',
    '^(Sales|Marketing)$',
    '(a|b)?',
    'Sales|Marketing+',
  ])('accepts %s', (pattern) => {
    expect(parseMembershipRule(`user.displayName -match "${pattern}"`)).toMatchObject({ kind: 'match', pattern });
  });
});
