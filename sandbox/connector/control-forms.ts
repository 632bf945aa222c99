import type { ServerResponse } from 'node:http';
import { sendEmpty, sendJson } from '../emulator/respond.js';
import type { EmulatorRequest } from '../emulator/router.js';

/**
 * The control routes serve two callers: tests and scripts posting JSON, and the messages page's small
 * forms posting `application/x-www-form-urlencoded`. A form gets a 303 back to the page, with the
 * outcome as a notice; JSON gets the status and body.
 */
export interface ControlInput {
  fromForm: boolean;
  fields: Record<string, unknown>;
}

export async function readControlInput(req: EmulatorRequest): Promise<ControlInput> {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return { fromForm: true, fields: Object.fromEntries(new URLSearchParams(await req.text())) };
  }
  const body = await req.json();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SyntaxError('the body must be a JSON object');
  return { fromForm: false, fields: body as Record<string, unknown> };
}

export interface ControlOutcome {
  status: number;
  body: Record<string, unknown>;
  /** what the page shows after a form post */
  notice: string;
  /** whose chat the page shows afterwards; the page's "everyone" view when absent */
  user?: string;
}

export function answerControl(res: ServerResponse, input: ControlInput, outcome: ControlOutcome): void {
  if (!input.fromForm) {
    sendJson(res, outcome.status, outcome.body);
    return;
  }
  const query = new URLSearchParams();
  // the form says which view it was posted from, so the person stays on the page they were on
  if (outcome.user && input.fields.view !== 'everyone') query.set('user', outcome.user);
  query.set('notice', outcome.notice);
  sendEmpty(res, 303, { location: `/__control/?${query}` });
}
