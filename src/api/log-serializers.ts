import type { FastifyRequest } from 'fastify';
import { REDEEM_PATH } from './routes/graph/invitations.routes.js';

/** The redeem path however it is spelled (trailing slash, repeated slashes, case). */
const REDEEM = new RegExp(`^/*${REDEEM_PATH.slice(1)}/*$`, 'i');

/** Query parameters that carry a secret when a client puts one in a URL by mistake. */
const SECRET_PARAMETERS = ['invitation', 'client_secret', 'password', 'access_token', 'code'];

/**
 * The URL as logged: an invitation's redeem link carries its secret in the query string, so the
 * query of /redeem — and of any URL with a secret-bearing parameter (an invitation pasted on the
 * wrong path, a client secret sent in the query) — is left out of the logs.
 */
export function loggedUrl(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt === -1) {
    return url;
  }
  const path = url.slice(0, queryAt);
  const query = new URLSearchParams(url.slice(queryAt + 1));
  const hasSecret = REDEEM.test(path) || SECRET_PARAMETERS.some((name) => query.has(name));
  return hasSecret ? `${path}?[redacted]` : url;
}

/** Fastify's own request serializer, with the URL passed through loggedUrl (logger option `serializers.req`). */
export function requestSerializer(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: loggedUrl(request.url),
    version: request.headers['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  };
}
