/**
 * The clients' side of the reliability runs: one request with its outcome (status, the server's
 * request id, Graph's error code and message), and a tally of outcomes per operation and error.
 */
export interface Answer {
  /** 0 when no answer came (connection refused or reset, timeout): `failure` says why. */
  status: number;
  /** The server's `request-id` header: every audit row of the request carries it. */
  requestId: string;
  body: unknown;
  /** Graph's error.code and message of a 4xx/5xx; the first detail's code (e.g. LicensesInUse) when there is one. */
  error?: { code: string; message: string; detail?: string };
  failure?: string;
}

interface GraphErrorBody {
  error?: { code?: string; message?: string; details?: { code?: string }[] };
}

/** Sends one JSON request; never throws (a transport failure is an Answer with status 0). */
export async function send(
  baseUrl: string,
  authorization: string,
  request: { method: string; path: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number },
): Promise<Answer> {
  try {
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: { authorization, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...request.headers },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(request.timeoutMs ?? 60_000),
    });
    const text = await response.text();
    const body = text === '' ? null : (JSON.parse(text) as unknown);
    const requestId = response.headers.get('request-id') ?? '';
    if (response.status < 400) {
      return { status: response.status, requestId, body };
    }
    const error = (body as GraphErrorBody | null)?.error;
    const detail = error?.details?.[0]?.code;
    return {
      status: response.status,
      requestId,
      body,
      error: { code: error?.code ?? '(no Graph error body)', message: error?.message ?? text.slice(0, 200), ...(detail === undefined ? {} : { detail }) },
    };
  } catch (error) {
    return { status: 0, requestId: '', body: null, failure: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** Outcomes counted per operation and per status + error code, with one example message each. */
export class Tally {
  private readonly counts = new Map<string, { count: number; example: string }>();

  record(operation: string, answer: Answer): void {
    const outcome =
      answer.status === 0
        ? `no answer (${answer.failure ?? 'unknown'})`
        : answer.error === undefined
          ? String(answer.status)
          : `${answer.status} ${answer.error.code}${answer.error.detail === undefined ? '' : `/${answer.error.detail}`}`;
    const key = `${operation}\t${outcome}`;
    const entry = this.counts.get(key);
    if (entry === undefined) {
      this.counts.set(key, { count: 1, example: answer.error === undefined ? '' : `${answer.error.message} (request-id ${answer.requestId})` });
    } else {
      entry.count += 1;
    }
  }

  /** Requests that got no answer or a 5xx: each one is a failure of the run. */
  failures(): string[] {
    return [...this.counts]
      .filter(([key]) => {
        const status = Number(key.split('\t')[1]?.split(' ')[0]);
        return !(status >= 200 && status < 500);
      })
      .map(([key, entry]) => `${key.replace('\t', ': ')} ×${entry.count} ${entry.example}`);
  }

  total(predicate: (status: number) => boolean = () => true): number {
    return [...this.counts].filter(([key]) => predicate(Number(key.split('\t')[1]?.split(' ')[0]))).reduce((sum, [, entry]) => sum + entry.count, 0);
  }

  /** A table for the run's report: operation, outcome, count, an example message of each refusal. */
  report(): string {
    return [...this.counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, entry]) => `  ${key.replace('\t', '  ').padEnd(72)} ${String(entry.count).padStart(6)}  ${entry.example}`)
      .join('\n');
  }
}
