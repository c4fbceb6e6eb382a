import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, type ErrorDetail } from '../../domain/errors.js';

/** The one table from Allot's error codes to HTTP status and Graph error code (graph-licensing.md §3). */
const ERROR_TABLE: Record<ErrorCode, { status: number; graphCode: string }> = {
  notFound: { status: 404, graphCode: 'Request_ResourceNotFound' },
  invalidRequest: { status: 400, graphCode: 'Request_BadRequest' },
  unsupportedQuery: { status: 400, graphCode: 'Request_UnsupportedQuery' },
  alreadyExists: { status: 400, graphCode: 'Request_BadRequest' },
  licenseAssignmentFailed: { status: 400, graphCode: 'Request_BadRequest' },
  preconditionFailed: { status: 412, graphCode: 'Request_PreconditionFailed' },
  preconditionRequired: { status: 428, graphCode: 'Request_PreconditionRequired' },
  idempotencyKeyMismatch: { status: 422, graphCode: 'Request_IdempotencyKeyReused' },
  idempotencyKeyInFlight: { status: 409, graphCode: 'Request_IdempotencyKeyInFlight' },
  conflict: { status: 409, graphCode: 'Request_Conflict' },
  unauthenticated: { status: 401, graphCode: 'InvalidAuthenticationToken' },
  forbidden: { status: 403, graphCode: 'Authorization_RequestDenied' },
  methodNotAllowed: { status: 405, graphCode: 'Request_BadRequest' },
  payloadTooLarge: { status: 413, graphCode: 'Request_EntityTooLarge' },
  tooManyRequests: { status: 429, graphCode: 'TooManyRequests' },
  serviceUnavailable: { status: 503, graphCode: 'serviceNotAvailable' },
  internal: { status: 500, graphCode: 'Service_InternalServerError' },
};

export const statusOf = (code: ErrorCode): number => ERROR_TABLE[code].status;

/** Graph's innerError.date: UTC without a zone suffix or fraction. */
const graphDate = (date: Date): string => date.toISOString().slice(0, 19);

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    details?: ErrorDetail[];
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

export function graphErrorBody(request: FastifyRequest, error: AppError): GraphErrorBody {
  const clientRequestId = request.headers['client-request-id'];
  return {
    error: {
      code: ERROR_TABLE[error.code].graphCode,
      message: error.message,
      ...(error.details.length > 0 ? { details: error.details } : {}),
      innerError: {
        date: graphDate(new Date()),
        'request-id': request.id,
        'client-request-id': typeof clientRequestId === 'string' ? clientRequestId : request.id,
      },
    },
  };
}

export function sendAppError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(error.retryAfterSeconds));
  }
  return reply.status(statusOf(error.code)).type('application/json').send(graphErrorBody(request, error));
}

/** Turns zod issues into Graph-style details with a target such as `body.addLicenses[0].skuId`. */
function validationError(error: FastifyError): AppError {
  if (!hasZodFastifySchemaValidationErrors(error)) {
    return new AppError('invalidRequest', error.message);
  }
  const context = error.validationContext ?? 'body';
  const details = error.validation.map((issue) => {
    const path = issue.instancePath
      .split('/')
      .filter(Boolean)
      .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`))
      .join('');
    return { code: 'InvalidValue', target: `${context}${path}`, message: issue.message ?? 'Invalid value.' };
  });
  const first = details[0];
  if (first === undefined) {
    return new AppError('invalidRequest', 'Invalid request.');
  }
  // Contracts phrase Graph's own messages as full sentences (e.g. the missing-parameter text of
  // assignLicense); those are sent as they are, since scripts match on them. zod's terse defaults
  // are prefixed with the field they concern.
  const isSentence = /^[A-Z].*\.$/.test(first.message);
  return new AppError('invalidRequest', isSentence ? first.message : `Invalid value for ${first.target}: ${first.message}`, details);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      return sendAppError(request, reply, error);
    }
    if (error.validation) {
      return sendAppError(request, reply, validationError(error));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendAppError(request, reply, new AppError('invalidRequest', 'Content-Type must be application/json.'));
    }
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
      return sendAppError(request, reply, new AppError('invalidRequest', 'The request body is not valid JSON.'));
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendAppError(request, reply, new AppError('payloadTooLarge', 'The request body is too large.'));
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
    } else if (error.statusCode !== undefined && error.statusCode < 500) {
      return sendAppError(request, reply, new AppError('invalidRequest', error.message));
    } else {
      request.log.error({ err: error }, 'unhandled error');
    }
    // Only AppErrors reveal their message; anything else is a fault of ours and says so generically.
    return sendAppError(request, reply, new AppError('internal', 'An internal server error occurred. Quote the request-id when reporting it.'));
  });
}
