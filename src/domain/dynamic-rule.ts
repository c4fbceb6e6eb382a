/**
 * Dynamic membership rules (issue 4 §1): the common part of Entra's rule language, over the user
 * properties Allot stores, parsed into a typed AST and evaluated in memory. Pure.
 *
 * Grammar (operator words, `user.` and property names are case-insensitive; whitespace between
 * tokens is free):
 *
 *   rule      := or
 *   or        := and ('-or' and)*
 *   and       := unary ('-and' unary)*
 *   unary     := '-not' unary | primary
 *   primary   := '(' or ')' | condition
 *   condition := 'user.' property operator value
 *   operator  := -eq -ne -startsWith -notStartsWith -endsWith -notEndsWith -contains -notContains
 *                -match -notMatch -in -notIn
 *   value     := string | 'null' | 'true' | 'false' | '[' string (',' string)* ']'
 *   string    := "…" (`" stands for a quote) | '…' ('' stands for a quote)
 *
 * which is Entra's precedence: comparisons, then -not, then -and, then -or.
 *
 * Choices, where Entra's documentation is loose or Allot differs:
 * - Operators are accepted with or without the hyphen (Entra documents both); an en or em dash
 *   counts as the hyphen, because Microsoft's own documentation prints `–eq` and admins paste it.
 * - Strings take double quotes (Entra's form, escaping a quote as `") and single quotes (Entra's
 *   memberOf examples use them, escaping a quote by doubling it). A bare word is not a string:
 *   `user.department -eq Sales` is refused, as Entra wants string values quoted.
 * - `null` (and the older `$null`) only with -eq and -ne; `"null"` in quotes is the string.
 * - accountEnabled is the only boolean: -eq / -ne with true or false (quotes optional, as Entra
 *   says quotes are optional for non-strings). Numbers are never accepted: no property is numeric.
 * - -endsWith / -notEndsWith are included (Entra has them; they cost nothing here).
 * - Property names are case-insensitive (Entra's documentation calls them case-sensitive, yet its
 *   own examples spell `mailNickName` and `mailNickname`; being lenient refuses no valid rule).
 *   creationType and externalUserState are not rule properties: Entra's rules do not offer them,
 *   and an Allot rule should stay valid in Entra.
 * - Comparisons are case-insensitive (Entra: "Regex and string operations aren't case
 *   sensitive"), by String#toLowerCase (locale-independent).
 * - Null semantics: an empty string counts as null. `-eq null` matches a null (or empty) property,
 *   `-ne null` a non-empty one; -eq and -in compare null as the empty string (so `-ne "Sales"` and
 *   `-notIn [...]` match a user without a department, as in Entra); the other positive operators
 *   (-startsWith, -endsWith, -contains, -match) never match null, and every negative operator is
 *   the exact complement of its positive one.
 * - -match is a JavaScript RegExp with the `i` flag, searched anywhere in the value (like .NET's
 *   Regex.IsMatch, which Entra uses: anchor with ^ and $). ReDoS: a backtracking engine can take
 *   exponential time on patterns such as `(a+)+`, and evaluation runs synchronously on the server's
 *   only event loop. So a pattern is at most MAX_MATCH_PATTERN_LENGTH characters, an unbounded
 *   repetition of a group that itself repeats or has alternatives (`(a+)+`, `(a|ab)*`) is refused
 *   (a heuristic that catches the classic catastrophic shapes, not every one), and the values
 *   matched are short (the user contract caps properties at 256 characters). .NET-only syntax is
 *   refused rather than silently misread: inline options like `(?i)` fail to compile, and the
 *   anchors \A \Z \z \G (plain letters to JavaScript) are refused with a hint to use ^ and $.
 * - Errors are AppError('invalidRequest', "Invalid membership rule: <reason> at position <n>.")
 *   with a detail `{ code: 'InvalidMembershipRule', target: 'membershipRule', message }` that says
 *   how to fix it. Positions are 0-based offsets into the rule text (as the OData parser counts).
 */
import { AppError } from './errors.js';
import type { DirectoryUser } from './user.js';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** The user properties a rule may read, with Entra's spelling. */
export const MEMBERSHIP_RULE_PROPERTIES = [
  'accountEnabled',
  'department',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mailNickname',
  'surname',
  'usageLocation',
  'userPrincipalName',
  'userType',
] as const;
export type MembershipRuleProperty = (typeof MEMBERSHIP_RULE_PROPERTIES)[number];
export type MembershipRuleStringProperty = Exclude<MembershipRuleProperty, 'accountEnabled'>;

/** What matchesRule reads of a user. */
export type MembershipRuleUser = Pick<DirectoryUser, MembershipRuleProperty>;

/** `user.department -eq "Sales"`, `-ne null`; `value: null` only from the `null` keyword. */
export interface EqualityCondition {
  readonly kind: 'equality';
  readonly property: MembershipRuleStringProperty;
  readonly operator: 'eq' | 'ne';
  readonly value: string | null;
}

export type TextOperator =
  | 'startsWith'
  | 'notStartsWith'
  | 'endsWith'
  | 'notEndsWith'
  | 'contains'
  | 'notContains';

/** `user.mail -endsWith "@contoso.com"` and the other substring operators. */
export interface TextCondition {
  readonly kind: 'text';
  readonly property: MembershipRuleStringProperty;
  readonly operator: TextOperator;
  readonly value: string;
}

/** `user.displayName -match "^Da"`: the pattern as written (validated, compiled on evaluation). */
export interface MatchCondition {
  readonly kind: 'match';
  readonly property: MembershipRuleStringProperty;
  readonly operator: 'match' | 'notMatch';
  readonly pattern: string;
}

/** `user.department -in ["Sales", "Marketing"]`: at least one value. */
export interface ListCondition {
  readonly kind: 'list';
  readonly property: MembershipRuleStringProperty;
  readonly operator: 'in' | 'notIn';
  readonly values: readonly string[];
}

/** `user.accountEnabled -eq true`. */
export interface BooleanCondition {
  readonly kind: 'boolean';
  readonly property: 'accountEnabled';
  readonly operator: 'eq' | 'ne';
  readonly value: boolean;
}

export interface NotRule {
  readonly kind: 'not';
  readonly operand: MembershipRule;
}

/** `a -and b -and c` is one node with three operands (always at least two). */
export interface LogicalRule {
  readonly kind: 'and' | 'or';
  readonly operands: readonly MembershipRule[];
}

export type MembershipRule =
  | EqualityCondition
  | TextCondition
  | MatchCondition
  | ListCondition
  | BooleanCondition
  | NotRule
  | LogicalRule;

// ---------------------------------------------------------------------------------------------
// Limits and vocabulary
// ---------------------------------------------------------------------------------------------

/** Entra's limit on the body of a membership rule. */
export const MAX_MEMBERSHIP_RULE_LENGTH = 3072;
/** Longest -match / -notMatch pattern (ReDoS guard; see the header). */
export const MAX_MATCH_PATTERN_LENGTH = 256;
/** Parentheses and -not nest at most this deep (bounds the parser's and evaluator's stack). */
export const MAX_MEMBERSHIP_RULE_DEPTH = 32;

const PROPERTY_BY_LOWER_NAME = new Map<string, MembershipRuleProperty>(
  MEMBERSHIP_RULE_PROPERTIES.map((name) => [name.toLowerCase(), name]),
);

/** Entra rule properties that Allot does not store: named so the error is not "unknown". */
const ENTRA_ONLY_PROPERTIES = new Set(
  [
    'assignedPlans', 'city', 'companyName', 'country', 'dirSyncEnabled', 'employeeHireDate', 'employeeId',
    'employeeType', 'facsimileTelephoneNumber', 'memberOf', 'mobile', 'objectId',
    'onPremisesDistinguishedName', 'onPremisesSecurityIdentifier', 'otherMails', 'passwordPolicies',
    'physicalDeliveryOfficeName', 'postalCode', 'preferredLanguage', 'proxyAddresses', 'sipProxyAddress',
    'state', 'streetAddress', 'telephoneNumber',
  ].map((name) => name.toLowerCase()),
);
const EXTENSION_ATTRIBUTE = /^extension(attribute\d+|_.+)$/i;

type ComparisonOperator =
  | EqualityCondition['operator']
  | TextOperator
  | MatchCondition['operator']
  | ListCondition['operator'];
type LogicalOperator = 'and' | 'or' | 'not';

const COMPARISON_OPERATORS: readonly ComparisonOperator[] = [
  'eq', 'ne', 'startsWith', 'notStartsWith', 'endsWith', 'notEndsWith', 'contains', 'notContains',
  'match', 'notMatch', 'in', 'notIn',
];
const OPERATOR_BY_LOWER_NAME = new Map<string, ComparisonOperator | LogicalOperator>([
  ...COMPARISON_OPERATORS.map((name) => [name.toLowerCase(), name] as const),
  ['and', 'and'],
  ['or', 'or'],
  ['not', 'not'],
]);
/** Entra operators outside the common part (collections, dates): refused by name. */
const ENTRA_ONLY_OPERATORS = new Set(['any', 'all', 'le', 'ge', 'lt', 'gt', 'plus']);

const PARENTHESES_HINT = "Every '(' needs a matching ')'.";
const OPERATOR_LIST = COMPARISON_OPERATORS.map((name) => `-${name}`).join(', ');
const PROPERTY_LIST = MEMBERSHIP_RULE_PROPERTIES.map((name) => `user.${name}`).join(', ');

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Long user text is cut in messages so an error never echoes kilobytes back. */
function excerpt(text: string): string {
  return text.length <= 64 ? text : `${text.slice(0, 61)}...`;
}

function ruleError(reason: string, hint: string): AppError {
  return new AppError('invalidRequest', `Invalid membership rule: ${reason}.`, [
    { code: 'InvalidMembershipRule', target: 'membershipRule', message: hint },
  ]);
}

function invalidRule(reason: string, position: number, hint?: string): AppError {
  const at = `${reason} at position ${position}`;
  return ruleError(at, hint ?? `${at.charAt(0).toUpperCase()}${at.slice(1)}.`);
}

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

type TokenKind =
  /** `user.department`, `true`, `null`, `$null`, or an operator written without its hyphen. */
  | 'word'
  /** `-eq`, `–and`: `value` is the name without the dash. */
  | 'operator'
  | 'string'
  /** Lexed so the error can say numbers are not values here. */
  | 'number'
  | '('
  | ')'
  | '['
  | ']'
  | ','
  | 'end';

interface Token {
  kind: TokenKind;
  /** Source text (for messages). */
  text: string;
  /** Unescaped content of a string, the name of an operator, otherwise `text`. */
  value: string;
  position: number;
}

const DASHES = new Set(['-', '\u2013', '\u2014']);
const TYPOGRAPHIC_QUOTES = new Set(['\u201c', '\u201d', '\u201e', '\u2018', '\u2019']);
const isLetter = (c: string | undefined): boolean => c !== undefined && /[A-Za-z]/.test(c);
const isWordStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_$]/.test(c);
const isWordPart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$.]/.test(c);
const isWhitespace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

function describeCharacter(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
}

/** Lexes on demand, so errors surface left to right in the order a reader meets them. */
class RuleLexer {
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
    if (c === '(' || c === ')' || c === '[' || c === ']' || c === ',') {
      this.position += 1;
      return { kind: c, text: c, value: c, position: start };
    }
    if (c === '"' || c === "'") {
      return this.readString(start, c);
    }
    if (DASHES.has(c)) {
      let end = start + 1;
      while (isLetter(source[end])) {
        end += 1;
      }
      if (end === start + 1) {
        throw invalidRule(
          `expected an operator name after '${c}'`,
          start,
          `Operators are written like -eq or -and; supported comparisons: ${OPERATOR_LIST}.`,
        );
      }
      this.position = end;
      return { kind: 'operator', text: source.slice(start, end), value: source.slice(start + 1, end), position: start };
    }
    if (isWordStart(c) || /[0-9]/.test(c)) {
      let end = start + 1;
      while (isWordPart(source[end])) {
        end += 1;
      }
      this.position = end;
      const text = source.slice(start, end);
      return { kind: isWordStart(c) ? 'word' : 'number', text, value: text, position: start };
    }
    if (TYPOGRAPHIC_QUOTES.has(c)) {
      throw invalidRule(
        `typographic quote ${describeCharacter(c)} is not valid`,
        start,
        'Enclose strings in straight double quotes ("), as in user.department -eq "Sales".',
      );
    }
    const character = String.fromCodePoint(source.codePointAt(start) ?? 0);
    throw invalidRule(`character ${describeCharacter(character)} is not valid`, start);
  }

  /** `"…"` with `` `" `` for a quote, or `'…'` with `''` for a quote. */
  private readString(start: number, quote: '"' | "'"): Token {
    const source = this.source;
    const escape = quote === '"' ? '`' : "'";
    let value = '';
    let from = start + 1;
    for (;;) {
      const close = source.indexOf(quote, from);
      if (close === -1) {
        throw invalidRule(
          'unterminated string',
          start,
          `The string that starts at position ${start} has no closing ${quote}.`,
        );
      }
      if (quote === '"' && source[close - 1] === escape) {
        value += `${source.slice(from, close - 1)}"`;
        from = close + 1;
        continue;
      }
      value += source.slice(from, close);
      if (quote === "'" && source[close + 1] === escape) {
        value += "'";
        from = close + 2;
        continue;
      }
      this.position = close + 1;
      return { kind: 'string', text: source.slice(start, close + 1), value, position: start };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the rule';
    case 'string':
      return `the string ${excerpt(token.text)}`;
    default:
      return `'${excerpt(token.text)}'`;
  }
}

const isNullWord = (token: Token): boolean =>
  token.kind === 'word' && (token.value.toLowerCase() === 'null' || token.value.toLowerCase() === '$null');

/** `true` / `false`, bare or quoted (Entra: quotes are optional for non-string values). */
function booleanValue(token: Token): boolean | undefined {
  if (token.kind !== 'word' && token.kind !== 'string') {
    return undefined;
  }
  const word = token.value.toLowerCase();
  return word === 'true' ? true : word === 'false' ? false : undefined;
}

/** Recursive descent; only `(` and -not recurse, so counting them bounds the stack. */
class RuleParser {
  private token: Token;
  private depth = 0;

  constructor(private readonly lexer: RuleLexer) {
    this.token = lexer.next();
  }

  parse(): MembershipRule {
    const rule = this.parseOr();
    if (this.token.kind === ')') {
      throw invalidRule(`')' has no matching '('`, this.token.position, PARENTHESES_HINT);
    }
    if (this.token.kind !== 'end') {
      throw invalidRule(
        `expected -and, -or or the end of the rule but found ${describeToken(this.token)}`,
        this.token.position,
        'Join conditions with -and or -or, as in user.department -eq "Sales" -and user.usageLocation -eq "US".',
      );
    }
    return rule;
  }

  private advance(): Token {
    const current = this.token;
    this.token = this.lexer.next();
    return current;
  }

  /** The operator a token names (`-and` or a bare `and`), if any. */
  private operatorOf(token: Token): ComparisonOperator | LogicalOperator | undefined {
    return token.kind === 'operator' || token.kind === 'word'
      ? OPERATOR_BY_LOWER_NAME.get(token.value.toLowerCase())
      : undefined;
  }

  private enter(position: number): void {
    this.depth += 1;
    if (this.depth > MAX_MEMBERSHIP_RULE_DEPTH) {
      throw invalidRule(
        `the rule nests parentheses and -not more than ${MAX_MEMBERSHIP_RULE_DEPTH} levels deep`,
        position,
      );
    }
  }

  private parseOr(): MembershipRule {
    const operands = [this.parseAnd()];
    while (this.operatorOf(this.token) === 'or') {
      this.advance();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 && operands[0] !== undefined ? operands[0] : { kind: 'or', operands };
  }

  private parseAnd(): MembershipRule {
    const operands = [this.parseUnary()];
    while (this.operatorOf(this.token) === 'and') {
      this.advance();
      operands.push(this.parseUnary());
    }
    return operands.length === 1 && operands[0] !== undefined ? operands[0] : { kind: 'and', operands };
  }

  private parseUnary(): MembershipRule {
    if (this.operatorOf(this.token) === 'not') {
      const not = this.advance();
      this.enter(not.position);
      const operand = this.parseUnary();
      this.depth -= 1;
      return { kind: 'not', operand };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): MembershipRule {
    const token = this.token;
    if (token.kind === '(') {
      this.advance();
      this.enter(token.position);
      const rule = this.parseOr();
      if (this.token.kind !== ')') {
        throw invalidRule(
          `expected ')' to close the '(' at position ${token.position} but found ${describeToken(this.token)}`,
          this.token.position,
          PARENTHESES_HINT,
        );
      }
      this.advance();
      this.depth -= 1;
      return rule;
    }
    if (token.kind === 'word' && this.operatorOf(token) === undefined && !isNullWord(token) && booleanValue(token) === undefined) {
      this.advance();
      return this.parseCondition(token);
    }
    throw invalidRule(
      `expected a condition such as user.department -eq "Sales", '(' or -not but found ${describeToken(token)}`,
      token.position,
      `A condition is user.<property> <operator> <value>; -and and -or join two conditions. Properties: ${PROPERTY_LIST}.`,
    );
  }

  /** `user.<property>`, case-insensitive; a clear error for every other shape. */
  private resolveProperty(token: Token): MembershipRuleProperty {
    const segments = token.text.split('.');
    const [object = '', name = ''] = segments;
    if (segments.length === 2 && object.toLowerCase() === 'device') {
      throw invalidRule(
        `device properties are not supported`,
        token.position,
        'Allot groups hold users only: write rules over user properties, such as user.department.',
      );
    }
    if (segments.length !== 2 || object.toLowerCase() !== 'user' || name === '') {
      const suggestion = segments.length === 1 && PROPERTY_BY_LOWER_NAME.has(object.toLowerCase())
        ? ` Write user.${PROPERTY_BY_LOWER_NAME.get(object.toLowerCase()) ?? object}.`
        : '';
      throw invalidRule(
        `expected a property of the form user.<name> but found '${excerpt(token.text)}'`,
        token.position,
        `Rules compare user properties: ${PROPERTY_LIST}.${suggestion}`,
      );
    }
    const property = PROPERTY_BY_LOWER_NAME.get(name.toLowerCase());
    if (property !== undefined) {
      return property;
    }
    const namePosition = token.position + object.length + 1;
    if (ENTRA_ONLY_PROPERTIES.has(name.toLowerCase()) || EXTENSION_ATTRIBUTE.test(name)) {
      throw invalidRule(
        `Allot does not store the property '${excerpt(name)}'`,
        namePosition,
        `Allot's rules can use: ${PROPERTY_LIST}.`,
      );
    }
    throw invalidRule(`unknown property '${excerpt(name)}'`, namePosition, `Allot's rules can use: ${PROPERTY_LIST}.`);
  }

  private parseCondition(propertyToken: Token): MembershipRule {
    const property = this.resolveProperty(propertyToken);
    const operatorToken = this.token;
    const operator = this.operatorOf(operatorToken);
    if (operator === undefined || operator === 'and' || operator === 'or' || operator === 'not') {
      const name = operatorToken.value.toLowerCase();
      if (operatorToken.kind === 'operator' && ENTRA_ONLY_OPERATORS.has(name)) {
        throw invalidRule(
          `the operator '${excerpt(operatorToken.text)}' is not supported`,
          operatorToken.position,
          `Allot supports the comparisons ${OPERATOR_LIST}.`,
        );
      }
      if (operatorToken.kind === 'operator' && operator === undefined) {
        throw invalidRule(
          `unknown operator '${excerpt(operatorToken.text)}'`,
          operatorToken.position,
          `Supported comparisons: ${OPERATOR_LIST}.`,
        );
      }
      throw invalidRule(
        `expected an operator such as -eq after 'user.${property}' but found ${describeToken(operatorToken)}`,
        operatorToken.position,
        `Supported comparisons: ${OPERATOR_LIST}.`,
      );
    }
    this.advance();
    const written = `-${operator}`;
    if (property === 'accountEnabled') {
      if (operator !== 'eq' && operator !== 'ne') {
        throw invalidRule(
          `${written} cannot be used with the boolean property 'accountEnabled'`,
          operatorToken.position,
          'Compare accountEnabled with -eq or -ne and true or false, as in user.accountEnabled -eq true.',
        );
      }
      return { kind: 'boolean', property, operator, value: this.parseBoolean(written) };
    }
    switch (operator) {
      case 'eq':
      case 'ne':
        return { kind: 'equality', property, operator, value: this.parseString(written, true) };
      case 'in':
      case 'notIn':
        return { kind: 'list', property, operator, values: this.parseList(written) };
      case 'match':
      case 'notMatch': {
        const position = this.token.position;
        const pattern = this.parseString(written, false);
        checkPattern(pattern, position);
        return { kind: 'match', property, operator, pattern };
      }
      case 'startsWith':
      case 'notStartsWith':
      case 'endsWith':
      case 'notEndsWith':
      case 'contains':
      case 'notContains':
        return { kind: 'text', property, operator, value: this.parseString(written, false) };
    }
  }

  /** What a missing or mistyped value is, said in the reader's terms. */
  private notAValue(written: string, expected: string, hint: string): AppError {
    const token = this.token;
    if (token.kind === 'end' || token.kind === ')' || token.kind === 'operator' || this.operatorOf(token) !== undefined) {
      return invalidRule(`expected a value after ${written} but found ${describeToken(token)}`, token.position, hint);
    }
    const found =
      token.kind === 'word'
        ? `the unquoted word '${excerpt(token.text)}'`
        : token.kind === 'number'
          ? `the number ${excerpt(token.text)}`
          : describeToken(token);
    return invalidRule(`${written} needs ${expected} but found ${found}`, token.position, hint);
  }

  private parseBoolean(written: string): boolean {
    const hint = 'accountEnabled is a boolean: compare it with true or false, as in user.accountEnabled -eq true.';
    if (isNullWord(this.token)) {
      throw invalidRule(`'accountEnabled' cannot be compared with null`, this.token.position, hint);
    }
    const value = booleanValue(this.token);
    if (value === undefined) {
      throw this.notAValue(written, 'true or false', hint);
    }
    this.advance();
    return value;
  }

  private parseString(written: string, nullable: true): string | null;
  private parseString(written: string, nullable: false): string;
  private parseString(written: string, nullable: boolean): string | null {
    const token = this.token;
    if (token.kind === 'string') {
      this.advance();
      return token.value;
    }
    if (isNullWord(token)) {
      if (!nullable) {
        throw invalidRule(
          `null can only be compared with -eq or -ne, not ${written}`,
          token.position,
          'Write user.department -eq null (or -ne null) to test for a missing value.',
        );
      }
      this.advance();
      return null;
    }
    if (token.kind === '[') {
      throw invalidRule(
        `a list of values is only valid after -in or -notIn, not ${written}`,
        token.position,
        'Write user.department -in ["Sales", "Marketing"].',
      );
    }
    throw this.notAValue(
      written,
      'a string in double quotes',
      'Enclose string values in double quotes, as in user.department -eq "Sales".',
    );
  }

  private parseList(written: string): string[] {
    const hint = `Write a list in square brackets, as in user.department ${written} ["Sales", "Marketing"].`;
    const open = this.token;
    if (open.kind !== '[') {
      throw this.notAValue(written, "a list in square brackets ('[')", hint);
    }
    this.advance();
    const values: string[] = [];
    for (;;) {
      const token = this.token;
      if (token.kind === 'string') {
        values.push(token.value);
        this.advance();
      } else if (token.kind === ']' && values.length === 0) {
        throw invalidRule(`the list after ${written} is empty`, token.position, hint);
      } else if (isNullWord(token)) {
        throw invalidRule(
          'null is not allowed in a list',
          token.position,
          'Test for a missing value with a separate condition: user.department -eq null.',
        );
      } else {
        throw invalidRule(
          `expected a string in double quotes in the list but found ${describeToken(token)}`,
          token.position,
          hint,
        );
      }
      const separator = this.advance();
      if (separator.kind === ']') {
        return values;
      }
      if (separator.kind !== ',') {
        throw invalidRule(
          `expected ',' or ']' in the list opened at position ${open.position} but found ${describeToken(separator)}`,
          separator.position,
          hint,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// -match patterns
// ---------------------------------------------------------------------------------------------

/** Entra's -match is case-insensitive and unanchored (a search, as .NET's Regex.IsMatch). */
const compilePattern = (pattern: string): RegExp => new RegExp(pattern, 'i');

/** `*`, `+`, `{n,}` (unbounded) or `?`, `{n}`, `{n,m}` (bounded) at `index`, with its length. */
function quantifierAt(pattern: string, index: number): { length: number; unbounded: boolean } | undefined {
  const c = pattern[index];
  if (c === '*' || c === '+' || c === '?') {
    return { length: 1, unbounded: c !== '?' };
  }
  const braces = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(index, index + 24));
  if (braces === null) {
    return undefined;
  }
  return { length: braces[0].length, unbounded: braces[2] !== undefined && braces[3] === '' };
}

/**
 * The offset of the first unbounded repetition (`*`, `+`, `{n,}`) of a group that itself contains
 * an unbounded repetition or an alternative: `(a+)+`, `(?:x*y)*`, `((a+)b){2,}`, `(a|ab)*`, the
 * shapes behind most catastrophic backtracking. Run on a pattern RegExp has accepted. A heuristic:
 * bounded repetitions (`(a+){1,9}`) and backreferences are not analysed.
 */
function riskyRepetition(pattern: string): number | undefined {
  /** Per open group (the whole pattern first): does it repeat without bound or branch inside? */
  const groups: boolean[] = [false];
  /** Whether the atom a quantifier would apply to is a risky group. */
  let previousGroupRisky = false;
  const markRisky = (): void => {
    groups[groups.length - 1] = true;
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    const quantifier = quantifierAt(pattern, i);
    if (quantifier !== undefined) {
      if (quantifier.unbounded) {
        if (previousGroupRisky) {
          return i;
        }
        markRisky();
      }
      i += quantifier.length;
      if (pattern[i] === '?') {
        i += 1; // lazy
      }
      previousGroupRisky = false;
      continue;
    }
    previousGroupRisky = false;
    if (c === '\\') {
      i += 2;
    } else if (c === '[') {
      i += 1;
      while (i < pattern.length && pattern[i] !== ']') {
        i += pattern[i] === '\\' ? 2 : 1;
      }
      i += 1;
    } else if (c === '(') {
      groups.push(false);
      i += 1;
      // Skip a group prefix ((?:, (?=, (?!, (?<=, (?<!, (?<name>) so its '?' is no quantifier.
      const prefix = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(pattern.slice(i, i + 64));
      i += prefix === null ? 0 : prefix[0].length;
    } else if (c === ')') {
      previousGroupRisky = groups.pop() ?? false;
      if (groups.length === 0) {
        groups.push(false); // unbalanced: RegExp would have refused it first
      }
      if (previousGroupRisky) {
        markRisky();
      }
      i += 1;
    } else {
      if (c === '|') {
        markRisky();
      }
      i += 1;
    }
  }
  return undefined;
}

/** .NET anchors that JavaScript reads as plain letters (`\A` would silently match "A"). */
function dotNetOnlyEscape(pattern: string): number | undefined {
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] === '\\') {
      if ('AZzG'.includes(pattern[i + 1] ?? '')) {
        return i;
      }
      i += 1;
    }
  }
  return undefined;
}

function checkPattern(pattern: string, position: number): void {
  if (pattern.length > MAX_MATCH_PATTERN_LENGTH) {
    throw invalidRule(
      `the regular expression is ${pattern.length} characters long; at most ${MAX_MATCH_PATTERN_LENGTH} are allowed`,
      position,
      'Shorten the pattern, or prefer -startsWith, -endsWith, -eq or -in, which are also faster.',
    );
  }
  try {
    compilePattern(pattern);
  } catch (error) {
    // V8: "Invalid regular expression: /(/i: Unterminated group": keep the reason.
    const reason = error instanceof Error ? (error.message.split(': ').pop() ?? error.message) : String(error);
    throw invalidRule(
      `invalid regular expression (${reason})`,
      position,
      '-match uses JavaScript regular expressions, always case-insensitive: inline options such as (?i), ' +
        'atomic groups and possessive quantifiers are not available.',
    );
  }
  const escape = dotNetOnlyEscape(pattern);
  if (escape !== undefined) {
    throw invalidRule(
      `the regular expression uses the .NET anchor '${pattern.slice(escape, escape + 2)}' (offset ${escape} in the pattern)`,
      position,
      'Anchor with ^ (start) and $ (end) instead.',
    );
  }
  const risky = riskyRepetition(pattern);
  if (risky !== undefined) {
    throw invalidRule(
      `the regular expression repeats a group that itself repeats or has alternatives (offset ${risky} in the pattern)`,
      position,
      'Repeating such a group, as in (a+)+ or (a|ab)*, can take exponential time; rewrite it, ' +
        'e.g. [\\w.]+ instead of (\\w+\\.)+, or bound the repetition, e.g. {1,5}.',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/** Parses a membership rule; every failure is AppError('invalidRequest') with the position. */
export function parseMembershipRule(text: string): MembershipRule {
  if (text.length > MAX_MEMBERSHIP_RULE_LENGTH) {
    throw ruleError(
      `the rule is ${text.length} characters long; at most ${MAX_MEMBERSHIP_RULE_LENGTH} are allowed`,
      `Entra and Allot cap a membership rule at ${MAX_MEMBERSHIP_RULE_LENGTH} characters; -in lists make long rules shorter.`,
    );
  }
  if (text.trim() === '') {
    throw ruleError('the rule is empty', 'Write a condition such as user.department -eq "Sales".');
  }
  const nul = text.indexOf('\u0000');
  if (nul !== -1) {
    throw invalidRule('character U+0000 is not valid', nul);
  }
  return new RuleParser(new RuleLexer(text)).parse();
}

type Predicate = (user: MembershipRuleUser) => boolean;

/** Null and the empty string are the same absence (see the header). */
const present = (value: string | null | undefined): string | null =>
  value === null || value === undefined || value === '' ? null : value;
const fold = (value: string): string => value.toLowerCase();

function textTest(operator: TextOperator, needle: string): (value: string) => boolean {
  switch (operator) {
    case 'startsWith':
    case 'notStartsWith':
      return (value) => value.startsWith(needle);
    case 'endsWith':
    case 'notEndsWith':
      return (value) => value.endsWith(needle);
    case 'contains':
    case 'notContains':
      return (value) => value.includes(needle);
  }
}

const NEGATIVE_OPERATORS = new Set<string>(['ne', 'notStartsWith', 'notEndsWith', 'notContains', 'notMatch', 'notIn']);

/** Turns a rule into a closure once: folded constants and compiled patterns are reused per user. */
function compile(rule: MembershipRule): Predicate {
  let positive: Predicate;
  switch (rule.kind) {
    case 'and': {
      const operands = rule.operands.map(compile);
      return (user) => operands.every((operand) => operand(user));
    }
    case 'or': {
      const operands = rule.operands.map(compile);
      return (user) => operands.some((operand) => operand(user));
    }
    case 'not': {
      const operand = compile(rule.operand);
      return (user) => !operand(user);
    }
    case 'boolean': {
      const { property, value } = rule;
      positive = (user) => user[property] === value;
      break;
    }
    case 'equality': {
      const { property } = rule;
      const expected = fold(rule.value ?? '');
      positive = (user) => fold(present(user[property]) ?? '') === expected;
      break;
    }
    case 'list': {
      const { property } = rule;
      const expected = new Set(rule.values.map(fold));
      positive = (user) => expected.has(fold(present(user[property]) ?? ''));
      break;
    }
    case 'text': {
      const { property } = rule;
      const test = textTest(rule.operator, fold(rule.value));
      positive = (user) => {
        const value = present(user[property]);
        return value !== null && test(fold(value));
      };
      break;
    }
    case 'match': {
      const { property } = rule;
      const regex = compilePattern(rule.pattern);
      positive = (user) => {
        const value = present(user[property]);
        return value !== null && regex.test(value);
      };
      break;
    }
  }
  const test = positive;
  return NEGATIVE_OPERATORS.has(rule.operator) ? (user) => !test(user) : test;
}

const compiled = new WeakMap<MembershipRule, Predicate>();

/** Whether a user belongs to a dynamic group with this rule. */
export function matchesRule(rule: MembershipRule, user: MembershipRuleUser): boolean {
  let predicate = compiled.get(rule);
  if (predicate === undefined) {
    predicate = compile(rule);
    compiled.set(rule, predicate);
  }
  return predicate(user);
}

/** The user properties a rule reads: a change to any other property cannot change membership. */
export function ruleProperties(rule: MembershipRule): ReadonlySet<MembershipRuleProperty> {
  const properties = new Set<MembershipRuleProperty>();
  const visit = (node: MembershipRule): void => {
    switch (node.kind) {
      case 'and':
      case 'or':
        node.operands.forEach(visit);
        return;
      case 'not':
        visit(node.operand);
        return;
      case 'boolean':
      case 'equality':
      case 'list':
      case 'text':
      case 'match':
        properties.add(node.property);
        return;
    }
  };
  visit(rule);
  return properties;
}
