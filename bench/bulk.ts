// Bulk load: create N leads through the client against a local server that enforces a Close-style
// per-key fixed-window rate limit (RateLimit on every answer, 429 + Retry-After when exceeded).
// Prints achieved rate / allowed rate, the 429s received, and leads lost or duplicated.
import { createCloseClient, unwrap } from '../src/index.js';
import { result, startBenchServer } from './support.js';

const N = Number(process.env.BENCH_LEADS ?? 2000);
const LIMIT = Number(process.env.BENCH_LIMIT ?? 160);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 1000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 16);
const KEY = 'bench_bulk_key_7TzL2pRsB4wNc8dHfJ6uGa1';

const server = await startBenchServer('ratelimit', String(LIMIT), String(WINDOW_MS));

async function load(count: number, pacing: boolean) {
  let retries429 = 0;
  const close = createCloseClient({
    apiKey: KEY,
    baseUrl: server.baseUrl,
    pacing,
    onRetry: (e) => void (e.status === 429 && retries429++),
  });
  const created = new Set<string>();
  const failures: string[] = [];
  let next = 0;
  await server.reset();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < count) {
        const i = next++;
        try {
          const lead = unwrap(
            await close.POST('/lead/', { body: { name: `Bulk lead ${i}`, 'custom.cf_batch': 'bench' } }),
          );
          created.add(lead.name ?? '');
        } catch (err) {
          failures.push(`${i}: ${(err as Error).message}`);
        }
      }
    }),
  );
  const elapsedS = (performance.now() - t0) / 1000;
  return { elapsedS, created, failures, retries429, stats: await server.stats() };
}

// For comparison only: the same job, smaller, with pacing switched off (the client only reacts to 429s).
const REACTIVE_N = Math.min(N, LIMIT * 4);
const reactive = await load(REACTIVE_N, false);
const { elapsedS, created, failures, retries429, stats } = await load(N, true);
await server.stop();

const allowed = LIMIT / (WINDOW_MS / 1000);
const achieved = N / elapsedS;
const ratio = achieved / allowed;
// The best any client can do against fixed windows: the last window is only partly used.
const minS = (Math.ceil(N / LIMIT) - 1) * (WINDOW_MS / 1000);
// Leads the server holds once or more, against those asked for (a failed create is simply missing).
const duplicated = stats.duplicates ?? 0;
const lost = N - ((stats.created ?? 0) - duplicated);
console.log(
  `bulk create: ${N} leads, ${WORKERS} concurrent workers, limit ${LIMIT} per ${WINDOW_MS} ms (allowed ${allowed.toFixed(0)}/s)`,
);
console.log(
  `  elapsed ${elapsedS.toFixed(2)} s (fixed-window floor ${minS.toFixed(2)} s), achieved ${achieved.toFixed(1)}/s`,
);
console.log(`  achieved / allowed = ${ratio.toFixed(3)}   (goal >= 0.9)`);
console.log(
  `  429s received: ${stats.rateLimited} (retried by the client: ${retries429}) of ${stats.requests} requests`,
);
console.log(
  `  leads lost: ${lost}, duplicated: ${duplicated}   (goal 0 and 0); server holds ${stats.created}, client saw ${created.size} distinct`,
);
const reactiveRatio = REACTIVE_N / reactive.elapsedS / allowed;
const reactiveFloor = (Math.ceil(REACTIVE_N / LIMIT) - 1) * (WINDOW_MS / 1000);
console.log(
  `  for comparison, pacing off (${REACTIVE_N} leads, only reacting to 429s): ${reactive.elapsedS.toFixed(2)} s (floor ${reactiveFloor.toFixed(2)} s), ` +
    `${reactive.stats.rateLimited} 429s in ${reactive.stats.requests} requests, duplicated ${reactive.stats.duplicates}`,
);
if (failures.length) console.log(`  failures:\n    ${failures.slice(0, 5).join('\n    ')}`);
result('bulk', {
  ratio,
  achieved,
  allowed,
  rateLimited: stats.rateLimited ?? 0,
  lost,
  duplicated,
  reactiveRatio,
  reactive429: reactive.stats.rateLimited ?? 0,
  goalMet: ratio >= 0.9 && lost === 0 && duplicated === 0,
});
