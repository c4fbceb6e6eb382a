/**
 * The OData subset Allot supports on `GET /v1.0/groups` (graph-licensing.md §1.10, §2.8, §2.15),
 * parsed into a typed AST. Pure: the SQL translation is in db/repositories/group.repository.ts.
 * The lexer and the error texts are those of the users' query (user-query.ts), so both answer
 * malformed input the same way: 'invalidRequest' "Invalid filter clause: … at position n." and
 * valid OData Allot does not support 'unsupportedQuery' "Unsupported Query.".
 *
 * Supported, none of which needs Graph's advanced-query headers:
 *   displayName eq 'x', mailNickname eq 'x', id eq '<guid>', startswith(displayName|mailNickname, 'x'),
 *   securityEnabled eq true|false, mailEnabled eq true|false,
 *   groupTypes/any(c:c eq 'Unified'|'DynamicMembership'),
 *   hasMembersWithLicenseErrors eq true,
 *   assignedLicenses/any() and assignedLicenses/any(x:x/skuId eq <guid>),
 * joined with and / or and parentheses. $orderby accepts only displayName (the order pages have anyway).
 */
import type { AppError } from '../errors.js';
import { GROUP_TYPES, type GroupType } from '../group.js';
import { isGuid } from '../ids.js';
import {
  checkOption,
  describeToken,
  excerpt,
  FilterLexer,
  invalidFilter,
  MAX_FILTER_DEPTH,
  parseTop,
  present,
  unknownProperty,
  unsupported,
  type Token,
  type TokenKind,
} from './user-query.js';

export type GroupStringProperty = 'displayName' | 'mailNickname';
export type GroupBooleanProperty = 'securityEnabled' | 'mailEnabled';

export type GroupFilter =
  | { kind: 'stringEq'; property: GroupStringProperty; value: string }
  | { kind: 'startsWith'; property: GroupStringProperty; value: string }
  /** Lower-case GUID. */
  | { kind: 'idEq'; value: string }
  | { kind: 'booleanEq'; property: GroupBooleanProperty; value: boolean }
  | { kind: 'groupTypeAny'; groupType: GroupType }
  /** A member's license from this group is in error (license_assignment source = the group, state Error). */
  | { kind: 'hasMembersWithLicenseErrors' }
  /** The group carries a license (of `skuId`, when given). */
  | { kind: 'assignedLicenseAny'; skuId?: string }
  | { kind: 'and' | 'or'; operands: GroupFilter[] };

export interface GroupQueryInput {
  filter?: string | undefined;
  orderby?: string | undefined;
  top?: string | undefined;
  skiptoken?: string | undefined;
}

export interface GroupQuery {
  filter?: GroupFilter;
  /** 1..999, default 100. */
  top: number;
  skipToken?: string;
}

const GRAPH_GROUP = 'microsoft.graph.group';

const STRING_PROPERTIES: readonly GroupStringProperty[] = ['displayName', 'mailNickname'];
const BOOLEAN_PROPERTIES: readonly GroupBooleanProperty[] = ['securityEnabled', 'mailEnabled'];

/** Graph group properties Allot knows but cannot filter on (valid OData: unsupported, not unknown). */
const OTHER_GROUP_PROPERTIES = [
  'description',
  'createdDateTime',
  'mail',
  'proxyAddresses',
  'visibility',
  'membershipRule',
  'membershipRuleProcessingState',
  'classification',
  'expirationDateTime',
  'isAssignableToRole',
  'onPremisesSyncEnabled',
  'renewedDateTime',
  'securityIdentifier',
  'licenseProcessingState',
  'deletedDateTime',
  'preferredLanguage',
  'theme',
  'members',
  'owners',
  'memberOf',
  'transitiveMembers',
  'membersWithLicenseErrors',
];

const FILTER_PROPERTIES = ['id', ...STRING_PROPERTIES, ...BOOLEAN_PROPERTIES, 'groupTypes', 'hasMembersWithLicenseErrors', 'assignedLicenses'];
const KNOWN = new Map([...FILTER_PROPERTIES, ...OTHER_GROUP_PROPERTIES].map((name) => [name.toLowerCase(), name]));

/** OData functions that exist but Allot does not implement on groups. */
const OTHER_FUNCTIONS = new Set(['endswith', 'contains', 'substringof', 'tolower', 'toupper', 'trim', 'length', 'indexof', 'substring', 'concat']);

class GroupFilterParser {
  private token: Token;
  private depth = 0;

  constructor(private readonly lexer: FilterLexer) {
    this.token = lexer.next();
  }

  parse(): GroupFilter {
    const expression = this.parseOr();
    if (this.token.kind !== 'end') {
      throw invalidFilter(`Syntax error: unexpected ${describeToken(this.token)}; expected 'and', 'or' or the end of the clause`, this.token.position);
    }
    return expression;
  }

  private advance(): Token {
    const current = this.token;
    this.token = this.lexer.next();
    return current;
  }

  private isWord(word: string): boolean {
    return this.token.kind === 'identifier' && this.token.value.toLowerCase() === word;
  }

  private expect(kind: TokenKind, context: string): Token {
    if (this.token.kind !== kind) {
      throw invalidFilter(`Syntax error: expected '${kind}' ${context} but found ${describeToken(this.token)}`, this.token.position);
    }
    return this.advance();
  }

  private expectIdentifier(what: string): Token {
    if (this.token.kind !== 'identifier') {
      throw invalidFilter(`Syntax error: expected ${what} but found ${describeToken(this.token)}`, this.token.position);
    }
    return this.advance();
  }

  private expectWord(word: string, context: string): Token {
    if (!this.isWord(word)) {
      throw invalidFilter(`Syntax error: expected '${word}' ${context} but found ${describeToken(this.token)}`, this.token.position);
    }
    return this.advance();
  }

  private parseOr(): GroupFilter {
    const operands = [this.parseAnd()];
    while (this.isWord('or')) {
      this.advance();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 && operands[0] !== undefined ? operands[0] : { kind: 'or', operands };
  }

  private parseAnd(): GroupFilter {
    const operands = [this.parsePrimary()];
    while (this.isWord('and')) {
      this.advance();
      operands.push(this.parsePrimary());
    }
    return operands.length === 1 && operands[0] !== undefined ? operands[0] : { kind: 'and', operands };
  }

  private parsePrimary(): GroupFilter {
    const token = this.token;
    if (token.kind === '(') {
      this.advance();
      this.depth += 1;
      if (this.depth > MAX_FILTER_DEPTH) {
        throw invalidFilter(`The expression is nested more than ${MAX_FILTER_DEPTH} levels deep`, token.position);
      }
      const expression = this.parseOr();
      this.expect(')', `to close the '(' at position ${token.position}`);
      this.depth -= 1;
      return expression;
    }
    if (this.isWord('not')) {
      throw unsupported('$filter', "The 'not' operator is not supported on groups.");
    }
    if (token.kind === 'identifier' && !token.value.startsWith('$') && !['and', 'or', 'eq', 'ne', 'in', 'true', 'false', 'null'].includes(token.value.toLowerCase())) {
      this.advance();
      if (this.token.kind === '(') {
        return this.parseFunction(token);
      }
      if (this.token.kind === '/') {
        return this.parsePath(token);
      }
      return this.parseComparison(token);
    }
    throw invalidFilter(`Syntax error: expected a property name, a function or '(' but found ${describeToken(token)}`, token.position);
  }

  private resolveProperty(token: Token): string {
    const property = KNOWN.get(token.value.toLowerCase());
    if (property === undefined) {
      throw invalidFilter(unknownProperty(token.value, GRAPH_GROUP), token.position);
    }
    return property;
  }

  private parseComparison(propertyToken: Token): GroupFilter {
    const property = this.resolveProperty(propertyToken);
    const operatorToken = this.expectIdentifier(`an operator after '${excerpt(propertyToken.text)}'`);
    const operator = operatorToken.value.toLowerCase();
    if (operator !== 'eq') {
      if (['ne', 'in', 'gt', 'ge', 'lt', 'le', 'has'].includes(operator)) {
        throw unsupported('$filter', `The '${operator}' operator is not supported on groups; use 'eq'.`);
      }
      throw invalidFilter(`Syntax error: expected an operator ('eq') but found '${excerpt(operatorToken.text)}'`, operatorToken.position);
    }
    const value = this.token;
    if (property === 'id') {
      if ((value.kind !== 'string' && value.kind !== 'guid') || !isGuid(value.value)) {
        throw invalidFilter(`'${excerpt(value.text)}' is not a valid object id`, value.position);
      }
      this.advance();
      return { kind: 'idEq', value: value.value.toLowerCase() };
    }
    const stringProperty = STRING_PROPERTIES.find((candidate) => candidate === property);
    if (stringProperty !== undefined) {
      if (value.kind !== 'string') {
        throw this.incompatible('Edm.String', value);
      }
      this.advance();
      return { kind: 'stringEq', property: stringProperty, value: value.value };
    }
    const booleanProperty = BOOLEAN_PROPERTIES.find((candidate) => candidate === property);
    if (booleanProperty !== undefined || property === 'hasMembersWithLicenseErrors') {
      if (!this.isWord('true') && !this.isWord('false')) {
        throw this.incompatible('Edm.Boolean', value);
      }
      const flag = this.advance().value.toLowerCase() === 'true';
      if (booleanProperty !== undefined) {
        return { kind: 'booleanEq', property: booleanProperty, value: flag };
      }
      if (!flag) {
        throw unsupported('$filter', "Only 'hasMembersWithLicenseErrors eq true' is supported.");
      }
      return { kind: 'hasMembersWithLicenseErrors' };
    }
    if (property === 'groupTypes' || property === 'assignedLicenses') {
      throw unsupported('$filter', `'${property}' is a collection: use ${property}/any(…).`);
    }
    throw unsupported('$filter', `Allot does not support filtering groups on '${property}'.`);
  }

  private incompatible(expected: string, token: Token): AppError {
    const isBoolean = token.kind === 'identifier' && ['true', 'false'].includes(token.value.toLowerCase());
    const found = token.kind === 'string' ? 'Edm.String' : token.kind === 'guid' ? 'Edm.Guid' : token.kind === 'integer' ? 'Edm.Int32' : isBoolean ? 'Edm.Boolean' : undefined;
    if (found === undefined) {
      return invalidFilter(`Syntax error: expected a value after 'eq' but found ${describeToken(token)}`, token.position);
    }
    return invalidFilter(`A binary operator with incompatible types was detected. Found operand types '${expected}' and '${found}' for operator kind 'Equal'`, token.position);
  }

  private parseFunction(nameToken: Token): GroupFilter {
    const name = nameToken.value.toLowerCase();
    if (name !== 'startswith') {
      if (OTHER_FUNCTIONS.has(name)) {
        throw unsupported('$filter', `The function '${nameToken.value}' is not supported on groups; use startswith.`);
      }
      throw invalidFilter(`Unknown function '${excerpt(nameToken.text)}'`, nameToken.position);
    }
    this.advance(); // '('
    const propertyToken = this.expectIdentifier('a property name');
    const property = this.resolveProperty(propertyToken);
    const stringProperty = STRING_PROPERTIES.find((candidate) => candidate === property);
    if (stringProperty === undefined) {
      throw unsupported('$filter', `startswith is supported on displayName and mailNickname, not on '${property}'.`);
    }
    this.expect(',', 'between the arguments of startswith');
    if (this.token.kind !== 'string') {
      throw invalidFilter(`Syntax error: expected a string literal but found ${describeToken(this.token)}`, this.token.position);
    }
    const value = this.advance().value;
    this.expect(')', 'to close startswith(');
    if (this.isWord('eq') || this.isWord('ne')) {
      throw unsupported('$filter', 'Comparing the result of startswith is not supported; use it on its own.');
    }
    return { kind: 'startsWith', property: stringProperty, value };
  }

  private parsePath(propertyToken: Token): GroupFilter {
    const property = this.resolveProperty(propertyToken);
    if (property !== 'groupTypes' && property !== 'assignedLicenses') {
      throw unsupported('$filter', `Paths under '${property}' are not supported.`);
    }
    this.advance(); // '/'
    const segment = this.expectIdentifier(`'any' after '${property}/'`);
    if (segment.value.toLowerCase() !== 'any') {
      if (segment.value.toLowerCase() === 'all' || segment.value.toLowerCase() === '$count') {
        throw unsupported('$filter', `'${property}/${segment.value}' is not supported; use '${property}/any(…)'.`);
      }
      throw invalidFilter(`Syntax error: expected 'any' after '${property}/' but found '${excerpt(segment.text)}'`, segment.position);
    }
    this.expect('(', "after 'any'");
    if (this.token.kind === ')') {
      this.advance();
      if (property === 'groupTypes') {
        throw unsupported('$filter', "groupTypes/any() needs a condition, such as groupTypes/any(c:c eq 'Unified').");
      }
      return { kind: 'assignedLicenseAny' };
    }
    const variable = this.expectIdentifier('a range variable');
    this.expect(':', 'after the range variable');
    const reference = this.expectIdentifier(`the range variable '${excerpt(variable.text)}'`);
    if (reference.value !== variable.value) {
      throw invalidFilter(`Syntax error: expected the range variable '${excerpt(variable.text)}' but found '${excerpt(reference.text)}'`, reference.position);
    }
    const result = property === 'groupTypes' ? this.parseGroupTypeCondition() : this.parseSkuCondition();
    if (this.isWord('and') || this.isWord('or')) {
      throw unsupported('$filter', `Inside ${property}/any() only one condition is supported.`);
    }
    this.expect(')', 'to close any(');
    return result;
  }

  /** After `c` in `groupTypes/any(c:c eq 'Unified')`. */
  private parseGroupTypeCondition(): GroupFilter {
    this.expectWord('eq', 'after the range variable');
    const value = this.token;
    if (value.kind !== 'string') {
      throw this.incompatible('Edm.String', value);
    }
    this.advance();
    const groupType = GROUP_TYPES.find((candidate) => candidate.toLowerCase() === value.value.toLowerCase());
    if (groupType === undefined) {
      throw unsupported('$filter', `Groups have no type '${excerpt(value.value)}' in Allot; use 'Unified' or 'DynamicMembership'.`);
    }
    return { kind: 'groupTypeAny', groupType };
  }

  /** After `x` in `assignedLicenses/any(x:x/skuId eq <guid>)`. */
  private parseSkuCondition(): GroupFilter {
    this.expect('/', 'after the range variable');
    const member = this.expectIdentifier('skuId');
    if (member.value.toLowerCase() !== 'skuid') {
      if (member.value.toLowerCase() === 'disabledplans') {
        throw unsupported('$filter', 'Filtering on assignedLicenses/disabledPlans is not supported.');
      }
      throw invalidFilter(unknownProperty(member.value, 'microsoft.graph.assignedLicense'), member.position);
    }
    this.expectWord('eq', 'after skuId');
    const value = this.token;
    if ((value.kind !== 'guid' && value.kind !== 'string') || !isGuid(value.value)) {
      throw invalidFilter(`'${excerpt(value.text)}' is not a valid GUID for skuId`, value.position);
    }
    this.advance();
    return { kind: 'assignedLicenseAny', skuId: value.value.toLowerCase() };
  }
}

export function parseGroupFilter(source: string): GroupFilter {
  checkOption('$filter', source);
  return new GroupFilterParser(new FilterLexer(source)).parse();
}

/** Only `displayName` (ascending): the order every page already has. */
function checkOrderBy(source: string): void {
  checkOption('$orderby', source);
  if (!/^\s*displayName(\s+asc)?\s*$/i.test(source)) {
    throw unsupported('$orderby', 'Groups are listed by displayName; $orderby=displayName is the only order supported.');
  }
}

/** $filter, $orderby, $top and $skiptoken of GET /groups ($select is the route's). */
export function parseGroupQuery(input: GroupQueryInput): GroupQuery {
  const top = parseTop(input.top);
  if (present(input.orderby)) {
    checkOrderBy(input.orderby);
  }
  const filter = present(input.filter) ? parseGroupFilter(input.filter) : undefined;
  if (input.skiptoken !== undefined) {
    checkOption('$skiptoken', input.skiptoken);
  }
  return {
    ...(filter === undefined ? {} : { filter }),
    top,
    ...(present(input.skiptoken) ? { skipToken: input.skiptoken } : {}),
  };
}
