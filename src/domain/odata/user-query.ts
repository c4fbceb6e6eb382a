/**
 * The OData subset Allot supports on `GET /v1.0/users` (shared/docs/graph-licensing.md §1.9, §2.12),
 * parsed into a typed AST. Pure: the SQL translation lives in `db/repositories/user-query.sql.ts`.
 *
 * Error policy (every failure is an AppError):
 * - malformed input (bad syntax, unknown property, wrong literal type…) → 'invalidRequest', for
 *   $filter with a message "Invalid filter clause: <what> at position <n>." (0-based, as OData's
 *   own parser counts);
 * - valid OData that Allot (or Graph) does not support, and advanced queries sent without
 *   `ConsistencyLevel: eventual` / `$count=true` → 'unsupportedQuery' "Unsupported Query.", with
 *   the plain-language reason in `details[0].message`.
 */
import { AppError } from '../errors.js';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface UserQueryInput {
  filter?: string;
  orderby?: string;
  search?: string;
  select?: string;
  top?: string;
  count?: string;
  skiptoken?: string;
  /** The `ConsistencyLevel` request header. */
  consistencyLevel?: string;
}

export const USER_SELECTABLE_PROPERTIES = [
  'id',
  'displayName',
  'userPrincipalName',
  'mail',
  'mailNickname',
  'givenName',
  'surname',
  'jobTitle',
  'department',
  'userType',
  'accountEnabled',
  'usageLocation',
  'createdDateTime',
  'assignedLicenses',
  'assignedPlans',
  'licenseAssignmentStates',
  'businessPhones',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'creationType',
  'externalUserState',
  'externalUserStateChangeDateTime',
  'deletedDateTime',
] as const;
export type UserSelectableProperty = (typeof USER_SELECTABLE_PROPERTIES)[number];

export type UserStringFilterProperty =
  | 'id'
  | 'userPrincipalName'
  | 'mail'
  | 'displayName'
  | 'userType'
  | 'usageLocation';
export type UserBooleanFilterProperty = 'accountEnabled';
export type EqualityOperator = 'eq' | 'ne';

/** `prop eq 'x'`, `prop ne 'x'`; `value: null` only for mail, usageLocation, userType. */
export interface StringComparison {
  kind: 'stringComparison';
  property: UserStringFilterProperty;
  operator: EqualityOperator;
  /** As written (case preserved); `id` values are lower-case GUIDs. */
  value: string | null;
}

export interface BooleanComparison {
  kind: 'booleanComparison';
  property: UserBooleanFilterProperty;
  operator: EqualityOperator;
  value: boolean;
}

/** `prop in ('a', 'b')`; at least one value. */
export interface InExpression {
  kind: 'in';
  property: UserStringFilterProperty;
  values: string[];
}

/** `startsWith(prop, 'x')` / `endsWith(prop, 'x')`. */
export interface StringFunction {
  kind: 'startsWith' | 'endsWith';
  property: 'userPrincipalName' | 'mail' | 'displayName' | 'usageLocation';
  value: string;
}

/** `assignedLicenses/any(x:x/skuId eq <guid>)`. */
export interface AssignedLicenseAny {
  kind: 'assignedLicenseAny';
  /** Lower-case GUID. */
  skuId: string;
}

/** `assignedLicenses/$count eq 0` (no licence) / `ne 0` (at least one). */
export interface AssignedLicenseCount {
  kind: 'assignedLicenseCount';
  operator: EqualityOperator;
  value: 0;
}

export interface NotExpression {
  kind: 'not';
  operand: FilterExpression;
}

/** `a and b and c` is one node with three operands (always at least two). */
export interface LogicalExpression {
  kind: 'and' | 'or';
  operands: FilterExpression[];
}

export type FilterExpression =
  | StringComparison
  | BooleanComparison
  | InExpression
  | StringFunction
  | AssignedLicenseAny
  | AssignedLicenseCount
  | NotExpression
  | LogicalExpression;

export type SearchProperty = 'displayName' | 'mail' | 'userPrincipalName';

/** `"displayName:wa"`: a word of the property starts with `value` (case-insensitive). */
export interface SearchTerm {
  kind: 'term';
  property: SearchProperty;
  value: string;
}

export interface SearchLogical {
  kind: 'and' | 'or';
  operands: SearchExpression[];
}

export type SearchExpression = SearchTerm | SearchLogical;

export type UserOrderByProperty = 'displayName' | 'userPrincipalName';

export interface UserOrderBy {
  property: UserOrderByProperty;
  direction: 'asc' | 'desc';
}

export interface UserQuery {
  filter?: FilterExpression;
  orderBy: UserOrderBy[];
  search?: SearchExpression;
  /** Canonical property names in request order, without duplicates; undefined = default set. */
  select?: UserSelectableProperty[];
  /** 1..999, default 100. */
  top: number;
  /**
   * Whether to return `@odata.count`: `$count=true` AND `ConsistencyLevel: eventual`. Graph
   * silently ignores `$count=true` without the header on directory objects, and so do we.
   */
  count: boolean;
  skipToken?: string;
  /** The query uses an advanced-query-only feature (ne, not, endsWith, $count, $search, …). */
  isAdvanced: boolean;
  /** The request carried `ConsistencyLevel: eventual`. */
  eventualConsistency: boolean;
}

// ---------------------------------------------------------------------------------------------
// Limits and property catalogue
// ---------------------------------------------------------------------------------------------

export const MAX_QUERY_OPTION_LENGTH = 4000;
export const MAX_FILTER_DEPTH = 32;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;

const UNSUPPORTED_QUERY = 'Unsupported Query.';

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lower-case name → canonical name, for the case-insensitive lookups Graph does. */
const SELECTABLE = new Map<string, UserSelectableProperty>(
  USER_SELECTABLE_PROPERTIES.map((name) => [name.toLowerCase(), name]),
);

/**
 * Real Graph user properties Allot does not store. Naming one in $filter/$orderby/$search is
 * valid OData that we do not support (→ unsupportedQuery), not a typo (→ invalidRequest).
 */
const OTHER_GRAPH_USER_PROPERTIES = new Set(
  [
    'ageGroup', 'city', 'companyName', 'country', 'employeeHireDate', 'employeeId', 'employeeType',
    'faxNumber', 'identities', 'imAddresses', 'lastPasswordChangeDateTime',
    'legalAgeGroupClassification', 'onPremisesDistinguishedName', 'onPremisesDomainName',
    'onPremisesImmutableId', 'onPremisesSamAccountName', 'onPremisesSecurityIdentifier',
    'onPremisesSyncEnabled', 'onPremisesUserPrincipalName', 'otherMails', 'passwordPolicies',
    'postalCode', 'preferredDataLocation', 'provisionedPlans', 'proxyAddresses', 'securityIdentifier',
    'showInAddressList', 'signInActivity', 'signInSessionsValidFromDateTime', 'state', 'streetAddress',
    'manager', 'memberOf', 'transitiveMemberOf', 'licenseDetails', 'directReports',
  ].map((name) => name.toLowerCase()),
);

interface StringPropertyRules {
  /** `eq null` / `ne null` allowed. */
  nullable: boolean;
  startsWith: boolean;
  endsWith: boolean;
}

const STRING_FILTER_PROPERTIES: Record<UserStringFilterProperty, StringPropertyRules> = {
  id: { nullable: false, startsWith: false, endsWith: false },
  userPrincipalName: { nullable: false, startsWith: true, endsWith: true },
  mail: { nullable: true, startsWith: true, endsWith: true },
  displayName: { nullable: false, startsWith: true, endsWith: false },
  userType: { nullable: true, startsWith: false, endsWith: false },
  usageLocation: { nullable: true, startsWith: true, endsWith: false },
};

const isStringFilterProperty = (name: string): name is UserStringFilterProperty =>
  Object.hasOwn(STRING_FILTER_PROPERTIES, name);

const SEARCH_PROPERTIES: readonly SearchProperty[] = ['displayName', 'mail', 'userPrincipalName'];
const ORDERBY_PROPERTIES: readonly UserOrderByProperty[] = ['displayName', 'userPrincipalName'];
const MAX_ORDERBY_KEYS = 2;

/** OData functions that exist but Allot does not implement (→ unsupported, not "unknown"). */
const OTHER_ODATA_FUNCTIONS = new Set([
  'contains', 'substringof', 'tolower', 'toupper', 'trim', 'length', 'indexof', 'substring', 'concat',
  'matchespattern', 'year', 'month', 'day', 'hour', 'minute', 'second', 'fractionalseconds', 'date',
  'time', 'now', 'totaloffsetminutes', 'mindatetime', 'maxdatetime', 'round', 'floor', 'ceiling',
  'cast', 'isof', 'has',
]);

const UNSUPPORTED_OPERATORS = new Set(['gt', 'ge', 'lt', 'le', 'has', 'add', 'sub', 'mul', 'div', 'mod']);

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Long user text is cut in messages so an error never echoes kilobytes back. */
export function excerpt(text: string): string {
  return text.length <= 64 ? text : `${text.slice(0, 61)}...`;
}

export function unsupported(target: string, reason: string): AppError {
  return new AppError('unsupportedQuery', UNSUPPORTED_QUERY, [
    { code: 'Request_UnsupportedQuery', message: reason, target },
  ]);
}

export function invalidFilter(what: string, position: number): AppError {
  return new AppError('invalidRequest', `Invalid filter clause: ${what} at position ${position}.`);
}

export function unknownProperty(name: string, type = 'microsoft.graph.user'): string {
  return `Could not find a property named '${excerpt(name)}' on type '${type}'`;
}

/** Shared guard for every option: bounded length, and no NUL (PostgreSQL text cannot hold it). */
export function checkOption(option: string, value: string): void {
  const prefix = option === '$filter' ? 'Invalid filter clause: ' : '';
  if (value.length > MAX_QUERY_OPTION_LENGTH) {
    throw new AppError(
      'invalidRequest',
      `${prefix}The ${option} query option is ${value.length} characters long; at most ${MAX_QUERY_OPTION_LENGTH} are allowed.`,
    );
  }
  const nul = value.indexOf('\u0000');
  if (nul !== -1) {
    throw new AppError(
      'invalidRequest',
      `${prefix}Character U+0000 is not allowed in ${option} at position ${nul}.`,
    );
  }
}

/** Empty or blank options count as absent, as in OData's own parser. */
export const present = (value: string | undefined): value is string =>
  value !== undefined && value.trim() !== '';

// ---------------------------------------------------------------------------------------------
// $filter tokenizer
// ---------------------------------------------------------------------------------------------

export type TokenKind =
  | 'identifier'
  | 'string'
  | 'guid'
  | 'integer'
  /** Dates, decimals and the like: lexed so the error can name them, never accepted. */
  | 'otherLiteral'
  | '('
  | ')'
  | ','
  | '/'
  | ':'
  | 'end';

export interface Token {
  kind: TokenKind;
  /** Source text of the token (for messages). */
  text: string;
  /** Decoded value: the unescaped content of a string literal, otherwise `text`. */
  value: string;
  position: number;
}

const isIdentifierStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isIdentifierPart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isWhitespace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\r' || c === '\n';

function describeCharacter(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
}

/** Lexes on demand, so errors surface left to right in the order a reader meets them. */
export class FilterLexer {
  private position = 0;

  constructor(private readonly source: string) {}

  next(): Token {
    const source = this.source;
    while (isWhitespace(source[this.position])) {
      this.position += 1;
    }
    const start = this.position;
    const c = source[start];
    if (c === undefined) {
      return { kind: 'end', text: '', value: '', position: start };
    }
    if (c === '(' || c === ')' || c === ',' || c === '/' || c === ':') {
      this.position += 1;
      return { kind: c, text: c, value: c, position: start };
    }
    if (c === "'") {
      return this.readString(start);
    }
    // An unquoted GUID may start with a letter (cbdc14ab-…), so try it before identifiers.
    const guid = source.slice(start, start + 36);
    if (GUID_PATTERN.test(guid) && !isIdentifierPart(source[start + 36])) {
      this.position = start + 36;
      return { kind: 'guid', text: guid, value: guid, position: start };
    }
    if (isDigit(c)) {
      let end = start + 1;
      while (end < source.length && /[0-9A-Za-z.:+-]/.test(source[end] ?? '')) {
        end += 1;
      }
      this.position = end;
      const text = source.slice(start, end);
      return { kind: /^[0-9]+$/.test(text) ? 'integer' : 'otherLiteral', text, value: text, position: start };
    }
    // `$` only starts the `$count` path segment; the parser accepts it nowhere else.
    if (isIdentifierStart(c) || (c === '$' && isIdentifierStart(source[start + 1]))) {
      let end = start + 1;
      while (isIdentifierPart(source[end])) {
        end += 1;
      }
      this.position = end;
      const text = source.slice(start, end);
      return { kind: 'identifier', text, value: text, position: start };
    }
    const character = String.fromCodePoint(source.codePointAt(start) ?? 0);
    throw invalidFilter(`Syntax error: character ${describeCharacter(character)} is not valid`, start);
  }

  /** `'…'` with `''` standing for one quote; the content is data, never re-parsed. */
  private readString(start: number): Token {
    const source = this.source;
    let value = '';
    let from = start + 1;
    for (;;) {
      const quote = source.indexOf("'", from);
      if (quote === -1) {
        throw invalidFilter('Syntax error: unterminated string literal', start);
      }
      value += source.slice(from, quote);
      if (source[quote + 1] === "'") {
        value += "'";
        from = quote + 2;
        continue;
      }
      this.position = quote + 1;
      return { kind: 'string', text: source.slice(start, quote + 1), value, position: start };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// $filter parser
// ---------------------------------------------------------------------------------------------

/** Words that cannot start a primary expression (so `eq 'x'` is a syntax error, not a property). */
const RESERVED = new Set(['and', 'or', 'not', 'eq', 'ne', 'in', 'true', 'false', 'null']);

const OPERATOR_KIND: Record<string, string> = { eq: 'Equal', ne: 'NotEqual', in: 'In' };

function literalType(token: Token): string | undefined {
  switch (token.kind) {
    case 'string':
      return 'Edm.String';
    case 'guid':
      return 'Edm.Guid';
    case 'integer':
      return 'Edm.Int32';
    case 'identifier': {
      const word = token.value.toLowerCase();
      return word === 'true' || word === 'false' ? 'Edm.Boolean' : undefined;
    }
    default:
      return undefined;
  }
}

export function describeToken(token: Token): string {
  return token.kind === 'end' ? 'the end of the clause' : `'${excerpt(token.text)}'`;
}

/**
 * Recursive descent over
 *   or      := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | primary
 *   primary := '(' or ')' | function '(' args ')' | property '/' path | property op value
 * which gives OData's precedence not > and > or. Only `(` and `not` recurse, so counting them
 * bounds the stack.
 */
class FilterParser {
  private token: Token;
  private depth = 0;
  /** Advanced-query features met, in order, to explain a missing header. */
  readonly advancedFeatures: string[] = [];

  constructor(private readonly lexer: FilterLexer) {
    this.token = lexer.next();
  }

  parse(): FilterExpression {
    const expression = this.parseOr();
    if (this.token.kind !== 'end') {
      throw invalidFilter(
        `Syntax error: unexpected ${describeToken(this.token)}; expected 'and', 'or' or the end of the clause`,
        this.token.position,
      );
    }
    return expression;
  }

  private advance(): Token {
    const current = this.token;
    this.token = this.lexer.next();
    return current;
  }

  private currentKind(): TokenKind {
    return this.token.kind;
  }

  private isWord(word: string): boolean {
    return this.token.kind === 'identifier' && this.token.value.toLowerCase() === word;
  }

  private expect(kind: TokenKind, context: string): Token {
    if (this.token.kind !== kind) {
      throw invalidFilter(
        `Syntax error: expected '${kind}' ${context} but found ${describeToken(this.token)}`,
        this.token.position,
      );
    }
    return this.advance();
  }

  private expectIdentifier(what: string): Token {
    if (this.token.kind !== 'identifier') {
      throw invalidFilter(
        `Syntax error: expected ${what} but found ${describeToken(this.token)}`,
        this.token.position,
      );
    }
    return this.advance();
  }

  private enter(position: number): void {
    this.depth += 1;
    if (this.depth > MAX_FILTER_DEPTH) {
      throw invalidFilter(`The expression is nested more than ${MAX_FILTER_DEPTH} levels deep`, position);
    }
  }

  private parseOr(): FilterExpression {
    const operands = [this.parseAnd()];
    while (this.isWord('or')) {
      this.advance();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 && operands[0] !== undefined ? operands[0] : { kind: 'or', operands };
  }

  private parseAnd(): FilterExpression {
    const operands = [this.parseUnary()];
    while (this.isWord('and')) {
      this.advance();
      operands.push(this.parseUnary());
    }
    return operands.length === 1 && operands[0] !== undefined ? operands[0] : { kind: 'and', operands };
  }

  private parseUnary(): FilterExpression {
    if (this.isWord('not')) {
      const not = this.advance();
      this.enter(not.position);
      this.advancedFeatures.push("the 'not' operator");
      const operand = this.parseUnary();
      this.depth -= 1;
      return { kind: 'not', operand };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterExpression {
    const token = this.token;
    if (token.kind === '(') {
      this.advance();
      this.enter(token.position);
      const expression = this.parseOr();
      this.expect(')', `to close the '(' at position ${token.position}`);
      this.depth -= 1;
      return expression;
    }
    if (token.kind === 'identifier' && !token.value.startsWith('$') && !RESERVED.has(token.value.toLowerCase())) {
      this.advance();
      if (this.token.kind === '(') {
        return this.parseFunction(token);
      }
      if (this.token.kind === '/') {
        return this.parsePath(token);
      }
      return this.parseComparison(token);
    }
    throw invalidFilter(
      `Syntax error: expected a property name, a function or '(' but found ${describeToken(token)}`,
      token.position,
    );
  }

  /** Canonical name of a user property; unknown names are client errors, not unsupported ones. */
  private resolveProperty(token: Token): string {
    const lower = token.value.toLowerCase();
    const canonical = SELECTABLE.get(lower);
    if (canonical !== undefined) {
      return canonical;
    }
    if (OTHER_GRAPH_USER_PROPERTIES.has(lower)) {
      throw unsupported('$filter', `Allot does not support filtering on '${token.value}'.`);
    }
    throw invalidFilter(unknownProperty(token.value), token.position);
  }

  private parseComparison(propertyToken: Token): FilterExpression {
    const property = this.resolveProperty(propertyToken);
    if (property !== 'accountEnabled' && !isStringFilterProperty(property)) {
      throw unsupported('$filter', `Allot does not support filtering on '${property}'.`);
    }
    const operatorToken = this.expectIdentifier(`an operator ('eq', 'ne' or 'in') after '${propertyToken.text}'`);
    const operator = operatorToken.value.toLowerCase();
    if (UNSUPPORTED_OPERATORS.has(operator)) {
      throw unsupported('$filter', `The '${operator}' operator is not supported on '${property}'.`);
    }
    if (operator !== 'eq' && operator !== 'ne' && operator !== 'in') {
      throw invalidFilter(
        `Syntax error: expected an operator ('eq', 'ne' or 'in') but found '${excerpt(operatorToken.text)}'`,
        operatorToken.position,
      );
    }
    if (operator === 'in') {
      if (property === 'accountEnabled') {
        throw unsupported('$filter', "The 'in' operator is not supported on 'accountEnabled'; use 'eq'.");
      }
      return this.parseInList(property);
    }
    if (operator === 'ne') {
      this.advancedFeatures.push("the 'ne' operator");
    }
    return property === 'accountEnabled'
      ? this.parseBooleanValue(property, operator)
      : this.parseStringValue(property, operator);
  }

  private incompatible(left: string, right: Token, operator: string): AppError {
    return invalidFilter(
      `A binary operator with incompatible types was detected. Found operand types '${left}' and ` +
        `'${literalType(right) ?? 'unknown'}' for operator kind '${OPERATOR_KIND[operator] ?? operator}'`,
      right.position,
    );
  }

  /** Anything that is not a literal of the expected type: explain what it is instead. */
  private notAValue(expected: string, operator: string): AppError {
    const token = this.token;
    if (literalType(token) !== undefined) {
      return this.incompatible(expected, token, operator);
    }
    if (token.kind === 'identifier' && !RESERVED.has(token.value.toLowerCase())) {
      this.resolveProperty(token); // unknown → "Could not find a property…"
      return unsupported('$filter', 'Comparing a property with another property is not supported.');
    }
    if (token.kind === 'otherLiteral') {
      return invalidFilter(`'${excerpt(token.text)}' is not a valid ${expected} literal`, token.position);
    }
    return invalidFilter(
      `Syntax error: expected a value after '${operator}' but found ${describeToken(token)}`,
      token.position,
    );
  }

  private parseBooleanValue(property: UserBooleanFilterProperty, operator: EqualityOperator): BooleanComparison {
    if (this.isWord('true') || this.isWord('false')) {
      const value = this.advance().value.toLowerCase() === 'true';
      return { kind: 'booleanComparison', property, operator, value };
    }
    if (this.isWord('null')) {
      throw unsupported('$filter', `'${property}' cannot be compared with null.`);
    }
    throw this.notAValue('Edm.Boolean', operator);
  }

  private parseStringValue(property: UserStringFilterProperty, operator: EqualityOperator): StringComparison {
    if (this.isWord('null')) {
      if (!STRING_FILTER_PROPERTIES[property].nullable) {
        throw unsupported(
          '$filter',
          `'${property}' cannot be compared with null; only mail, usageLocation and userType can.`,
        );
      }
      this.advance();
      return { kind: 'stringComparison', property, operator, value: null };
    }
    if (this.token.kind !== 'string') {
      throw this.notAValue('Edm.String', operator);
    }
    const value = this.stringValue(property, this.advance());
    return { kind: 'stringComparison', property, operator, value };
  }

  /** `id` holds object ids: anything but a GUID is Graph's "Invalid object identifier". */
  private stringValue(property: UserStringFilterProperty, token: Token): string {
    if (property !== 'id') {
      return token.value;
    }
    if (!GUID_PATTERN.test(token.value)) {
      throw new AppError('invalidRequest', `Invalid object identifier '${excerpt(token.value)}'.`);
    }
    return token.value.toLowerCase();
  }

  private parseInList(property: UserStringFilterProperty): InExpression {
    this.expect('(', "after 'in'");
    const values: string[] = [];
    for (;;) {
      if (this.isWord('null')) {
        throw unsupported('$filter', "null is not supported inside an 'in' list.");
      }
      if (this.token.kind !== 'string') {
        throw this.notAValue('Edm.String', 'in');
      }
      values.push(this.stringValue(property, this.advance()));
      // Re-read through a method: TS would otherwise keep `this.token` narrowed to 'string'.
      if (this.currentKind() === ',') {
        this.advance();
        continue;
      }
      this.expect(')', "to close the 'in' list");
      return { kind: 'in', property, values };
    }
  }

  private parseFunction(nameToken: Token): FilterExpression {
    const name = nameToken.value.toLowerCase();
    if (name !== 'startswith' && name !== 'endswith') {
      if (OTHER_ODATA_FUNCTIONS.has(name)) {
        throw unsupported('$filter', `The '${nameToken.value}' function is not supported.`);
      }
      throw invalidFilter(`Unknown function '${excerpt(nameToken.text)}'`, nameToken.position);
    }
    const kind = name === 'startswith' ? 'startsWith' : 'endsWith';
    this.expect('(', `after '${nameToken.text}'`);
    const propertyToken = this.expectIdentifier(`a property name as the first argument of ${kind}`);
    const property = this.resolveProperty(propertyToken);
    if (!isStringFilterProperty(property) || !STRING_FILTER_PROPERTIES[property][kind]) {
      throw unsupported('$filter', `${kind} is not supported on '${property}'.`);
    }
    this.expect(',', `after the first argument of ${kind}`);
    if (this.token.kind !== 'string') {
      throw invalidFilter(
        `The second argument of ${kind} must be a string literal, found ${describeToken(this.token)}`,
        this.token.position,
      );
    }
    const value = this.advance().value;
    this.expect(')', `to close ${kind}(`);
    if (kind === 'endsWith') {
      this.advancedFeatures.push('the endsWith function');
    }
    // `startsWith(p,'x') eq true` is valid OData but only the bare form is supported.
    if (this.isWord('eq') || this.isWord('ne')) {
      throw unsupported('$filter', `Comparing the result of ${kind} is not supported; use it on its own.`);
    }
    // The capability table above guarantees the narrower property type.
    return { kind, property: property as StringFunction['property'], value };
  }

  private parsePath(propertyToken: Token): FilterExpression {
    const property = this.resolveProperty(propertyToken);
    if (property !== 'assignedLicenses') {
      throw unsupported('$filter', `Paths under '${property}' are not supported.`);
    }
    this.advance(); // '/'
    const segment = this.expectIdentifier("'any' or '$count' after 'assignedLicenses/'");
    switch (segment.value.toLowerCase()) {
      case 'any':
        return this.parseAny();
      case '$count':
        return this.parseLicenseCount();
      case 'all':
        throw unsupported('$filter', "The 'all' lambda operator is not supported; use 'any'.");
      default:
        throw invalidFilter(
          `Syntax error: expected 'any' or '$count' after 'assignedLicenses/' but found '${excerpt(segment.text)}'`,
          segment.position,
        );
    }
  }

  /** Only the Graph-documented form `any(x:x/skuId eq <guid>)`. */
  private parseAny(): AssignedLicenseAny {
    this.expect('(', "after 'any'");
    if (this.token.kind === ')') {
      throw unsupported('$filter', "'assignedLicenses/any()' without a condition is not supported; use '/$count ne 0'.");
    }
    const variable = this.expectIdentifier('a range variable');
    this.expect(':', 'after the range variable');
    const reference = this.expectIdentifier(`the range variable '${variable.text}'`);
    if (reference.value !== variable.value) {
      throw invalidFilter(
        `Syntax error: expected the range variable '${excerpt(variable.text)}' but found '${excerpt(reference.text)}'`,
        reference.position,
      );
    }
    this.expect('/', `after '${variable.text}'`);
    const member = this.expectIdentifier('skuId');
    const memberName = member.value.toLowerCase();
    if (memberName === 'disabledplans') {
      throw unsupported('$filter', 'Filtering on assignedLicenses/disabledPlans is not supported.');
    }
    if (memberName !== 'skuid') {
      throw invalidFilter(unknownProperty(member.value, 'microsoft.graph.assignedLicense'), member.position);
    }
    const operator = this.expectIdentifier("'eq' after skuId");
    if (operator.value.toLowerCase() !== 'eq') {
      throw unsupported('$filter', "Inside assignedLicenses/any() only 'skuId eq <GUID>' is supported.");
    }
    const valueToken = this.token;
    if (valueToken.kind !== 'guid' && valueToken.kind !== 'string') {
      throw this.notAValue('Edm.Guid', 'eq');
    }
    if (!GUID_PATTERN.test(valueToken.value)) {
      throw invalidFilter(`'${excerpt(valueToken.value)}' is not a valid GUID for skuId`, valueToken.position);
    }
    this.advance();
    if (this.isWord('and') || this.isWord('or')) {
      throw unsupported('$filter', "Inside assignedLicenses/any() only 'skuId eq <GUID>' is supported.");
    }
    this.expect(')', 'to close any(');
    return { kind: 'assignedLicenseAny', skuId: valueToken.value.toLowerCase() };
  }

  private parseLicenseCount(): AssignedLicenseCount {
    const operatorToken = this.expectIdentifier("'eq' or 'ne' after 'assignedLicenses/$count'");
    const operator = operatorToken.value.toLowerCase();
    if (UNSUPPORTED_OPERATORS.has(operator)) {
      throw unsupported('$filter', "Only 'assignedLicenses/$count eq 0' and 'ne 0' are supported.");
    }
    if (operator !== 'eq' && operator !== 'ne') {
      throw invalidFilter(
        `Syntax error: expected an operator after 'assignedLicenses/$count' but found '${excerpt(operatorToken.text)}'`,
        operatorToken.position,
      );
    }
    if (this.token.kind !== 'integer') {
      throw this.notAValue('Edm.Int32', operator);
    }
    if (Number(this.advance().value) !== 0) {
      throw unsupported('$filter', "Only 'assignedLicenses/$count eq 0' and 'ne 0' are supported.");
    }
    this.advancedFeatures.push('assignedLicenses/$count');
    return { kind: 'assignedLicenseCount', operator, value: 0 };
  }
}

export function parseFilter(source: string): { expression: FilterExpression; advancedFeatures: string[] } {
  checkOption('$filter', source);
  const parser = new FilterParser(new FilterLexer(source));
  const expression = parser.parse();
  return { expression, advancedFeatures: parser.advancedFeatures };
}

// ---------------------------------------------------------------------------------------------
// $search
// ---------------------------------------------------------------------------------------------

type SearchToken =
  | { kind: 'term'; content: string; position: number }
  | { kind: 'word'; word: string; position: number }
  | { kind: 'end'; position: number };

function invalidSearch(what: string, position: number): AppError {
  return new AppError('invalidRequest', `Invalid $search clause: ${what} at position ${position}.`);
}

/** Quoted terms (`\"` and `\\` escape inside them) and the bare words AND / OR / NOT. */
function tokenizeSearch(source: string): SearchToken[] {
  const tokens: SearchToken[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (isWhitespace(c)) {
      i += 1;
      continue;
    }
    const start = i;
    if (c === '"') {
      let content = '';
      i += 1;
      for (;;) {
        const d = source[i];
        if (d === undefined) {
          throw invalidSearch('unterminated quoted term', start);
        }
        if (d === '\\' && (source[i + 1] === '"' || source[i + 1] === '\\')) {
          content += source[i + 1];
          i += 2;
          continue;
        }
        i += 1;
        if (d === '"') {
          break;
        }
        content += d;
      }
      tokens.push({ kind: 'term', content, position: start });
      continue;
    }
    if (/[A-Za-z]/.test(c ?? '')) {
      while (i < source.length && /[A-Za-z]/.test(source[i] ?? '')) {
        i += 1;
      }
      const word = source.slice(start, i);
      if (!['and', 'or', 'not'].includes(word.toLowerCase())) {
        throw invalidSearch(
          `search terms must be enclosed in double quotes, as in "displayName:wa" (found '${excerpt(word)}')`,
          start,
        );
      }
      tokens.push({ kind: 'word', word: word.toUpperCase(), position: start });
      continue;
    }
    if (c === '(' || c === ')') {
      throw unsupported('$search', 'Parentheses in $search are not supported.');
    }
    throw invalidSearch(
      `unexpected character ${describeCharacter(String.fromCodePoint(source.codePointAt(i) ?? 0))}; search terms must be enclosed in double quotes`,
      start,
    );
  }
  tokens.push({ kind: 'end', position: source.length });
  return tokens;
}

function searchTerm(token: { content: string; position: number }): SearchTerm {
  const colon = token.content.indexOf(':');
  if (colon === -1) {
    throw unsupported('$search', 'Each $search term must name its property, as in "displayName:wa".');
  }
  const name = token.content.slice(0, colon).trim();
  const value = token.content.slice(colon + 1).trim();
  const property = SEARCH_PROPERTIES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (property === undefined) {
    if (SELECTABLE.has(name.toLowerCase()) || OTHER_GRAPH_USER_PROPERTIES.has(name.toLowerCase())) {
      throw unsupported('$search', `Searching on '${name}' is not supported; use displayName, mail or userPrincipalName.`);
    }
    throw new AppError('invalidRequest', `${unknownProperty(name)}.`);
  }
  if (value === '') {
    throw invalidSearch(`empty search value for '${property}'`, token.position);
  }
  return { kind: 'term', property, value };
}

/** or := and ('OR' and)*; and := term (['AND'] term)* — juxtaposition is AND, as in OData. */
export function parseSearch(source: string): SearchExpression {
  checkOption('$search', source);
  const tokens = tokenizeSearch(source);
  let index = 0;
  const peek = (): SearchToken => tokens[index] ?? { kind: 'end', position: source.length };

  const parseTerm = (): SearchExpression => {
    const token = peek();
    if (token.kind === 'term') {
      index += 1;
      return searchTerm(token);
    }
    if (token.kind === 'word' && token.word === 'NOT') {
      throw unsupported('$search', 'NOT is not supported in $search.');
    }
    const found = token.kind === 'end' ? 'the end of the clause' : `'${token.word}'`;
    throw invalidSearch(`expected a quoted term but found ${found}`, token.position);
  };
  const parseAnd = (): SearchExpression => {
    const operands = [parseTerm()];
    for (;;) {
      const token = peek();
      if (token.kind === 'word' && token.word === 'AND') {
        index += 1;
      } else if (token.kind !== 'term') {
        break;
      }
      operands.push(parseTerm());
    }
    return operands.length === 1 && operands[0] !== undefined ? operands[0] : { kind: 'and', operands };
  };
  const operands = [parseAnd()];
  for (let token = peek(); token.kind === 'word' && token.word === 'OR'; token = peek()) {
    index += 1;
    operands.push(parseAnd());
  }
  const rest = peek();
  if (rest.kind !== 'end') {
    throw invalidSearch(`unexpected '${rest.kind === 'word' ? rest.word : rest.content}'`, rest.position);
  }
  return operands.length === 1 && operands[0] !== undefined ? operands[0] : { kind: 'or', operands };
}

// ---------------------------------------------------------------------------------------------
// $orderby, $select, $top, $count
// ---------------------------------------------------------------------------------------------

export function parseOrderBy(source: string): UserOrderBy[] {
  checkOption('$orderby', source);
  const keys: UserOrderBy[] = [];
  for (const item of source.split(',')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+([A-Za-z]+))?\s*$/.exec(item);
    if (match === null) {
      if (/^\s*[A-Za-z_][A-Za-z0-9_]*\s*\//.test(item)) {
        throw unsupported('$orderby', 'Ordering by a path is not supported.');
      }
      throw new AppError('invalidRequest', `Invalid $orderby clause: '${excerpt(item.trim())}' is not a valid sort key.`);
    }
    const name = match[1] ?? '';
    const direction = (match[2] ?? 'asc').toLowerCase();
    if (direction !== 'asc' && direction !== 'desc') {
      throw new AppError(
        'invalidRequest',
        `Invalid $orderby clause: expected 'asc' or 'desc' after '${name}' but found '${excerpt(match[2] ?? '')}'.`,
      );
    }
    const property = ORDERBY_PROPERTIES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (property === undefined) {
      if (SELECTABLE.has(name.toLowerCase()) || OTHER_GRAPH_USER_PROPERTIES.has(name.toLowerCase())) {
        throw unsupported('$orderby', `Ordering by '${name}' is not supported; use displayName or userPrincipalName.`);
      }
      throw new AppError('invalidRequest', `${unknownProperty(name)}.`);
    }
    if (keys.some((key) => key.property === property)) {
      throw new AppError('invalidRequest', `Duplicate property named '${property}' is not supported in '$orderby'.`);
    }
    keys.push({ property, direction });
  }
  if (keys.length > MAX_ORDERBY_KEYS) {
    throw unsupported('$orderby', `At most ${MAX_ORDERBY_KEYS} $orderby keys are supported.`);
  }
  return keys;
}

export function parseSelect(source: string): UserSelectableProperty[] {
  checkOption('$select', source);
  const selected: UserSelectableProperty[] = [];
  for (const item of source.split(',')) {
    const name = item.trim();
    const property = SELECTABLE.get(name.toLowerCase());
    if (property === undefined) {
      throw new AppError('invalidRequest', `${unknownProperty(name)}.`);
    }
    if (!selected.includes(property)) {
      selected.push(property);
    }
  }
  return selected;
}

export function parseTop(source: string | undefined): number {
  if (source === undefined) {
    return DEFAULT_PAGE_SIZE;
  }
  const value = /^[0-9]{1,9}$/.test(source) ? Number(source) : Number.NaN;
  if (!(value >= 1 && value <= MAX_PAGE_SIZE)) {
    throw new AppError(
      'invalidRequest',
      `Invalid page size specified: '${excerpt(source)}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`,
    );
  }
  return value;
}

function parseCount(source: string | undefined): boolean {
  if (source === undefined) {
    return false;
  }
  const value = source.toLowerCase();
  if (value !== 'true' && value !== 'false') {
    throw new AppError(
      'invalidRequest',
      `Invalid value '${excerpt(source)}' for the $count query option. Valid values are 'true' and 'false'.`,
    );
  }
  return value === 'true';
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

export function parseUserQuery(input: UserQueryInput): UserQuery {
  const top = parseTop(input.top);
  const countRequested = parseCount(input.count);
  const eventualConsistency = input.consistencyLevel?.trim().toLowerCase() === 'eventual';
  const select = present(input.select) ? parseSelect(input.select) : undefined;
  const orderBy = present(input.orderby) ? parseOrderBy(input.orderby) : [];
  const filter = present(input.filter) ? parseFilter(input.filter) : undefined;
  const search = present(input.search) ? parseSearch(input.search) : undefined;
  if (input.skiptoken !== undefined) {
    checkOption('$skiptoken', input.skiptoken);
  }

  // Graph's advanced-query rule: these need the header AND $count=true; $search the header only.
  const needsCount = [...(filter?.advancedFeatures ?? [])];
  if (filter !== undefined && orderBy.length > 0) {
    needsCount.push('$orderby combined with $filter');
  }
  if (needsCount.length > 0 && !(eventualConsistency && countRequested)) {
    throw unsupported(
      '$filter',
      `${needsCount.join(', ')} requires an advanced query: send the header 'ConsistencyLevel: eventual' and $count=true.`,
    );
  }
  if (search !== undefined && !eventualConsistency) {
    throw unsupported('$search', "$search requires the header 'ConsistencyLevel: eventual'.");
  }

  return {
    ...(filter === undefined ? {} : { filter: filter.expression }),
    orderBy,
    ...(search === undefined ? {} : { search }),
    ...(select === undefined ? {} : { select }),
    top,
    count: countRequested && eventualConsistency,
    ...(present(input.skiptoken) ? { skipToken: input.skiptoken } : {}),
    isAdvanced: needsCount.length > 0 || search !== undefined,
    eventualConsistency,
  };
}
