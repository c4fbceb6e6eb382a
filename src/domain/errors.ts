/**
 * The closed set of failures Allot reports. Every layer below `api/` throws only `AppError`;
 * `api/plugins/error-handler.ts` holds the one table that maps a code to an HTTP status and a
 * Graph error code. The `message` of an AppError is what clients see in `error.message`, so for
 * Graph operations it is Graph's own text (scripts match on it); `details` carry the
 * plain-language explanation.
 */
export type ErrorCode =
  /** A resource addressed by id or key does not exist in the caller's tenant (or at all). */
  | 'notFound'
  /** The request body or a parameter is malformed or violates a field rule. */
  | 'invalidRequest'
  /** An OData query option uses a form Allot does not support or cannot parse. */
  | 'unsupportedQuery'
  /** A unique property (userPrincipalName, domain, skuPartNumber…) is already taken. */
  | 'alreadyExists'
  /** A license rule refused the change (seats, usage location, conflicts, dependencies…). */
  | 'licenseAssignmentFailed'
  /** The object changed since the version the client based its edit on. */
  | 'preconditionFailed'
  /** The route needs an If-Match version and none was sent. */
  | 'preconditionRequired'
  /** An Idempotency-Key was reused with a different request body. */
  | 'idempotencyKeyMismatch'
  /** The same Idempotency-Key is still being processed by another request. */
  | 'idempotencyKeyInFlight'
  /** The request is well-formed but conflicts with the current state (e.g. restore over a taken UPN). */
  | 'conflict'
  | 'unauthenticated'
  | 'forbidden'
  | 'methodNotAllowed'
  | 'payloadTooLarge'
  | 'tooManyRequests'
  | 'serviceUnavailable'
  | 'internal';

/** One item of `error.details[]`: Graph's `{ code, message, target }`. */
export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  /** Seconds a throttled or unavailable caller should wait (sent as Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = [], options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

/** Graph's not-found text for directory objects. */
export const notFound = (id: string): AppError =>
  new AppError(
    'notFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

/** Returns the value or throws Graph's not-found error naming `id`. */
export function orNotFound<T>(value: T | undefined | null, id: string): T {
  if (value === undefined || value === null) {
    throw notFound(id);
  }
  return value;
}

export const invalidRequest = (message: string, details: ErrorDetail[] = []): AppError =>
  new AppError('invalidRequest', message, details);
