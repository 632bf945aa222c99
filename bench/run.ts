/**
 * `npm run bench`: runs each bench module in turn and prints its figures as JSON lines
 * ({"name","value","unit"}) on stdout. Add a bench by adding it to the list.
 * `npm run bench -- pipeline` runs only the benches named.
 */
import { callsBench } from './calls.js';
import type { Bench, Metric } from './metric.js';
import { pipelineBench } from './pipeline.js';
import { slowBodiesBench } from './slow-bodies.js';
import { storeBench } from './store.js';
import { tabSizeBench } from './tab-size.js';

const all: Bench[] = [storeBench, pipelineBench, callsBench, slowBodiesBench, tabSizeBench];
const only = process.argv.slice(2);
const unknown = only.filter((n) => !all.some((b) => b.name === n));
if (unknown.length) {
  process.stderr.write(`unknown bench ${unknown.join(', ')}; there are: ${all.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}
const benches = only.length ? all.filter((b) => only.includes(b.name)) : all;

const emit = (metric: Metric) => process.stdout.write(`${JSON.stringify(metric)}\n`);

for (const bench of benches) {
  try {
    await bench.run(emit);
  } catch (error) {
    process.stderr.write(`bench ${bench.name} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  }
}
