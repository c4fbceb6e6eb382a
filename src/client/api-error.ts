export interface ApiErrorDetail {
  code: string | undefined;
  message: string;
}

/** An API answer that was not a success, parsed from Graph's error envelope. */
export class ApiError extends Error {
  readonly status: number;
  /** Graph's error code (e.g. `Request_BadRequest`), or `networkError` when no answer came. */
  readonly code: string;
  readonly requestId: string | undefined;
  /** Graph's `details`: the plain-language explanations some errors carry (e.g. CountViolation: buy N more). */
  readonly details: readonly ApiErrorDetail[];

  constructor(options: { status: number; code: string; message: string; requestId?: string | undefined; details?: readonly ApiErrorDetail[] }) {
    super(options.message);
    this.name = 'ApiError';
    this.status = options.status;
    this.code = options.code;
    this.requestId = options.requestId;
    this.details = options.details ?? [];
  }
}

interface GraphErrorEnvelope {
  error?: { code?: unknown; message?: unknown; details?: unknown; innerError?: { 'request-id'?: unknown } };
}

const asString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Builds the ApiError of a failed response; a body that is not Graph's envelope keeps the HTTP status text. */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  let envelope: GraphErrorEnvelope = {};
  try {
    envelope = (await response.json()) as GraphErrorEnvelope;
  } catch {
    // Not JSON (a proxy's page, an empty body): the status says enough.
  }
  const error = envelope.error ?? {};
  const details = Array.isArray(error.details)
    ? error.details.flatMap((detail: unknown): ApiErrorDetail[] => {
        const { code, message } = (detail ?? {}) as { code?: unknown; message?: unknown };
        return asString(message) === undefined ? [] : [{ code: asString(code), message: String(message) }];
      })
    : [];
  return new ApiError({
    status: response.status,
    code: asString(error.code) ?? `http${response.status}`,
    message: asString(error.message) ?? (response.statusText || `HTTP ${response.status}`),
    requestId: asString(error.innerError?.['request-id']) ?? response.headers.get('request-id') ?? undefined,
    details,
  });
}
