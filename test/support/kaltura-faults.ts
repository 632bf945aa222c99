import type { TestEmulators } from './emulators.js';

/**
 * Kaltura refuses every new entry with a permanent error (not a throttle, not an outage), the way a
 * recording comes to fail for good and wait for an admin's retry.
 */
export async function kalturaRefusesNewEntries(e: TestEmulators, count = 50): Promise<void> {
  await e.control(e.kaltura, 'POST', '/__control/faults', {
    method: 'POST',
    pathPattern: '/service/media/action/add$',
    status: 200,
    body: { objectType: 'KalturaAPIException', code: 'PROPERTY_VALIDATION_CANNOT_BE_NULL', message: 'The property "KalturaMediaEntry::mediaType" cannot be NULL', args: {} },
    count,
  });
}
