import { UNREACHABLE_CODES, type HealthChangedEvent, type Notifier } from '../notify/notifier.js';
import { describeFailure } from '../queue/failure.js';
import type { JobHandler } from '../queue/worker.js';
import type { JsonValue } from '../store/json.js';
import type { AdminRepository } from '../store/store.js';

export interface AdminAlertDeps {
  notifier: Notifier;
  admins: Pick<AdminRepository, 'listAdmins'>;
}

interface AlertProgress {
  /** admins already told (or found unreachable), lower case: never told twice */
  done?: string[];
}

/**
 * `alert-admins`: one alert card to each admin of the tenant (as their last console sign-in showed)
 * who has the bot installed. Admins are told one after the other and each one done is saved on the
 * job before the next, so a retry (a throttled connector, a restarted worker) goes on from there.
 */
export function createAlertAdminsHandler(d: AdminAlertDeps): JobHandler {
  return async (job, ctx): Promise<JsonValue> => {
    const event = job.payload as unknown as HealthChangedEvent;
    const done = new Set((job.progress as AlertProgress | null)?.done ?? []);
    const outcome: Record<string, string> = {};
    for (const admin of await d.admins.listAdmins(event.tenantId.toLowerCase())) {
      const id = admin.userId.toLowerCase();
      if (done.has(id)) continue;
      if (!(await d.notifier.reachable(event.tenantId, admin.userId))) {
        outcome[admin.userId] = 'no bot conversation';
      } else {
        try {
          await d.notifier.healthChanged(event, admin.userId);
          outcome[admin.userId] = 'sent';
        } catch (err) {
          const failure = describeFailure(err);
          if (failure.retryable && !UNREACHABLE_CODES.includes(failure.code)) throw err;
          outcome[admin.userId] = `unreachable: ${failure.code}`;
        }
      }
      done.add(id);
      await ctx.saveProgress({ done: [...done] });
    }
    return outcome;
  };
}
