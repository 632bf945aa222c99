/**
 * The v2.0 OpenID Connect discovery document, in the shape login.microsoftonline.com serves it. For a
 * tenant (by id or domain) every URL carries the tenant id; for `common`/`organizations` the issuer
 * keeps the `{tenantid}` placeholder, as the real one does, and verifiers substitute `tid`.
 */
export function openIdConfiguration(origin: string, tenantSegment: string, tenantId: string | undefined): Record<string, unknown> {
  const base = `${origin}/${tenantId ?? tenantSegment}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${origin}/${tenantId ?? '{tenantid}'}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host',
      'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash',
      'c_hash', 'email',
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

/**
 * The instance-discovery answer msal asks for when an authority is neither built in nor in
 * `knownAuthorities`: this emulator is its own cloud, with one host and no aliases.
 */
export function instanceDiscovery(origin: string, authorizationEndpoint: string | null): Record<string, unknown> {
  const host = new URL(origin).host;
  const tenant = tenantFromAuthorizeUrl(authorizationEndpoint) ?? 'common';
  return {
    tenant_discovery_endpoint: `${origin}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

function tenantFromAuthorizeUrl(url: string | null): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).pathname.split('/').filter(Boolean)[0];
  } catch {
    return undefined;
  }
}
