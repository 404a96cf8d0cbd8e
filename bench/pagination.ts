// Pagination: iterate 100,000 items with paginate() (offset style on /lead/, cursor style on /event/),
// printing requests made vs the minimum and the peak heap growth while iterating. Run with --expose-gc.
import { createCloseClient, paginate } from '../src/index.js';
import { result, startBenchServer } from './support.js';

const TOTAL = Number(process.env.BENCH_ITEMS ?? 100_000);
const PAGE = 100;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.warn('run with --expose-gc for a stable memory baseline');

const server = await startBenchServer('pages', String(TOTAL), String(PAGE));
const close = createCloseClient({ apiKey: 'bench_pages_key_2pRsB4wNc8dHfJ6u', baseUrl: server.baseUrl });

interface Run {
  requests: number;
  minimum: number;
  /** Largest heap still reachable after a forced GC, sampled every SAMPLE items (MB over the baseline). */
  retainedMB: number;
  /** Retained heap at the last sample minus at the first: what 90,000 more items added. */
  driftMB: number;
  /** Heap including garbage not yet collected (what the GC had not got round to). */
  peakMB: number;
}
const SAMPLE = 10_000;
const MB = 2 ** 20;

async function measure(label: string, iterate: () => AsyncGenerator<{ id?: string }>): Promise<Run> {
  await server.reset();
  gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  const retained: number[] = [];
  let items = 0;
  const t0 = performance.now();
  for await (const item of iterate()) {
    if (!item.id) throw new Error('item without id');
    items++;
    if (items % 500 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    if (items % SAMPLE === 0 && gc) {
      gc();
      retained.push(process.memoryUsage().heapUsed - base);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const { requests = 0 } = await server.stats();
  const minimum = Math.ceil(TOTAL / PAGE);
  if (items !== TOTAL) throw new Error(`${label}: iterated ${items} items, expected ${TOTAL}`);
  const run: Run = {
    requests,
    minimum,
    retainedMB: Math.max(0, ...retained) / MB,
    driftMB: retained.length > 1 ? ((retained.at(-1) ?? 0) - (retained[0] ?? 0)) / MB : Number.NaN,
    peakMB: peak / MB,
  };
  console.log(`${label}: ${items} items in ${seconds.toFixed(2)} s, ${requests} requests (minimum ${minimum})`);
  console.log(
    `  heap retained after GC, every ${SAMPLE} items: max ${run.retainedMB.toFixed(2)} MB, drift first→last sample ${run.driftMB.toFixed(2)} MB; ` +
      `peak incl. uncollected garbage ${run.peakMB.toFixed(1)} MB`,
  );
  return run;
}

const offset = await measure('offset (GET /lead/, _skip/_limit)', () =>
  paginate(close, '/lead/', { params: { query: { _limit: PAGE } } }),
);
const cursor = await measure('cursor (GET /event/, _cursor)', () =>
  paginate(close, '/event/', { params: { query: { _limit: PAGE } } }),
);
await server.stop();

// Flat: what stays reachable is about one page, and it does not grow with the number of items.
const flat = [offset, cursor].every((r) => r.retainedMB < 5 && Math.abs(r.driftMB) < 1);
console.log(
  `  memory flat: ${flat ? 'yes' : 'NO'}; requests at the minimum: ${offset.requests === offset.minimum && cursor.requests === cursor.minimum ? 'yes' : 'NO'}`,
);
result('pagination', {
  offsetRequests: offset.requests,
  cursorRequests: cursor.requests,
  minimum: offset.minimum,
  offsetRetainedMB: offset.retainedMB,
  cursorRetainedMB: cursor.retainedMB,
  offsetDriftMB: offset.driftMB,
  cursorDriftMB: cursor.driftMB,
  goalMet: Boolean(gc) && offset.requests === offset.minimum && cursor.requests === cursor.minimum && flat,
});
