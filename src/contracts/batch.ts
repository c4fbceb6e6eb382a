import { z } from 'zod';

/** Graph's cap on the requests of one JSON batch (learn.microsoft.com/graph/json-batching). */
export const MAX_BATCH_REQUESTS = 20;

/**
 * Graph's refusal of a 21st request. UNCONFIRMED wording: two third-party reports quote it as
 * "Number of requests inside batch exceed(s) the limit"; Microsoft does not document the text.
 */
export const BATCH_TOO_LARGE_MESSAGE = 'Number of requests inside batch exceed the limit.';

export const BATCH_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;

// RFC 9110 field-name token, and a field value without CR, LF or NUL.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;

export const BatchRequestItemSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(100)
      .describe('Correlates the response with this request; unique in the batch, compared case-insensitively'),
    method: z
      .string()
      .transform((value) => value.toUpperCase())
      .pipe(z.enum(BATCH_METHODS, { error: 'The method must be one of GET, POST, PATCH, PUT or DELETE.' }))
      .describe('HTTP method of the request: GET, POST, PATCH, PUT or DELETE'),
    url: z
      .string()
      .min(1)
      .max(8192)
      .describe("URL relative to the version root: '/users?$top=2' means /v1.0/users?$top=2"),
    headers: z
      .record(z.string(), z.string().max(8192).regex(HEADER_VALUE, 'A header value may not contain line breaks.'))
      .refine((headers) => Object.keys(headers).every((name) => HEADER_NAME.test(name)), 'A header name may contain only token characters.')
      .optional()
      .describe('Headers of the request, e.g. {"Content-Type":"application/json"} (required with a body) or {"ConsistencyLevel":"eventual"}'),
    body: z
      .unknown()
      .optional()
      .describe('JSON body of the request (needs a Content-Type header); a string under a non-JSON Content-Type is base64 of the bytes'),
    dependsOn: z
      .array(z.string().min(1).max(100))
      .max(MAX_BATCH_REQUESTS)
      .optional()
      .describe('Ids of earlier requests of the batch that must succeed before this one runs; otherwise it answers 424'),
  })
  .describe('One request of a JSON batch');

export const BatchRequestSchema = z
  .object({
    requests: z
      .array(BatchRequestItemSchema)
      .min(1, 'A batch must contain at least one request.')
      .max(MAX_BATCH_REQUESTS, BATCH_TOO_LARGE_MESSAGE)
      .describe(`The requests, 1 to ${MAX_BATCH_REQUESTS}`),
  })
  .describe("Graph's JSON batch: up to 20 requests in one call");

export type BatchRequest = z.infer<typeof BatchRequestSchema>;
export type BatchRequestItem = z.infer<typeof BatchRequestItemSchema>;

export const BatchResponseItemSchema = z
  .object({
    id: z.string().describe('The id of the request this answers'),
    status: z.number().int().describe('HTTP status of the request'),
    headers: z.record(z.string(), z.string()).describe('Response headers of the request (content-type, location, request-id…)'),
    body: z.unknown().describe('Parsed JSON when the response is JSON, text for text, base64 for other content, null when empty'),
  })
  .describe('The response to one request of the batch');

export const BatchResponseSchema = z
  .object({
    responses: z.array(BatchResponseItemSchema).describe('One response per request, in the order of the requests'),
  })
  .describe("Graph's JSON batch response: the batch answers 200 whatever the requests' own statuses");

export type BatchResponseItem = z.infer<typeof BatchResponseItemSchema>;
