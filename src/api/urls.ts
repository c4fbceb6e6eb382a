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
