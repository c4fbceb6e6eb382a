import type { FastifyRequest } from 'fastify';

/**
 * Absolute URLs (@odata.context, nextLink, Location). The base is ALLOT_PUBLIC_URL when set;
 * otherwise the address the request reached (Host is only believed behind a trusted proxy, where
 * Fastify's trustProxy resolves X-Forwarded-Host/Proto).
 */
export interface UrlBuilder {
  base(request: FastifyRequest): string;
}

export function createUrlBuilder(options: { publicUrl: string | undefined; trustProxy: boolean; listenUrl: () => string }): UrlBuilder {
  return {
    base: (request) => {
      if (options.publicUrl !== undefined) {
        return options.publicUrl;
      }
      return options.trustProxy ? `${request.protocol}://${request.host}` : options.listenUrl();
    },
  };
}

export const graphContext = (urls: UrlBuilder, request: FastifyRequest, fragment: string): string => `${urls.base(request)}/v1.0/$metadata#${fragment}`;

/**
 * The request's own query with one parameter set for the next page (default `$skiptoken`): an
 * absolute @odata.nextLink, as Graph gives; nothing on the last page.
 */
export function nextLink(urls: UrlBuilder, request: FastifyRequest, value: string | number | undefined, parameter = '$skiptoken'): { '@odata.nextLink'?: string } {
  if (value === undefined) {
    return {};
  }
  const url = new URL(request.url, 'http://allot.invalid');
  url.searchParams.set(parameter, String(value));
  return { '@odata.nextLink': `${urls.base(request)}${url.pathname}?${url.searchParams.toString()}` };
}
