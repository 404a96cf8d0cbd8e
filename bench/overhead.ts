// Per-request overhead on the same local endpoint: the client vs bare openapi-fetch vs plain fetch.
// Interleaved small batches (the order rotates every round) so drift, load and GC hit all three alike;
// the ratio is the median of the per-round ratios. The server runs in a child process.
import createClient from 'openapi-fetch';
import type { paths } from '../generated/schema.js';
import { createCloseClient } from '../src/index.js';
import { median, result, startBenchServer } from './support.js';

const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const WARMUP = 10;
const KEY = 'bench_3kYQe9mVx7TzL2pRsB4wNc8dHfJ6uGa1';

const server = await startBenchServer('static');
const authorization = `Basic ${btoa(`${KEY}:`)}`;
const url = `${server.baseUrl}/lead/lead_1/`;
const bare = createClient<paths>({ baseUrl: server.baseUrl, headers: { Authorization: authorization } });
const close = createCloseClient({ apiKey: KEY, baseUrl: server.baseUrl });
const init = { params: { path: { lead_id: 'lead_1' as const } } };

const variants = [
  { name: 'fetch', call: async () => (await fetch(url, { headers: { Authorization: authorization } })).json() },
  { name: 'openapi-fetch', call: () => bare.GET('/lead/{lead_id}/', init) },
  { name: 'client', call: () => close.GET('/lead/{lead_id}/', init) },
].map((v) => ({ ...v, perRequest: [] as number[] }));
type Name = 'fetch' | 'openapi-fetch' | 'client';

for (let round = 0; round < WARMUP + ROUNDS; round++) {
  // Rotate the order every round, so that no variant always runs first.
  const order = [...variants.slice(round % variants.length), ...variants.slice(0, round % variants.length)];
  for (const v of order) {
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) await v.call();
    const us = ((performance.now() - t0) * 1000) / BATCH;
    if (round >= WARMUP) v.perRequest.push(us);
  }
}
const stats = await server.stats();
await server.stop();

const times = (name: Name): number[] => variants.find((v) => v.name === name)?.perRequest ?? [];
/** The median of the per-round ratios a/b (rounds are paired by index). */
const ratios = (a: Name, b: Name) => {
  const bs = times(b);
  return median(times(a).flatMap((x, i) => (bs[i] === undefined ? [] : [x / bs[i]])));
};
const clientVsBare = ratios('client', 'openapi-fetch');
const bareVsFetch = ratios('openapi-fetch', 'fetch');
const clientVsFetch = ratios('client', 'fetch');
console.log(
  `per-request time on loopback, median of ${ROUNDS} interleaved batches of ${BATCH} sequential GETs (${stats.requests} requests):`,
);
for (const v of variants) console.log(`  ${v.name.padEnd(14)} ${median(v.perRequest).toFixed(1)} µs`);
console.log(`  client / openapi-fetch = ${clientVsBare.toFixed(3)}   (goal <= 1.05)`);
console.log(`  openapi-fetch / fetch  = ${bareVsFetch.toFixed(3)}   (reference)`);
console.log(`  client / fetch         = ${clientVsFetch.toFixed(3)}`);
result('overhead', { clientVsBare, bareVsFetch, clientVsFetch, goalMet: clientVsBare <= 1.05 });
