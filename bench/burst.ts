// Cold burst: N creates started at once (a Promise.all over a form import) by a fresh client, against a
// local server allowing LIMIT requests per WINDOW_MS (fixed windows per key and endpoint group, as in
// bench/bulk.ts). The client has no RateLimit reading when the burst starts: it must learn the window
// from the first answers rather than send everything and bounce off 429s. Prints achieved / allowed
// rate (against the fixed-window floor), the 429s drawn, and leads lost or duplicated; for comparison,
// the same burst with pacing off.
import { createCloseClient, unwrap } from '../src/index.js';
import { result, startBenchServer } from './support.js';

const N = Number(process.env.BENCH_BURST ?? 400);
const LIMIT = Number(process.env.BENCH_BURST_LIMIT ?? 100);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 1000);
const KEY = 'bench_burst_key_9QpL2xRsB4wNc8dHfJ6uGa1';

const server = await startBenchServer('ratelimit', String(LIMIT), String(WINDOW_MS));

async function burst(pacing: boolean) {
  await server.reset();
  const close = createCloseClient({ apiKey: KEY, baseUrl: server.baseUrl, pacing });
  const failures: string[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      try {
        unwrap(await close.POST('/lead/', { body: { name: `Burst lead ${i}` } }));
      } catch (err) {
        failures.push(`${i}: ${(err as Error).message}`);
      }
    }),
  );
  return { elapsedS: (performance.now() - t0) / 1000, failures, stats: await server.stats() };
}

const reactive = await burst(false);
const { elapsedS, failures, stats } = await burst(true);
await server.stop();

const allowed = LIMIT / (WINDOW_MS / 1000);
// The best any client can do against fixed windows: the last window is only partly used.
const floorS = (Math.ceil(N / LIMIT) - 1) * (WINDOW_MS / 1000);
const ratio = N / elapsedS / allowed;
const duplicated = stats.duplicates ?? 0;
const lost = N - ((stats.created ?? 0) - duplicated);
const rateLimited = stats.rateLimited ?? 0;
console.log(`cold burst: ${N} concurrent creates from a fresh client, limit ${LIMIT} per ${WINDOW_MS} ms`);
console.log(
  `  elapsed ${elapsedS.toFixed(2)} s (fixed-window floor ${floorS.toFixed(2)} s), achieved / allowed = ${ratio.toFixed(3)}`,
);
console.log(
  `  429s drawn: ${rateLimited} of ${stats.requests} requests (goal <= 5); lost ${lost}, duplicated ${duplicated}`,
);
console.log(
  `  for comparison, pacing off: ${reactive.elapsedS.toFixed(2)} s, ${reactive.stats.rateLimited} 429s in ${reactive.stats.requests} requests`,
);
if (failures.length) console.log(`  failures:\n    ${failures.slice(0, 5).join('\n    ')}`);
result('burst', {
  ratio,
  rateLimited,
  lost,
  duplicated,
  reactive429: reactive.stats.rateLimited ?? 0,
  goalMet: ratio >= 0.9 && rateLimited <= 5 && lost === 0 && duplicated === 0,
});
