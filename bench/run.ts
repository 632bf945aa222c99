/**
 * `npm run bench`: runs each bench module in turn and prints its figures as JSON lines
 * ({"name","value","unit"}) on stdout. Add a bench by adding it to the list.
 */
import type { Bench, Metric } from './metric.js';
import { storeBench } from './store.js';

const benches: Bench[] = [storeBench];

const emit = (metric: Metric) => process.stdout.write(`${JSON.stringify(metric)}\n`);

for (const bench of benches) {
  try {
    await bench.run(emit);
  } catch (error) {
    process.stderr.write(`bench ${bench.name} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  }
}
