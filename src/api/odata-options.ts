import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { UrlBuilder } from './urls.js';

/**
 * Graph refuses query options a collection does not support ($skip, $expand…) instead of ignoring
 * them. `supported` holds lower-case names such as '$filter'.
 */
export function refuseUnsupportedOptions(url: string, supported: ReadonlySet<string>, entity: string): void {
  const unsupported = [...new URL(url, 'http://allot.invalid').searchParams.keys()].find((key) => key.startsWith('$') && !supported.has(key.toLowerCase()));
  if (unsupported !== undefined) {
    throw new AppError('invalidRequest', `Query option '${unsupported}' is not supported on ${entity}.`, [
      { code: 'Request_BadRequest', target: unsupported, message: `Supported: ${[...supported].join(', ')}.` },
    ]);
  }
}

/** The absolute @odata.nextLink: the request's own options with the next $skiptoken. */
export function nextLinkOf(urls: UrlBuilder, request: FastifyRequest, path: string, query: Record<string, string | undefined>, skipToken: string | undefined): string | undefined {
  if (skipToken === undefined) {
    return undefined;
  }
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && key !== '$skiptoken') {
      params.set(key, value);
    }
  }
  params.set('$skiptoken', skipToken);
  return `${urls.base(request)}${path}?${params.toString()}`;
}
