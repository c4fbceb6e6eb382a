import { AppError } from './errors.js';
import { authorize, type AuthorizationRequest, type Principal } from './authorization.js';

export type { Principal } from './authorization.js';

/**
 * Who acts, for which tenant, in which request. Built once per request (or per CLI/job run) and
 * passed to every service call; repositories are created from it, so no query runs without a tenant.
 */
export interface RequestContext {
  tenantId: string;
  principal: Principal;
  /** The role or application permission that allowed the request (recorded in the audit log). */
  authorizedVia?: string;
  requestId: string;
  clientAddress: string | null;
}

export const systemPrincipal: Principal = { kind: 'system', id: 'allot-system', displayName: 'Allot' };

/** Graph's text for every authorization refusal; the missing role or permission is in the details. */
export const INSUFFICIENT_PRIVILEGES = 'Insufficient privileges to complete the operation.';

/**
 * Applies the permission table to a request and returns the context with the role or permission
 * that allowed it, or throws Graph's 403 naming what is missing.
 */
export function requireAllowed(context: RequestContext, request: AuthorizationRequest): RequestContext {
  const decision = authorize(context.principal, request);
  if (!decision.allowed) {
    throw new AppError('forbidden', INSUFFICIENT_PRIVILEGES, [
      { code: decision.needsKind === 'role' ? 'MissingRole' : 'MissingPermission', target: request.action, message: `${decision.reason} Needs: ${decision.needs.join(', ')}.` },
    ]);
  }
  return decision.via === context.authorizedVia ? context : { ...context, authorizedVia: decision.via };
}
