import type { IntegrationService } from '../integrations/integration-service.js';
import { refuse, ServiceError } from '../integrations/service-errors.js';
import type { Integration } from '../store/model.js';
import type { AdminPrincipal } from './admin-principal.js';

/** Integration ids are `int_` and base64url (store/ids.ts); anything else cannot name one. */
const PLAUSIBLE_ID = /^[A-Za-z0-9_-]{1,100}$/;

export const sameTenant = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * The integration if it exists and belongs to the caller's tenant; otherwise 404, the same answer as for
 * an id that never existed, so one tenant cannot learn about another's integrations.
 */
export async function ownIntegration(service: IntegrationService, principal: AdminPrincipal, id: string): Promise<Integration> {
  if (!PLAUSIBLE_ID.test(id)) throw new ServiceError('INTEGRATION_NOT_FOUND', 'No such integration.', { field: 'id' });
  const integration = await service.get(id);
  if (!sameTenant(integration.tenantId, principal.tenantId)) throw refuse.notFound(id);
  return integration;
}

/** A tenant id an admin gives (creating, or moving an integration) must be their own. */
export function requireOwnTenant(principal: AdminPrincipal, body: unknown): void {
  const tenantId = (body as { tenantId?: unknown } | null)?.tenantId;
  // a malformed id is the schema's to refuse (400 naming the field); only a well-formed other tenant is forbidden
  if (typeof tenantId !== 'string' || !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(tenantId.trim())) return;
  if (!sameTenant(tenantId, principal.tenantId)) {
    throw new ServiceError('FORBIDDEN', `You can manage only the integrations of your own tenant (${principal.tenantId}); sign in as an admin of ${tenantId.trim()} to connect it.`, {
      field: 'tenantId',
    });
  }
}
