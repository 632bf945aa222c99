import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { AppError } from '../../api/src/errors.js';
import { httpStatusFor } from '../../api/src/http/error-status.js';
import { errorCatalogue } from '../../api/src/integrations/error-catalogue.js';
import {
  TROUBLESHOOTING_END,
  TROUBLESHOOTING_START,
  troubleshootingRows,
  troubleshootingTable,
  troubleshootingTableIn,
  withTroubleshootingTable,
} from '../../api/src/integrations/troubleshooting.js';

const setupGuide = new URL('../../docs/setup.md', import.meta.url);

/** The troubleshooting table of docs/setup.md is generated from the error catalogue, so it never drifts. */
describe('troubleshooting table', () => {
  it('docs/setup.md holds exactly the table the catalogue makes', async () => {
    const doc = await readFile(setupGuide, 'utf8');
    const table = troubleshootingTableIn(doc);
    assert.ok(table !== undefined, `docs/setup.md needs ${TROUBLESHOOTING_START} … ${TROUBLESHOOTING_END}`);
    assert.equal(
      table,
      troubleshootingTable(),
      'the troubleshooting table in docs/setup.md differs from api/src/integrations/error-catalogue.ts: run npm run docs:troubleshooting',
    );
  });

  it('has one row per catalogue code, in its order, with its message, fix and the API status where there is one', () => {
    const rows = troubleshootingRows();
    assert.deepEqual(rows.map((r) => r.code), Object.keys(errorCatalogue));
    for (const r of rows) {
      const entry = errorCatalogue[r.code as keyof typeof errorCatalogue];
      assert.equal(r.message, entry.message);
      assert.equal(r.fix, entry.fix);
      const status = httpStatusFor(new AppError(r.code, ''));
      assert.equal(r.httpStatus, status === 500 ? undefined : status, r.code);
    }
    const byCode = new Map(rows.map((r) => [r.code, r]));
    assert.equal(byCode.get('SECRET_INVALID')!.httpStatus, 422);
    assert.equal(byCode.get('APPLICATION_ACCESS_POLICY_MISSING')!.httpStatus, undefined);

    const table = troubleshootingTable().split('\n');
    assert.equal(table.length, rows.length + 2);
    assert.equal(table[0], '| code | HTTP status | message | fix |');
    assert.ok(table.includes(`| \`SECRET_INVALID\` | 422 | ${errorCatalogue.SECRET_INVALID.message} | ${errorCatalogue.SECRET_INVALID.fix} |`));
    // every row has four cells: nothing in a message or fix breaks the table
    for (const line of table) assert.equal(line.replace(/\\\|/g, '').split('|').length, 6, line);
  });

  it('shows <…> as text, not as an HTML tag', () => {
    const policy = troubleshootingTable().split('\n').find((l) => l.includes('APPLICATION_ACCESS_POLICY_MISSING'))!;
    assert.ok(policy.includes('-AppIds "&lt;client id>"'), policy);
  });

  it('rewrites only what is between the markers, the same way every time', () => {
    const doc = `# Guide\n\nbefore\n\n${TROUBLESHOOTING_START}\nold table\n${TROUBLESHOOTING_END}\n\nafter\n`;
    const once = withTroubleshootingTable(doc);
    assert.equal(once, `# Guide\n\nbefore\n\n${TROUBLESHOOTING_START}\n${troubleshootingTable()}\n${TROUBLESHOOTING_END}\n\nafter\n`);
    assert.equal(withTroubleshootingTable(once), once);
    assert.equal(troubleshootingTableIn(once), troubleshootingTable());
    assert.throws(() => withTroubleshootingTable('# no markers'), /troubleshooting:start/);
    assert.throws(() => withTroubleshootingTable(`${TROUBLESHOOTING_END}\n${TROUBLESHOOTING_START}`), /troubleshooting:start/);
    assert.equal(troubleshootingTableIn('# no markers'), undefined);
  });
});
