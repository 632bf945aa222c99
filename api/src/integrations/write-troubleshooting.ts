import { readFile, writeFile } from 'node:fs/promises';
import { troubleshootingTable, troubleshootingTableIn, withTroubleshootingTable } from './troubleshooting.js';

// `npm run docs:troubleshooting` rewrites the troubleshooting table of docs/setup.md from the error
// catalogue (api/src/integrations/error-catalogue.ts); `-- --check` only says whether it is current.
const args = process.argv.slice(2);
const check = args.includes('--check');
const target = args.find((a) => !a.startsWith('--')) ?? 'docs/setup.md';
const doc = await readFile(target, 'utf8');
if (check) {
  if (troubleshootingTableIn(doc) !== troubleshootingTable()) {
    console.error(`${target}: the troubleshooting table differs from the error catalogue; run npm run docs:troubleshooting`);
    process.exitCode = 1;
  } else console.log(`${target}: the troubleshooting table is current`);
} else {
  const next = withTroubleshootingTable(doc);
  if (next === doc) console.log(`${target}: the troubleshooting table is current`);
  else {
    await writeFile(target, next);
    console.log(`wrote the troubleshooting table of ${target}`);
  }
}
