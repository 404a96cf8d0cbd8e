// `npm run bench` (tsx scripts/bench.ts): the client's three benchmarks and the sandbox's, each against
// local servers (127.0.0.1, run as child processes) and each printing ratios measured in the same run
// (about two and a half minutes in all):
//   bench/overhead.ts    per-request cost: client vs bare openapi-fetch vs plain fetch (goal <= 1.05),
//                        median of 3 processes
//   bench/bulk.ts        2,000 creates under a Close-style rate limit: achieved/allowed (goal >= 0.9),
//                        429s received, leads lost or duplicated (goal 0)
//   bench/burst.ts       400 creates started at once by a fresh client against 100/s: achieved/allowed
//                        (goal >= 0.9), 429s drawn (goal <= 5), lost or duplicated (goal 0)
//   bench/pagination.ts  100,000 items: requests vs the minimum, heap growth (goal: minimum, flat)
//   bench/sandbox.ts     the sandbox vs the Prism mock, same calls (list, get, create) and concurrency:
//                        req/s and p99, sandbox/Prism req/s (goal >= 10 for each call; also printed: the
//                        ceiling, a trivial server with answers of the same sizes), the sandbox's heap
//                        and RSS over 100,000 requests (goal: heap flat), errors (goal 0)
//   bench/mcp.ts         MCP: search_operations top-1/top-3 on the tuning, held-out and blind phrasings (goal
//                        on the blind set >= 95% / 99%), tools/list bytes and tokens, all vs dynamic
//   bench/redact.ts      redacting the key from a result at the MCP text budget vs the JSON work the result
//                        costs anyway (goal <= 0.5), and the same for near misses of the key
// `tsx scripts/bench.ts [overhead|bulk|burst|pagination|sandbox|mcp|redact ...]`. Exits 1 when a goal is missed. Not part of npm test.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a benchmark prints on its `RESULT <name> <json>` line (bench/support.ts result()). */
type Values = Record<string, number | string | boolean>;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const all = ['overhead', 'bulk', 'burst', 'pagination', 'sandbox', 'mcp', 'redact'];
const picked = process.argv.slice(2).filter((a) => all.includes(a));
const summary: [name: string, values: Values][] = [];
let ok = true;
// The overhead ratio moves by a few percent from one process to the next (JIT and core placement on a
// small machine), more than within one process: it runs in several processes and reports the median.
const OVERHEAD_RUNS = Number(process.env.BENCH_OVERHEAD_RUNS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;
const num = (v: Values[string] | undefined) => (typeof v === 'number' ? v : Number.NaN);

function runOne(name: string, env: Record<string, string> = {}): Values | undefined {
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench', `${name}.ts`)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  process.stdout.write(res.stdout.replace(/^RESULT .*\n?/gm, ''));
  const json = /^RESULT (\S+) (.*)$/m.exec(res.stdout)?.[2];
  if (res.status !== 0 || json === undefined) {
    console.error(`✖ bench/${name}.ts failed (exit ${res.status})`);
    return undefined;
  }
  return JSON.parse(json) as Values;
}

for (const name of picked.length ? picked : all) {
  console.log(`\n▶ bench/${name}.ts`);
  let values: Values | undefined;
  if (name === 'overhead') {
    const runs: Values[] = [];
    for (let i = 0; i < OVERHEAD_RUNS; i++) {
      const v = runOne(name);
      if (v) runs.push(v);
    }
    if (runs.length === OVERHEAD_RUNS) {
      const clientVsBare = median(runs.map((r) => num(r.clientVsBare)));
      const runList = runs.map((r) => num(r.clientVsBare).toFixed(3)).join(', ');
      values = {
        clientVsBare,
        bareVsFetch: median(runs.map((r) => num(r.bareVsFetch))),
        clientVsFetch: median(runs.map((r) => num(r.clientVsFetch))),
        runs: runList,
        goalMet: clientVsBare <= 1.05,
      };
      console.log(
        `  median of ${OVERHEAD_RUNS} processes: client / openapi-fetch = ${clientVsBare.toFixed(3)} (runs: ${runList})`,
      );
    }
  } else {
    values = runOne(name);
  }
  if (!values) {
    ok = false;
    continue;
  }
  summary.push([name, values]);
  if (!values.goalMet) ok = false;
}
const fmt = (n: Values[string] | undefined) =>
  typeof n === 'number' ? (Number.isInteger(n) ? String(n) : n.toFixed(3)) : String(n);
console.log('\nSummary');
for (const [name, v] of summary) {
  const text =
    name === 'overhead'
      ? `client/openapi-fetch ${fmt(v.clientVsBare)} (goal <= 1.05; median of runs ${v.runs}), openapi-fetch/fetch ${fmt(v.bareVsFetch)}, client/fetch ${fmt(v.clientVsFetch)}`
      : name === 'bulk'
        ? `achieved/allowed ${fmt(v.ratio)} (goal >= 0.9), 429s ${v.rateLimited}, lost ${v.lost}, duplicated ${v.duplicated}`
        : name === 'burst'
          ? `cold burst achieved/allowed ${fmt(v.ratio)} (goal >= 0.9), 429s ${v.rateLimited} (goal <= 5; pacing off: ${v.reactive429}), lost ${v.lost}, duplicated ${v.duplicated}`
          : name === 'mcp'
            ? `search on unseen phrasings top-1 ${fmt(v.unseenTop1)} / top-3 ${fmt(v.unseenTop3)} (goal >= 0.95 / 0.99; blind ${fmt(v.blindTop1)} / ${fmt(v.blindTop3)}, tuning set ${fmt(v.tuningTop1)} / ${fmt(v.tuningTop3)}, held-out ${fmt(v.holdoutTop1)} / ${fmt(v.holdoutTop3)}); tools/list ${v.allBytes} bytes (~${v.allTokens} tokens) all vs ${v.dynamicBytes} (~${v.dynamicTokens}) dynamic`
            : name === 'pagination'
              ? `requests ${v.offsetRequests} offset / ${v.cursorRequests} cursor vs minimum ${v.minimum}; retained heap max ${fmt(v.offsetRetainedMB)} / ${fmt(v.cursorRetainedMB)} MB`
              : `sandbox/Prism req/s min ${fmt(v.minRatio)} (goal >= 10; list ${fmt(v.listRatio)}, get ${fmt(v.getRatio)}, create ${fmt(v.createRatio)}; a trivial server's ceiling: list ${fmt(v.listCeilingRatio)}, get ${fmt(v.getCeilingRatio)}, create ${fmt(v.createCeilingRatio)}), heap growth over 100,000 requests ${fmt(v.heapGrowthMB)} MB (goal < 2), errors ${v.errors}`;
  const line =
    name === 'redact'
      ? `redaction/JSON work on a budget-sized result ${fmt(v.typicalRatio)} (goal <= 0.5; ${fmt(v.typicalUs)} µs), near misses of the key ${fmt(v.hostileRatio)} (${fmt(v.hostileUs)} µs)`
      : text;
  console.log(`  ${v.goalMet ? '✔' : '✖'} ${name.padEnd(10)} ${line}`);
}
process.exit(ok ? 0 : 1);
