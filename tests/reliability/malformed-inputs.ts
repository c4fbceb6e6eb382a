import fc from 'fast-check';
import { USER_SELECTABLE_PROPERTIES } from '../../src/domain/odata/user-query.js';

/**
 * Hostile building blocks for the route fuzzer (fuzz-routes.test.ts): strings that break parsers,
 * SQL, OData and Unicode handling, ids that are not ids, paths that try to leave their route, and
 * bodies and headers a well-behaved client would never send.
 */

/** Unicode that trips naive code: lone surrogates, NUL and controls, bidi overrides, combining marks, emoji sequences, BOM, noncharacters. */
const UNICODE_EDGES = [
  '\ud800',
  '\udfff',
  'a\ud83d',
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u200d',
  '\u200e',
  '\u200f',
  '\u202e',
  '\u2066',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffd',
  '\uffff',
  'e\u0301\u0301\u0301\u0301',
  'Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034d',
  '\ud83d\ude00',
  '\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66',
  '\ud83c\uddf3\ud83c\uddf1',
  '\u0627\u0644\u0639\u0631\u0628\u064a\u0629',
  '\u05e2\u05d1\u05e8\u05d9\u05ea',
  '\u{1d573}\u{1d58a}',
  '\u0130\u0131\u00df\u1e9e',
  '\ufdd0',
  '\u{10ffff}',
] as const;

/** SQL and OData injection fragments, quoting and escaping characters, LIKE wildcards. */
const INJECTION_FRAGMENTS = [
  "'",
  "''",
  '"',
  '\\',
  "\\'",
  '%',
  '_',
  '%_%',
  '*',
  ';',
  '--',
  '/*',
  '*/',
  '$',
  '$$',
  '$1',
  '?',
  ':x',
  '{}',
  '[]',
  '()',
  "' or 1 eq 1",
  "' or '1' eq '1",
  "' or 1=1 --",
  "x' or 'x'='x",
  "'); DROP TABLE directory_user; --",
  '1; DELETE FROM license_assignment',
  "' UNION SELECT password_hash FROM credential --",
  "'||(SELECT pg_sleep(5))||'",
  "E'\\x00'",
  '$tag$ x $tag$',
  "' AND 1=CAST((SELECT version()) AS int) --",
  '"; DROP TABLE tenant; --',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '%00',
  '%27',
  '%2527',
  '\r\nX-Injected: 1',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9007199254740993',
  '__proto__',
  'constructor',
  'toString',
] as const;

/** Code points that are legal in HTTP header values (tab, visible ASCII, obs-text): what a real client can send. */
const headerChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
  fc.constant('\t'),
);

/** A header value a real HTTP client could deliver (Node reads header bytes as latin1). */
export const headerJunk = fc.oneof(
  fc.string({ unit: headerChar, maxLength: 80 }),
  fc.constantFrom(...INJECTION_FRAGMENTS.filter((fragment) => /^[\t\x20-\x7e]*$/.test(fragment))),
  fc.nat({ max: 9000 }).map((length) => 'x'.repeat(length)),
);

/** Idempotency-Key values the server must refuse (1–255 visible ASCII is the rule): never one it could accept. */
export const invalidIdempotencyKey = fc.oneof(
  fc.tuple(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }), fc.constantFrom(' ', '\t', '\u00e9', '\u00ff', '\u0080'), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 })).map(
    ([before, bad, after]) => `${before.replace(/\s/g, 'a')}${bad}${after.replace(/\s/g, 'a')}`,
  ),
  fc.integer({ min: 256, max: 5000 }).map((length) => 'k'.repeat(length)),
);

/** Any string, from everyday to hostile; `maxLength` bounds the generated (not the constant) ones. */
export const junkString = (maxLength = 60): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.string({ maxLength }), weight: 3 },
    { arbitrary: fc.string({ unit: 'binary', maxLength }), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength }), weight: 2 },
    { arbitrary: fc.constantFrom(...INJECTION_FRAGMENTS), weight: 3 },
    { arbitrary: fc.constantFrom(...UNICODE_EDGES), weight: 3 },
    { arbitrary: fc.array(fc.oneof(fc.constantFrom(...INJECTION_FRAGMENTS), fc.constantFrom(...UNICODE_EDGES)), { minLength: 2, maxLength: 6 }).map((parts) => parts.join('')), weight: 2 },
    { arbitrary: hugeString, weight: 1 },
  );

/** Strings of 1,000 to 200,000 characters, built by repetition so generating them stays cheap. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('a', "'", '(', '\u00e9', '\ud83d\ude00', '%', '\u0000', 'ab,'), fc.integer({ min: 1000, max: 200_000 }))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

/** Ids that are not the id of anything: malformed GUIDs, GUID-shaped strangers, and hostile strings. */
export const junkId: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => `{${id}}`),
  fc.uuid().map((id) => id.replaceAll('-', '')),
  fc.uuid().map((id) => id.slice(0, -1)),
  fc.uuid().map((id) => `${id}0`),
  fc.uuid().map((id) => `${id.slice(0, 8)}-${id.slice(9)}`),
  fc.uuid().map((id) => id.replace(/[0-9a-f]$/, 'g')),
  fc.uuid().map((id) => ` ${id}`),
  fc.uuid().map((id) => `${id}\u0000`),
  fc.uuid().map((id) => `${id}' or 1 eq 1`),
  fc.constant('00000000-0000-0000-0000-000000000000'),
  fc.constant('ffffffff-ffff-ffff-ffff-ffffffffffff'),
  fc.constantFrom('0', '-1', '1.5', 'null', 'undefined', 'true', '$count', '$ref', '$value', 'me', '%', '.', '..', '...'),
  fc.emailAddress(),
  junkString(),
  fc.integer({ min: 257, max: 3000 }).map((length) => 'a'.repeat(length)),
);

/** Path segments that try to climb out of their route, or smuggle separators and encodings past the router. */
const PATH_TRICKS = [
  '..',
  '../..',
  '../../admin/settings',
  './',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fadmin',
  '%252e%252e%252f',
  '..%2f..%2f',
  '..%5c..%5c',
  '%2f',
  '%00',
  '%zz',
  '%',
  '%e0%a4',
  '%ed%a0%80',
  '%c0%ae%c0%ae',
  '%ff%fe',
  '/',
  '//',
  ';',
  ';jsessionid=x',
  '?',
  '#',
  '\\..\\..',
  '%23',
  '%3f$filter=x',
  '*',
] as const;

/** Percent-encodes any JS string, including lone surrogates (as their WTF-8 bytes, which are not UTF-8). */
export function percentEncode(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** A path parameter as sent: properly encoded, raw (for the tricks), or double-encoded. */
export const encodedSegment = (value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: value.map(percentEncode), weight: 6 },
    { arbitrary: fc.constantFrom(...PATH_TRICKS), weight: 2 },
    { arbitrary: value.map((raw) => percentEncode(percentEncode(raw))), weight: 1 },
    { arbitrary: fc.tuple(value, fc.constantFrom(...PATH_TRICKS)).map(([raw, trick]) => `${percentEncode(raw)}/${trick}`), weight: 1 },
  );

// ---------------------------------------------------------------------------------------------
// OData query options
// ---------------------------------------------------------------------------------------------

const GROUP_PROPERTIES = ['id', 'displayName', 'mailNickname', 'securityEnabled', 'mailEnabled', 'groupTypes', 'hasMembersWithLicenseErrors', 'assignedLicenses', 'description', 'membershipRule'];
const ROLE_PROPERTIES = ['principalId', 'roleDefinitionId', 'directoryScopeId'];

/** Property names: real ones (any case), Graph ones Allot does not store, navigation paths, and junk. */
const propertyName = fc.oneof(
  { arbitrary: fc.constantFrom(...USER_SELECTABLE_PROPERTIES, ...GROUP_PROPERTIES, ...ROLE_PROPERTIES), weight: 6 },
  { arbitrary: fc.constantFrom(...USER_SELECTABLE_PROPERTIES).map((name) => name.toUpperCase()), weight: 1 },
  { arbitrary: fc.constantFrom('city', 'manager', 'memberOf', 'signInActivity', 'proxyAddresses', 'assignedLicenses/skuId', 'assignedLicenses/$count', 'manager/id', 'x/y/z', '@odata.type', '$it', 'id/$value'), weight: 2 },
  { arbitrary: junkString(20), weight: 1 },
);

const odataLiteral = fc.oneof(
  fc.string({ maxLength: 20 }).map((text) => `'${text.replaceAll("'", "''")}'`),
  fc.constantFrom(...INJECTION_FRAGMENTS, ...UNICODE_EDGES).map((text) => `'${text}'`),
  fc.constantFrom(...INJECTION_FRAGMENTS),
  fc.uuid(),
  junkId,
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom('true', 'false', 'null', "''", "'", "'''", "'\\''", '2026-11-01', '2026-11-01T00:00:00Z', 'duration\'P1D\'', "guid'x'", '1e999', '-', '0x10', "binary'AA=='"),
);

const comparison = fc.tuple(propertyName, fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le', 'has', 'in', 'like', '=', '==', '<>', 'EQ'), odataLiteral).map(([property, operator, literal]) =>
  operator === 'in' ? `${property} in (${literal}, ${literal})` : `${property} ${operator} ${literal}`,
);

const functionCall = fc
  .tuple(fc.constantFrom('startsWith', 'endsWith', 'contains', 'substringof', 'tolower', 'length', 'any', 'all', 'cast', 'isof', 'matchesPattern', 'x'), propertyName, odataLiteral)
  .map(([name, property, literal]) => `${name}(${property},${literal})`);

const lambda = fc
  .tuple(fc.constantFrom('assignedLicenses', 'groupTypes', 'proxyAddresses', 'memberOf'), fc.constantFrom('any', 'all'), fc.constantFrom('x', 'y', "'", ''), propertyName, odataLiteral)
  .map(([collection, kind, variable, property, literal]) => `${collection}/${kind}(${variable}:${variable}/${property} eq ${literal})`);

/** $filter expressions: grammar-shaped (so the parser gets past the first token) with hostile leaves. */
const filterExpression: fc.Arbitrary<string> = fc.letrec<{ expression: string }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    functionCall,
    lambda,
    tie('expression').map((inner) => `(${inner})`),
    tie('expression').map((inner) => `not ${inner}`),
    fc.tuple(tie('expression'), fc.constantFrom('and', 'or', 'AND', '&&', '||'), tie('expression')).map(([left, operator, right]) => `${left} ${operator} ${right}`),
  ),
})).expression;

/** A comparison short enough to repeat thousands of times (a huge literal repeated would exhaust memory). */
const shortComparison = comparison.filter((leaf) => leaf.length <= 120);

/** Expressions that attack the parser's depth and length limits. */
const pathologicalExpression = fc.oneof(
  fc.tuple(fc.integer({ min: 10, max: 20_000 }), shortComparison).map(([depth, leaf]) => `${'('.repeat(depth)}${leaf}${')'.repeat(depth)}`),
  fc.integer({ min: 10, max: 20_000 }).map((depth) => '('.repeat(depth)),
  fc.tuple(fc.integer({ min: 10, max: 5000 }), shortComparison).map(([depth, leaf]) => `${'not '.repeat(depth)}${leaf}`),
  fc.tuple(fc.integer({ min: 10, max: 3000 }), shortComparison).map(([count, leaf]) => Array.from({ length: count }, () => leaf).join(' or ')),
  fc.integer({ min: 100, max: 5000 }).map((count) => `id in (${Array.from({ length: count }, (_, index) => `'${index}'`).join(',')})`),
  fc.integer({ min: 10, max: 5000 }).map((depth) => `${'startsWith('.repeat(depth)}displayName,'a'${')'.repeat(depth)}`),
  fc.integer({ min: 10, max: 2000 }).map((depth) => `assignedLicenses/${'any(x:x/'.repeat(depth)}skuId eq 1${')'.repeat(depth)}`),
);

const selectList = fc.array(fc.oneof(propertyName, fc.constantFrom('*', '', ' ', 'id,', ',,', 'assignedLicenses($select=skuId)')), { minLength: 1, maxLength: 8 }).map((names) => names.join(','));
const orderbyList = fc
  .array(fc.tuple(propertyName, fc.constantFrom('', ' asc', ' desc', ' DESC', ' up', ' asc asc')), { minLength: 1, maxLength: 4 })
  .map((keys) => keys.map(([name, direction]) => `${name}${direction}`).join(','));
const searchExpression = fc
  .array(fc.tuple(fc.constantFrom('displayName', 'mail', 'userPrincipalName', 'jobTitle', 'x', ''), fc.string({ maxLength: 12 }), fc.constantFrom(' AND ', ' OR ', ' NOT ', ' ', '')), { minLength: 1, maxLength: 4 })
  .map((terms) => terms.map(([property, text, joiner]) => `"${property}:${text}"${joiner}`).join(''));
const numberish = fc.oneof(
  fc.integer({ min: -5, max: 2000 }).map(String),
  fc.constantFrom('0', '-1', '1.5', '1e3', '999999999999999999999', '0x10', ' 5', '5 ', '+5', '٣', 'abc', '', 'null', 'true', '1,2', '[1]', "'5'"),
);
const expandList = fc.oneof(
  fc.constantFrom('manager', 'memberOf', 'licenseDetails', '*', 'memberOf($select=id)', 'manager($levels=max)', 'members($expand=members($expand=members))'),
  fc.integer({ min: 10, max: 2000 }).map((depth) => `${'members($expand='.repeat(depth)}members${')'.repeat(depth)}`),
);

/** The OData system query options, each with values aimed at it, plus hostile values for any of them. */
export const ODATA_OPTIONS = ['$filter', '$select', '$orderby', '$top', '$skip', '$search', '$expand', '$count', '$skiptoken', '$format', '$levels'] as const;

export const odataValue = (option: string): fc.Arbitrary<string> => {
  const aimed: Record<string, fc.Arbitrary<string>> = {
    $filter: fc.oneof({ arbitrary: filterExpression, weight: 5 }, { arbitrary: pathologicalExpression, weight: 1 }),
    $select: selectList,
    $orderby: orderbyList,
    $top: numberish,
    $skip: numberish,
    $search: fc.oneof(searchExpression, fc.string({ maxLength: 30 }).map((text) => `"${text}`)),
    $expand: expandList,
    $count: fc.constantFrom('true', 'false', 'TRUE', '1', '', 'yes', "true'"),
    $skiptoken: fc.oneof(fc.uuid(), fc.base64String({ maxLength: 60 }), fc.string({ maxLength: 40 }).map((text) => Buffer.from(text).toString('base64'))),
  };
  return fc.oneof({ arbitrary: aimed[option] ?? junkString(), weight: 4 }, { arbitrary: junkString(), weight: 2 }, { arbitrary: pathologicalExpression, weight: 1 });
};

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

/** Whether Fastify's parser would take the text (it drops a leading byte order mark first). */
const isJson = (text: string): boolean => {
  try {
    JSON.parse(text.replace(/^\ufeff/, ''));
    return true;
  } catch {
    return false;
  }
};

/** Text that is not JSON (never empty: an empty body with no content type is no body at all). */
export const brokenJsonText: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom('{', '}', '[', '{"a":', '{"a":1,}', '[1,2,', "{'a':1}", '{a:1}', 'undefined', 'NaN', '{"a":NaN}', '{"a":0x10}', '{"a":01}', '{"a":"\u0000"}x', '\ufeff{}x', '{"a":"\\x41"}', '{"a":1}{"b":2}', '//\n{}', '{"a":1}\u0000', ','),
    fc.jsonValue().map((value) => `${JSON.stringify(value) ?? ''}}`),
    fc.jsonValue().map((value) => (JSON.stringify(value) ?? '').slice(0, -1) + '\u0000'),
    fc.integer({ min: 2, max: 50_000 }).map((depth) => '['.repeat(depth)),
    fc.integer({ min: 2, max: 20_000 }).map((depth) => '{"a":'.repeat(depth)),
    junkString(200),
  )
  .filter((text) => text.trim() !== '' && !isJson(text));

/** JSON that Fastify's parser refuses on purpose (prototype poisoning). */
export const poisonedJsonText = fc.constantFrom('{"__proto__":{"isAdmin":true}}', '{"a":{"__proto__":{"x":1}}}', '{"constructor":{"prototype":{"isAdmin":true}}}');

/** Content types nothing in the API parses as JSON. */
export const foreignContentType = fc.constantFrom(
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/vnd.api+json',
  'image/png',
  'application/jsonx',
  'json',
  '*/*',
  ';',
  'application/json-patch+json',
);

/** A JSON value of any shape, hostile strings included, a few levels deep. */
export const junkJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    junkString(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(junkString(12), fc.constantFrom('id', 'skuId', '@odata.type', '@odata.id', '')), tie('value'), { maxKeys: 4 }),
  ),
})).value;
