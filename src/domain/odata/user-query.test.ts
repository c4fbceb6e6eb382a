import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { parseUserQuery, type FilterExpression, type UserQueryInput } from './user-query.js';

const ADVANCED = { consistencyLevel: 'eventual', count: 'true' } as const;
const SKU = 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46';
const USER = '6e7b768e-07e2-4810-8459-485f84f8f204';
const UNSUPPORTED = 'Unsupported Query.';

/** Basic (non-advanced) filter. */
const filter = (text: string, extra: UserQueryInput = {}): FilterExpression | undefined =>
  parseUserQuery({ filter: text, ...extra }).filter;

function failure(input: UserQueryInput): AppError {
  try {
    parseUserQuery(input);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`expected ${JSON.stringify(input).slice(0, 200)} to be rejected`);
}

function expectError(input: UserQueryInput, code: AppError['code'], message: string | RegExp): AppError {
  const error = failure(input);
  expect(error.code).toBe(code);
  if (typeof message === 'string') {
    expect(error.message).toBe(message);
  } else {
    expect(error.message).toMatch(message);
  }
  return error;
}

describe('parseUserQuery defaults', () => {
  it('has no filter, 100 per page, no count', () => {
    expect(parseUserQuery({})).toEqual({
      orderBy: [],
      top: 100,
      count: false,
      isAdvanced: false,
      eventualConsistency: false,
    });
  });

  it('treats empty options as absent', () => {
    expect(parseUserQuery({ filter: '', select: ' ', orderby: '' })).toMatchObject({ orderBy: [], isAdvanced: false });
    expect(parseUserQuery({ filter: '' }).filter).toBeUndefined();
  });

  it('passes $skiptoken through', () => {
    expect(parseUserQuery({ skiptoken: 'abc' }).skipToken).toBe('abc');
  });
});

describe('$filter comparisons', () => {
  it.each([
    ['userPrincipalName', 'userPrincipalName'],
    ['mail', 'mail'],
    ['displayName', 'displayName'],
    ['userType', 'userType'],
    ['usageLocation', 'usageLocation'],
    ['DISPLAYNAME', 'displayName'],
    ['userprincipalname', 'userPrincipalName'],
  ])('%s eq string', (written, property) => {
    expect(filter(`${written} eq 'Ab'`)).toEqual({ kind: 'stringComparison', property, operator: 'eq', value: 'Ab' });
  });

  it('id eq GUID (lower-cased)', () => {
    expect(filter(`id eq '${USER.toUpperCase()}'`)).toEqual({
      kind: 'stringComparison',
      property: 'id',
      operator: 'eq',
      value: USER,
    });
  });

  it('accountEnabled eq true / false', () => {
    expect(filter('accountEnabled eq true')).toEqual({
      kind: 'booleanComparison',
      property: 'accountEnabled',
      operator: 'eq',
      value: true,
    });
    expect(filter('accountEnabled eq false')).toMatchObject({ value: false });
  });

  it('ne (advanced)', () => {
    const query = parseUserQuery({ filter: "userType ne 'Guest'", ...ADVANCED });
    expect(query.filter).toEqual({ kind: 'stringComparison', property: 'userType', operator: 'ne', value: 'Guest' });
    expect(query.isAdvanced).toBe(true);
    expect(query.count).toBe(true);
    expect(filter('accountEnabled ne false', ADVANCED)).toMatchObject({ operator: 'ne', value: false });
  });

  it.each(['mail', 'usageLocation', 'userType'])('%s eq null / ne null', (property) => {
    expect(filter(`${property} eq null`)).toEqual({ kind: 'stringComparison', property, operator: 'eq', value: null });
    expect(filter(`${property} ne null`, ADVANCED)).toMatchObject({ operator: 'ne', value: null });
  });

  it('unescapes doubled quotes in literals', () => {
    expect(filter("displayName eq 'van ''t Hek'")).toMatchObject({ value: "van 't Hek" });
    expect(filter("displayName eq ''''")).toMatchObject({ value: "'" });
    expect(filter("displayName eq ''")).toMatchObject({ value: '' });
  });

  it('keeps SQL-looking text inside a literal as data', () => {
    expect(filter("displayName eq 'x'' or 1=1; drop table directory_user; --'")).toMatchObject({
      value: "x' or 1=1; drop table directory_user; --",
    });
  });

  it('accepts unicode inside literals', () => {
    expect(filter("displayName eq 'Zoë 🎉 日本'")).toMatchObject({ value: 'Zoë 🎉 日本' });
  });

  it('in', () => {
    expect(filter(`id in ('${USER}', '${SKU}')`)).toEqual({ kind: 'in', property: 'id', values: [USER, SKU] });
    expect(filter("usageLocation in ('US','GB')")).toEqual({
      kind: 'in',
      property: 'usageLocation',
      values: ['US', 'GB'],
    });
  });

  it('tolerates extra whitespace and case in keywords', () => {
    expect(filter("  displayName   EQ  'a'  AND accountEnabled eq TRUE ")).toMatchObject({ kind: 'and' });
  });
});

describe('$filter functions', () => {
  it.each(['userPrincipalName', 'mail', 'displayName', 'usageLocation'])('startswith(%s)', (property) => {
    expect(filter(`startswith(${property},'a')`)).toEqual({ kind: 'startsWith', property, value: 'a' });
  });

  it('startsWith camel case', () => {
    expect(filter("startsWith(displayName, 'wa')")).toEqual({ kind: 'startsWith', property: 'displayName', value: 'wa' });
  });

  it('endswith (advanced)', () => {
    expect(filter("endswith(userPrincipalName,'#EXT#@contoso.com')", ADVANCED)).toEqual({
      kind: 'endsWith',
      property: 'userPrincipalName',
      value: '#EXT#@contoso.com',
    });
    expect(filter("endsWith(mail,'@contoso.com')", ADVANCED)).toMatchObject({ kind: 'endsWith', property: 'mail' });
  });
});

describe('$filter on assignedLicenses', () => {
  it('any with an unquoted GUID and any variable name', () => {
    expect(filter(`assignedLicenses/any(u:u/skuId eq ${SKU})`)).toEqual({ kind: 'assignedLicenseAny', skuId: SKU });
    expect(filter(`assignedLicenses/any(lic: lic/skuid eq ${SKU.toUpperCase()})`)).toEqual({
      kind: 'assignedLicenseAny',
      skuId: SKU,
    });
  });

  it('any with a quoted GUID', () => {
    expect(filter(`assignedLicenses/any(x:x/skuId eq '${SKU}')`)).toEqual({ kind: 'assignedLicenseAny', skuId: SKU });
  });

  it('a GUID starting with a digit', () => {
    expect(filter(`assignedLicenses/any(x:x/skuId eq ${USER})`)).toEqual({ kind: 'assignedLicenseAny', skuId: USER });
  });

  it('$count eq 0 / ne 0 (advanced)', () => {
    expect(filter('assignedLicenses/$count eq 0', ADVANCED)).toEqual({
      kind: 'assignedLicenseCount',
      operator: 'eq',
      value: 0,
    });
    expect(filter('assignedLicenses/$count ne 0', ADVANCED)).toMatchObject({ operator: 'ne' });
  });

  it('$count without advanced headers', () => {
    expectError({ filter: 'assignedLicenses/$count eq 0' }, 'unsupportedQuery', UNSUPPORTED);
  });
});

describe('$filter logic and precedence', () => {
  const a = { kind: 'stringComparison', property: 'displayName', operator: 'eq', value: 'a' };
  const b = { kind: 'stringComparison', property: 'mail', operator: 'eq', value: 'b' };
  const c = { kind: 'booleanComparison', property: 'accountEnabled', operator: 'eq', value: true };

  it('and binds tighter than or', () => {
    expect(filter("displayName eq 'a' or mail eq 'b' and accountEnabled eq true")).toEqual({
      kind: 'or',
      operands: [a, { kind: 'and', operands: [b, c] }],
    });
  });

  it('parentheses override precedence', () => {
    expect(filter("(displayName eq 'a' or mail eq 'b') and accountEnabled eq true")).toEqual({
      kind: 'and',
      operands: [{ kind: 'or', operands: [a, b] }, c],
    });
  });

  it('chains are n-ary', () => {
    expect(filter("displayName eq 'a' or mail eq 'b' or accountEnabled eq true")).toEqual({
      kind: 'or',
      operands: [a, b, c],
    });
  });

  it('not binds tighter than and; both not forms', () => {
    expect(filter("not(displayName eq 'a') and mail eq 'b'", ADVANCED)).toEqual({
      kind: 'and',
      operands: [{ kind: 'not', operand: a }, b],
    });
    expect(filter("not startswith(displayName,'a')", ADVANCED)).toEqual({
      kind: 'not',
      operand: { kind: 'startsWith', property: 'displayName', value: 'a' },
    });
    expect(filter(`NOT (assignedLicenses/any(x:x/skuId eq ${SKU}))`, ADVANCED)).toEqual({
      kind: 'not',
      operand: { kind: 'assignedLicenseAny', skuId: SKU },
    });
  });

  it('allows nesting up to 32 levels', () => {
    const text = `${'('.repeat(32)}displayName eq 'a'${')'.repeat(32)}`;
    expect(filter(text)).toEqual(a);
  });
});

describe('advanced-query rule', () => {
  it.each([
    "displayName ne 'a'",
    "not(displayName eq 'a')",
    "endswith(mail,'@x.com')",
    'assignedLicenses/$count ne 0',
  ])('%s needs ConsistencyLevel and $count=true', (text) => {
    expectError({ filter: text }, 'unsupportedQuery', UNSUPPORTED);
    expectError({ filter: text, consistencyLevel: 'eventual' }, 'unsupportedQuery', UNSUPPORTED);
    expectError({ filter: text, count: 'true' }, 'unsupportedQuery', UNSUPPORTED);
    expectError({ filter: text, consistencyLevel: 'eventual', count: 'false' }, 'unsupportedQuery', UNSUPPORTED);
    expect(parseUserQuery({ filter: text, ...ADVANCED }).isAdvanced).toBe(true);
    expect(parseUserQuery({ filter: text, consistencyLevel: 'Eventual', count: 'TRUE' }).isAdvanced).toBe(true);
  });

  it('explains the reason in details', () => {
    const error = expectError({ filter: "mail ne 'a'" }, 'unsupportedQuery', UNSUPPORTED);
    expect(error.details[0]?.message).toContain("'ne'");
    expect(error.details[0]?.message).toContain('ConsistencyLevel: eventual');
  });

  it('$orderby with $filter is advanced; each alone is not', () => {
    const both = { filter: "startswith(displayName,'a')", orderby: 'displayName' };
    expectError(both, 'unsupportedQuery', UNSUPPORTED);
    expect(parseUserQuery({ ...both, ...ADVANCED }).isAdvanced).toBe(true);
    expect(parseUserQuery({ orderby: 'displayName' }).isAdvanced).toBe(false);
    expect(parseUserQuery({ filter: "startswith(displayName,'a')" }).isAdvanced).toBe(false);
  });

  it('$search needs only the header', () => {
    expectError({ search: '"displayName:wa"' }, 'unsupportedQuery', UNSUPPORTED);
    const query = parseUserQuery({ search: '"displayName:wa"', consistencyLevel: 'eventual' });
    expect(query.isAdvanced).toBe(true);
    expect(query.count).toBe(false);
  });

  it('basic filters work without the header', () => {
    expect(parseUserQuery({ filter: "userType eq 'Guest'" }).isAdvanced).toBe(false);
    expect(parseUserQuery({ filter: `assignedLicenses/any(u:u/skuId eq ${SKU})` }).isAdvanced).toBe(false);
  });

  it('$count=true without the header is ignored, as Graph does', () => {
    expect(parseUserQuery({ count: 'true' })).toMatchObject({ count: false, eventualConsistency: false });
    expect(parseUserQuery(ADVANCED)).toMatchObject({ count: true, eventualConsistency: true, isAdvanced: false });
  });
});

describe('$orderby', () => {
  it('one or two keys, default asc, case-insensitive', () => {
    expect(parseUserQuery({ orderby: 'displayName' }).orderBy).toEqual([{ property: 'displayName', direction: 'asc' }]);
    expect(parseUserQuery({ orderby: 'DisplayName DESC, userPrincipalName asc' }).orderBy).toEqual([
      { property: 'displayName', direction: 'desc' },
      { property: 'userPrincipalName', direction: 'asc' },
    ]);
  });

  it('rejects unknown, unsupported, duplicate and malformed keys', () => {
    expectError({ orderby: 'foo' }, 'invalidRequest', "Could not find a property named 'foo' on type 'microsoft.graph.user'.");
    expectError({ orderby: 'mail' }, 'unsupportedQuery', UNSUPPORTED);
    expectError({ orderby: 'createdDateTime desc' }, 'unsupportedQuery', UNSUPPORTED);
    expectError(
      { orderby: 'displayName,displayName desc' },
      'invalidRequest',
      "Duplicate property named 'displayName' is not supported in '$orderby'.",
    );
    expectError(
      { orderby: 'displayName sideways' },
      'invalidRequest',
      "Invalid $orderby clause: expected 'asc' or 'desc' after 'displayName' but found 'sideways'.",
    );
    expectError({ orderby: 'displayName;drop' }, 'invalidRequest', /^Invalid \$orderby clause: /);
    expectError({ orderby: 'displayName,' }, 'invalidRequest', "Invalid $orderby clause: '' is not a valid sort key.");
    expectError({ orderby: 'manager/displayName' }, 'unsupportedQuery', UNSUPPORTED);
  });
});

describe('$search', () => {
  it('one term', () => {
    expect(parseUserQuery({ search: '"displayName:wa"', consistencyLevel: 'eventual' }).search).toEqual({
      kind: 'term',
      property: 'displayName',
      value: 'wa',
    });
  });

  it('OR and AND (AND binds tighter)', () => {
    const query = parseUserQuery({
      search: '"displayName:a" OR "mail:b" AND "userPrincipalName:c"',
      consistencyLevel: 'eventual',
    });
    expect(query.search).toEqual({
      kind: 'or',
      operands: [
        { kind: 'term', property: 'displayName', value: 'a' },
        {
          kind: 'and',
          operands: [
            { kind: 'term', property: 'mail', value: 'b' },
            { kind: 'term', property: 'userPrincipalName', value: 'c' },
          ],
        },
      ],
    });
  });

  it('escaped quote and SQL-looking text stay data', () => {
    const query = parseUserQuery({ search: String.raw`"displayName:a\"b' or 1=1 --"`, consistencyLevel: 'eventual' });
    expect(query.search).toEqual({ kind: 'term', property: 'displayName', value: `a"b' or 1=1 --` });
  });

  it.each<[string, AppError['code'], string | RegExp]>([
    ['displayName:wa', 'invalidRequest', /^Invalid \$search clause: search terms must be enclosed in double quotes/],
    ['"displayName:wa', 'invalidRequest', 'Invalid $search clause: unterminated quoted term at position 0.'],
    ['"wa"', 'unsupportedQuery', UNSUPPORTED],
    ['"jobTitle:x"', 'unsupportedQuery', UNSUPPORTED],
    ['"foo:x"', 'invalidRequest', "Could not find a property named 'foo' on type 'microsoft.graph.user'."],
    ['"displayName:  "', 'invalidRequest', "Invalid $search clause: empty search value for 'displayName' at position 0."],
    ['"displayName:a" OR', 'invalidRequest', 'Invalid $search clause: expected a quoted term but found the end of the clause at position 18.'],
    ['NOT "displayName:a"', 'unsupportedQuery', UNSUPPORTED],
    ['("displayName:a")', 'unsupportedQuery', UNSUPPORTED],
    ['"displayName:a";', 'invalidRequest', /^Invalid \$search clause: unexpected character ';'/],
  ])('rejects %s', (search, code, message) => {
    expectError({ search, consistencyLevel: 'eventual' }, code, message);
  });
});

describe('$select', () => {
  it('canonicalises, keeps order, drops duplicates', () => {
    expect(parseUserQuery({ select: 'ID, mail,assignedLicenses,mail' }).select).toEqual(['id', 'mail', 'assignedLicenses']);
  });

  it('rejects unknown properties with Graph text', () => {
    expectError({ select: 'id,foo' }, 'invalidRequest', "Could not find a property named 'foo' on type 'microsoft.graph.user'.");
    expectError({ select: 'id;drop table x' }, 'invalidRequest', "Could not find a property named 'id;drop table x' on type 'microsoft.graph.user'.");
  });
});

describe('$top and $count', () => {
  it.each([
    ['1', 1],
    ['999', 999],
    ['050', 50],
  ])('$top=%s', (top, value) => {
    expect(parseUserQuery({ top }).top).toBe(value);
  });

  it.each(['0', '1000', '-1', 'abc', '1.5', '', ' 5', '99999999999999999999'])('rejects $top=%j', (top) => {
    expectError(
      { top },
      'invalidRequest',
      `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`,
    );
  });

  it('rejects a bad $count', () => {
    expectError(
      { count: 'yes' },
      'invalidRequest',
      "Invalid value 'yes' for the $count query option. Valid values are 'true' and 'false'.",
    );
  });
});

describe('$filter: malformed and hostile input', () => {
  const invalid = (text: string, message: string | RegExp, extra: UserQueryInput = {}): AppError =>
    expectError({ filter: text, ...extra }, 'invalidRequest', message);
  const notSupported = (text: string, extra: UserQueryInput = {}): AppError =>
    expectError({ filter: text, ...extra }, 'unsupportedQuery', UNSUPPORTED);

  it('trailing tautology', () => {
    invalid(
      "displayName eq 'x' or 1=1",
      "Invalid filter clause: Syntax error: expected a property name, a function or '(' but found '1' at position 22.",
    );
  });

  it('statement separator', () => {
    invalid("displayName eq 'x'; drop table", "Invalid filter clause: Syntax error: character ';' is not valid at position 18.");
  });

  it('comment and SQL outside literals', () => {
    invalid("displayName eq 'x' -- comment", "Invalid filter clause: Syntax error: character '-' is not valid at position 19.");
    invalid(
      "displayName eq 'x' union select 1",
      "Invalid filter clause: Syntax error: unexpected 'union'; expected 'and', 'or' or the end of the clause at position 19.",
    );
    invalid('displayName eq "x"', `Invalid filter clause: Syntax error: character '"' is not valid at position 15.`);
  });

  it('unterminated strings', () => {
    invalid("'", 'Invalid filter clause: Syntax error: unterminated string literal at position 0.');
    invalid("displayName eq 'van ''t", 'Invalid filter clause: Syntax error: unterminated string literal at position 15.');
  });

  it('unbalanced parentheses', () => {
    invalid(
      '((((',
      "Invalid filter clause: Syntax error: expected a property name, a function or '(' but found the end of the clause at position 4.",
    );
    invalid(
      "(displayName eq 'a'",
      "Invalid filter clause: Syntax error: expected ')' to close the '(' at position 0 but found the end of the clause at position 19.",
    );
    invalid(
      "displayName eq 'a')",
      "Invalid filter clause: Syntax error: unexpected ')'; expected 'and', 'or' or the end of the clause at position 18.",
    );
    invalid('()', "Invalid filter clause: Syntax error: expected a property name, a function or '(' but found ')' at position 1.");
  });

  it('bad function calls', () => {
    invalid(
      'startswith(displayName)',
      "Invalid filter clause: Syntax error: expected ',' after the first argument of startsWith but found ')' at position 22.",
    );
    invalid(
      "startswith('a',displayName)",
      "Invalid filter clause: Syntax error: expected a property name as the first argument of startsWith but found ''a'' at position 11.",
    );
    invalid(
      'startswith(displayName,true)',
      "Invalid filter clause: The second argument of startsWith must be a string literal, found 'true' at position 23.",
    );
    invalid("frobnicate(displayName,'a')", "Invalid filter clause: Unknown function 'frobnicate' at position 0.");
    notSupported("contains(displayName,'a')");
    notSupported("endswith(displayName,'a')", ADVANCED);
    notSupported("startswith(id,'a')");
    notSupported("startswith(displayName,'a') eq true");
  });

  it('unknown and unsupported properties', () => {
    invalid("foo eq 'x'", "Invalid filter clause: Could not find a property named 'foo' on type 'microsoft.graph.user' at position 0.");
    notSupported("jobTitle eq 'x'");
    notSupported("city eq 'x'");
    notSupported("createdDateTime ge 2020-01-01T00:00:00Z");
    notSupported("displayName eq mail");
    invalid("displayName eq bar", "Invalid filter clause: Could not find a property named 'bar' on type 'microsoft.graph.user' at position 15.");
  });

  it('unsupported operators and null', () => {
    notSupported("displayName ge 'a'");
    notSupported('displayName eq null');
    notSupported('id eq null');
    notSupported('accountEnabled eq null');
    notSupported('accountEnabled in (true)');
    invalid("displayName like 'a%'", "Invalid filter clause: Syntax error: expected an operator ('eq', 'ne' or 'in') but found 'like' at position 12.");
    invalid('displayName', "Invalid filter clause: Syntax error: expected an operator ('eq', 'ne' or 'in') after 'displayName' but found the end of the clause at position 11.");
  });

  it('wrong literal types', () => {
    invalid(
      "accountEnabled eq 'true'",
      "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.Boolean' and 'Edm.String' for operator kind 'Equal' at position 18.",
    );
    invalid(
      'displayName eq true',
      "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.String' and 'Edm.Boolean' for operator kind 'Equal' at position 15.",
    );
    invalid('displayName eq 42', /Found operand types 'Edm.String' and 'Edm.Int32'/);
    invalid(`id eq ${USER}`, /Found operand types 'Edm.String' and 'Edm.Guid'/);
    invalid('accountEnabled eq 1', /Found operand types 'Edm.Boolean' and 'Edm.Int32'/);
    invalid('displayName eq 1.5', "Invalid filter clause: '1.5' is not a valid Edm.String literal at position 15.");
    invalid("assignedLicenses/$count eq 'x'", /Found operand types 'Edm.Int32' and 'Edm.String'/, ADVANCED);
  });

  it('id must be a GUID', () => {
    expectError({ filter: "id eq 'not-a-guid'" }, 'invalidRequest', "Invalid object identifier 'not-a-guid'.");
    expectError({ filter: `id in ('${USER}', 'x')` }, 'invalidRequest', "Invalid object identifier 'x'.");
  });

  it('bad lambdas', () => {
    invalid(
      "assignedLicenses/any(x:x/skuId eq 'abc')",
      "Invalid filter clause: 'abc' is not a valid GUID for skuId at position 34.",
    );
    invalid(
      `assignedLicenses/any(x:y/skuId eq ${SKU})`,
      "Invalid filter clause: Syntax error: expected the range variable 'x' but found 'y' at position 23.",
    );
    invalid(
      `assignedLicenses/any(x:x/foo eq ${SKU})`,
      "Invalid filter clause: Could not find a property named 'foo' on type 'microsoft.graph.assignedLicense' at position 25.",
    );
    invalid(
      `assignedLicenses/every(x:x/skuId eq ${SKU})`,
      "Invalid filter clause: Syntax error: expected 'any' or '$count' after 'assignedLicenses/' but found 'every' at position 17.",
    );
    invalid(`assignedLicenses/any(x:x/skuId eq ${SKU}`, /expected '\)' to close any\( but found the end of the clause/);
    notSupported(`assignedLicenses/all(x:x/skuId eq ${SKU})`);
    notSupported(`assignedLicenses/any(x:x/skuId ne ${SKU})`);
    notSupported(`assignedLicenses/any(x:x/skuId eq ${SKU} or x/skuId eq ${SKU})`);
    notSupported('assignedLicenses/any()');
    notSupported(`assignedPlans/any(x:x/servicePlanId eq ${SKU})`);
    notSupported('assignedLicenses/$count eq 2', ADVANCED);
    notSupported('assignedLicenses/$count gt 0', ADVANCED);
    invalid("$count eq 0", "Invalid filter clause: Syntax error: expected a property name, a function or '(' but found '$count' at position 0.");
  });

  it('keywords out of place', () => {
    invalid("and displayName eq 'a'", /found 'and' at position 0\.$/);
    invalid("displayName eq 'a' and", /found the end of the clause at position 22\.$/);
    invalid("displayName eq 'a' or or mail eq 'b'", /found 'or' at position 22\.$/);
    invalid('not', /found the end of the clause at position 3\.$/, ADVANCED);
  });

  it('unicode outside literals', () => {
    invalid("displayNäme eq 'x'", "Invalid filter clause: Syntax error: character 'ä' is not valid at position 8.");
    invalid("displayName eq 'x' 🎉", "Invalid filter clause: Syntax error: character '🎉' is not valid at position 19.");
    invalid("displayName\u00a0eq 'x'", /character '\u00a0' is not valid at position 11/);
    invalid("displayName eq 'x'\u0001", 'Invalid filter clause: Syntax error: character U+0001 is not valid at position 18.');
    invalid("displayName eq 'a\u0000b'", 'Invalid filter clause: Character U+0000 is not allowed in $filter at position 17.');
  });

  it('overly long input', () => {
    const long = `displayName eq '${'a'.repeat(4000)}'`;
    invalid(long, 'Invalid filter clause: The $filter query option is 4017 characters long; at most 4000 are allowed.');
    expectError(
      { search: `"displayName:${'a'.repeat(4000)}"`, consistencyLevel: 'eventual' },
      'invalidRequest',
      'The $search query option is 4014 characters long; at most 4000 are allowed.',
    );
    // Just under the limit is fine, and a long literal is echoed only in part.
    expect(filter(`displayName eq '${'a'.repeat(3900)}'`)).toMatchObject({ kind: 'stringComparison' });
    const error = expectError({ filter: `id eq '${'x'.repeat(3000)}'` }, 'invalidRequest', /^Invalid object identifier 'x+\.\.\.'\.$/);
    expect(error.message.length).toBeLessThan(100);
  });

  it('deep nesting', () => {
    invalid(
      `${'('.repeat(100)}displayName eq 'a'${')'.repeat(100)}`,
      'Invalid filter clause: The expression is nested more than 32 levels deep at position 32.',
    );
    invalid(`${'not '.repeat(40)}displayName eq 'a'`, /nested more than 32 levels deep at position 128\.$/, ADVANCED);
    invalid('('.repeat(3000), /nested more than 32 levels deep/);
  });

  it('a long flat chain is fine (no recursion per operand)', () => {
    const text = Array.from({ length: 150 }, (_, i) => `displayName eq '${i}'`).join(' or ');
    expect(filter(text)).toMatchObject({ kind: 'or' });
  });

  it('never throws anything but AppError on random input', () => {
    const alphabet = ["'", '(', ')', ' ', 'eq', 'ne', 'and', 'or', 'not', 'displayName', 'mail', 'id', ',', '/', ':',
      'any', '$count', 'startswith', 'null', 'true', '0', SKU, 'x', 'é', ';', '"', '\\', '%', '1=1'];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 2000; i += 1) {
      const parts = Array.from({ length: 1 + random(12) }, () => alphabet[random(alphabet.length)] ?? '');
      const input = { filter: parts.join(random(2) === 0 ? ' ' : ''), search: random(3) === 0 ? parts.join(' ') : undefined, ...ADVANCED };
      try {
        parseUserQuery(input);
      } catch (error) {
        expect(error, JSON.stringify(input)).toBeInstanceOf(AppError);
        expect(['invalidRequest', 'unsupportedQuery']).toContain((error as AppError).code);
      }
    }
  });
});
