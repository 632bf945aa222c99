/** Who is calling the admin API, as their verified Teams SSO token says. */
export interface AdminPrincipal {
  /** Entra object id (`oid`): the audit log's actor id */
  userId: string;
  /** the token's `tid`: the only tenant whose integrations this caller sees */
  tenantId: string;
  name: string | null;
  roles: string[];
}

/**
 * Verifies the `Authorization` header's bearer token and returns its principal; throws a CodedError
 * with UNAUTHENTICATED (401: no token, bad signature, audience, issuer, time) or FORBIDDEN (403:
 * tenant not allowed, no `access_as_user`, no admin role).
 */
export type AuthenticateAdmin = (authorization: string | undefined) => Promise<AdminPrincipal>;
