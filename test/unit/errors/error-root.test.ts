import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BodyError } from '../../../api/src/http/body-budget.js';
import { errorBody, httpStatusFor } from '../../../api/src/http/error-status.js';
import { refuse } from '../../../api/src/integrations/service-errors.js';
import { AppError, CodedError } from '../../../api/src/errors.js';
import { NotFoundError, VersionConflictError } from '../../../api/src/store/errors.js';
import { BotSendError } from '../../../bot/src/bot-errors.js';

const root = new URL('../../../', import.meta.url).pathname;

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(path)));
    else if (e.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

describe('one error root, one status map', () => {
  it('every error class in api/ and bot/ extends the coded base', async () => {
    const offenders: string[] = [];
    for (const file of [...(await sources('api/src')), ...(await sources('bot/src'))]) {
      const text = await readFile(join(root, file), 'utf8');
      for (const m of text.matchAll(/class (\w+) extends (Error|TypeError|RangeError)\b/g)) if (m[1] !== 'CodedError') offenders.push(`${file}: ${m[1]}`);
    }
    assert.deepEqual(offenders, []);
    assert.ok(new AppError('X', 'x') instanceof CodedError);
    assert.ok(new BotSendError('BOT_THROTTLED', 'x') instanceof CodedError);
    assert.ok(new NotFoundError('x') instanceof CodedError);
  });

  it('maps refusals to 4xx, a busy server to 503, and anything unplanned to 500 without its words', () => {
    assert.equal(httpStatusFor(refuse.invalid('tenantId', 'bad')), 400);
    assert.equal(httpStatusFor(refuse.notFound('int_1')), 404);
    assert.equal(httpStatusFor(refuse.enabled()), 409);
    assert.equal(httpStatusFor(refuse.changed('int_1')), 409);
    assert.equal(httpStatusFor(new VersionConflictError('x')), 409);
    assert.equal(httpStatusFor(new AppError('SECRET_INVALID', 'AADSTS7000215')), 422);
    assert.equal(httpStatusFor(new BodyError('BODY_TOO_LARGE', 'big')), 413);
    assert.equal(new BodyError('SERVER_BUSY', 'busy').status, 503);
    assert.equal(httpStatusFor(new Error('boom')), 500);
    assert.equal(httpStatusFor(new AppError('NOT_PLANNED_FOR', 'something else')), 500);
    // what Graph and Kaltura answer the editor's lookups: the integration's own gap, a failed or a busy service
    assert.equal(httpStatusFor(new AppError('MISSING_GROUP_PERMISSION', 'no GroupMember.Read.All')), 422);
    assert.equal(httpStatusFor(new AppError('KALTURA_REQUEST_FAILED', 'Kaltura answered HTTP 400')), 502);
    assert.equal(httpStatusFor(new AppError('GRAPH_UNAVAILABLE', 'Graph answered 503')), 503);
    assert.deepEqual(errorBody(new AppError('GRAPH_REQUEST_FAILED', 'search groups: Graph answered 400')).error.code, 'GRAPH_REQUEST_FAILED', 'a 502 keeps its code');
    assert.deepEqual(errorBody(refuse.invalid('settings.groups', 'opt-in needs at least one group')), {
      error: { code: 'INVALID_INPUT', message: 'settings.groups: opt-in needs at least one group', field: 'settings.groups' },
    });
    const hidden = errorBody(new Error('connect ECONNREFUSED mongodb://user:pw@db'));
    assert.equal(hidden.error.code, 'INTERNAL_ERROR');
    assert.ok(!hidden.error.message.includes('pw'));
  });
});
