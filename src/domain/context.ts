/**
 * Who acts, for which tenant, in which request. Built once per request (or per CLI/job run) and
 * passed to every service call; repositories are created from it, so no query runs without a tenant.
 */
export interface Principal {
  /** localOperator: a caller on the loopback interface before sign-in exists (identity issue). */
  kind: 'localOperator' | 'user' | 'app' | 'system';
  id: string;
  displayName: string;
}

export interface RequestContext {
  tenantId: string;
  principal: Principal;
  requestId: string;
  clientAddress: string | null;
}

export const systemPrincipal: Principal = { kind: 'system', id: 'allot-system', displayName: 'Allot' };
