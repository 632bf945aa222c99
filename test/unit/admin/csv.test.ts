import assert from 'node:assert/strict';
import { toCsv } from '../../../api/src/admin/csv.js';

describe('CSV for the activity download', function () {
  it('quotes every cell, doubling quotes, keeping commas and line breaks inside their cell', () => {
    assert.equal(toCsv(['a', 'b'], [['say "hi", then\nleave', 3], [null, undefined]]), '"a","b"\r\n"say ""hi"", then\nleave","3"\r\n"",""\r\n');
  });

  it('defuses what a spreadsheet would run as a formula', () => {
    const out = toCsv(['x'], [['=HYPERLINK("http://evil")'], ['+1'], ['-2+3'], ['@SUM(A1)'], ['\t=1'], ['\r=1'], ['a=b'], ['2026-11-02T10:00:00.000Z']]);
    assert.deepEqual(out.split('\r\n').slice(1, -1), [
      `"'=HYPERLINK(""http://evil"")"`,
      `"'+1"`,
      `"'-2+3"`,
      `"'@SUM(A1)"`,
      `"'\t=1"`,
      `"'\r=1"`,
      '"a=b"',
      '"2026-11-02T10:00:00.000Z"',
    ]);
  });
});
