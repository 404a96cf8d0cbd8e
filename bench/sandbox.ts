// Sandbox vs Prism: requests per second and latency of the sandbox (src/sandbox/) and of the Prism mock
// (scripts/mock.ts, as `npm run mock` runs it), for the same three calls at the same concurrency,
// measured in one run, and the sandbox's memory over 100,000 requests. Each server runs in its own
// child process (bench/api-server.ts); this process only generates load, with autocannon (keep-alive
// connections, HTTP Basic auth, 127.0.0.1), the same connections, pipelining and duration for every
// server. Its per-response event gives each request's status, size and latency, so percentiles are
// over every request of every round.
//
//   list    GET  /api/v1/lead/?_limit=25
//   get     GET  /api/v1/lead/<id>/      (sandbox: a lead of the demo seed; Prism: any valid id)
//   create  POST /api/v1/lead/           {"name": ..., "description": ...}
//
// Throughput: for each call, ROUNDS rounds of SECONDS per server (the servers' order alternates between
// rounds, so that a change in the machine's load hits both), after WARMUP seconds per call and server;
// CONCURRENCY requests in flight. The sandbox is reset to its seed before each measurement, so every
// list and get sees the same 30 leads. Every answer must be a 200; anything else, or a failed
// connection, is an error and misses the goal. Also printed, not goals: each server's CPU time per
// request (its process.cpuUsage(), less sensitive to the machine's other load than req/s), and, for
// each call, a trivial node:http server answering fixed bodies of the sandbox's answer sizes (the
// `ceiling` of bench/api-server.ts) through the same load generator: the most req/s this machine and
// load generator can show for an answer of that size, so the highest ratio to Prism any server could
// reach here. The list's answer is 96 KB (25 leads with their contacts, opportunities and tasks, as
// Close sends them) against Prism's 4.5 KB example: moving those bytes, not the sandbox, bounds it.
//
// Memory: MEMORY_REQUESTS requests against the sandbox (autocannon with `amount`), gets of each seed
// lead in turn with every twentieth a list, what it holds (its heap plus its ArrayBuffers: the event log
// keeps its JSON in Buffers, off the heap) and its RSS sampled after a forced GC every 10,000. Reads
// leave the state as it is. Writes do not, not even updates: every create, update and delete appends
// an event (with the whole lead) to the sandbox's event log, which keeps at most 10,000 events (and
// 30 days, as Close keeps its own). So flatness is checked on reads, and writes are measured
// separately: WRITES updates (PUT of seed leads), the memory each adds, and that reset() gives it all
// back (what writes add is held by the store; nothing leaks outside it).
//
// Goal: for each of the three calls, sandbox req/s / Prism req/s >= 10 (the minimum of the three is
// compared), the memory held flat (heap + ArrayBuffers: growth from the first sample to the last
// < FLAT_MB, and within FLAT_MB of the last sample after the writes and a reset), and no errors.
// Env: BENCH_CONCURRENCY (16), BENCH_SECONDS (2), BENCH_ROUNDS (2), BENCH_MEMORY_REQUESTS (100000),
// BENCH_WRITES (5000), BENCH_PIPELINING (1: one request at a time per connection, as HTTP clients of
// the Close API send them). Run with --expose-gc (scripts/bench.ts does); about 60-90 s on a 2-core machine.
import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { ServerMessage, ServerRequest } from './api-server.js';
import { result } from './support.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 1);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WARMUP = 1;
const MEMORY_REQUESTS = Number(process.env.BENCH_MEMORY_REQUESTS ?? 100_000);
const SAMPLE_EVERY = 10_000;
const WRITES = Number(process.env.BENCH_WRITES ?? 5000);
/**
 * Allowed growth of what the sandbox holds over the 90,000 requests between the first and the last
 * sample: 2 MB is about 23 bytes per request, less than a leak keeps for anything it holds per
 * request (a request id string alone is ~50 bytes), and far above the noise between samples after a
 * forced GC (< 0.1 MB).
 */
const FLAT_MB = 2;
const GOAL_RATIO = 10;
const MB = 2 ** 20;
const AUTH = `Basic ${Buffer.from('bench_sandbox_key_Qm3vcf3ZdD6TwMZ:').toString('base64')}`;
/** Any id the spec accepts (LeadId's example): Prism answers its example whatever the id. */
const PRISM_LEAD_ID = 'lead_IIDHIStmFcFQZZP0BRe99V1MCoXWz2PGCm6EDmR9v2O';
const CREATE_BODY = JSON.stringify({ name: 'Bench lead', description: 'Created by npm run bench.' });

// ---------- the servers ----------

type ServerName = 'sandbox' | 'prism' | 'ceiling';

interface Target {
  name: ServerName;
  base: URL;
  /** Asks the child process. */
  ask(type: ServerRequest['type']): Promise<Extract<ServerMessage, { type: 'answer' }>>;
  stop(): Promise<void>;
}

/** Forks bench/api-server.ts (sandbox, prism or ceiling) and waits until it listens. */
async function startServer(name: ServerName, args: string[] = []): Promise<Target> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'api-server.ts'), [name, ...args], {
    cwd: join(import.meta.dirname, '..'), // `--import tsx` resolves tsx from the repository root
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (m: Extract<ServerMessage, { type: 'answer' }>) => void>();
  let nextId = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.on('message', (m: ServerMessage) => {
      if (m.type === 'ready') resolve(m.url);
      else if (m.type === 'error') reject(new Error(`${name} server: ${m.message}`));
      else pending.get(m.id)?.(m);
    });
    child.once('exit', (code) => reject(new Error(`${name} server exited with ${code}`)));
  });
  return {
    name,
    base: new URL(`${url}/`),
    ask: (type) =>
      new Promise((resolve) => {
        const id = ++nextId;
        pending.set(id, (m) => {
          pending.delete(id);
          resolve(m);
        });
        child.send({ id, type } satisfies ServerRequest);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect(); // it closes its server and exits
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** What a server process holds: its heap and its ArrayBuffers (Buffers live outside the heap). */
const held = (m: NodeJS.MemoryUsage): number => m.heapUsed + m.arrayBuffers;

async function memory(server: Target): Promise<NodeJS.MemoryUsage> {
  const m = await server.ask('memory');
  if (!m.memory) throw new Error(`${server.name}: no answer to a memory probe`);
  return m.memory;
}

/** CPU time (user + system, microseconds) the server's process has used so far; NaN when not known. */
async function cpuMicros(server: Target): Promise<number> {
  const m = await server.ask('cpu');
  return m.cpu ? m.cpu.user + m.cpu.system : Number.NaN;
}

// ---------- HTTP ----------

interface Call {
  method: 'GET' | 'POST' | 'PUT';
  /** Below the base URL (`lead/?_limit=25`). */
  path: string;
  body?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** One request; resolves with the status and the body's size (the body itself only when `keep`). */
function send(base: URL, call: Call, keep = false): Promise<{ status: number; bytes: number; body?: string }> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { authorization: AUTH, accept: 'application/json' };
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(call.body);
    }
    const req = http.request(new URL(call.path, base), { method: call.method, headers, agent }, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep) chunks.push(c);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          bytes,
          ...(keep ? { body: Buffer.concat(chunks).toString('utf8') } : {}),
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(call.body);
  });
}

interface Run {
  requests: number;
  errors: number;
  firstError?: string;
  seconds: number;
  bytes: number;
  /** Server CPU time used during the run (microseconds), NaN when not known. */
  cpu: number;
  /** Milliseconds, one per request. */
  latencies: number[];
}

/**
 * autocannon against `server`: CONCURRENCY connections, PIPELINING requests in flight on each, the
 * `calls` sent in turn on every connection, for `seconds` or until `count` requests were answered.
 */
async function load(
  server: Target,
  calls: readonly Call[],
  limit: { seconds: number } | { count: number },
): Promise<Run> {
  const run: Run = { requests: 0, errors: 0, seconds: 0, bytes: 0, cpu: 0, latencies: [] };
  const headers = { authorization: AUTH, accept: 'application/json' };
  const cpu0 = await cpuMicros(server);
  const t0 = performance.now();
  const result = await autocannon({
    url: server.base.origin,
    connections: CONCURRENCY,
    pipelining: PIPELINING,
    ...('seconds' in limit ? { duration: limit.seconds } : { amount: limit.count }),
    timeout: 30,
    headers,
    requests: calls.map((c) => {
      const url = new URL(c.path, server.base);
      return {
        method: c.method,
        path: `${url.pathname}${url.search}`,
        ...(c.body === undefined ? {} : { body: c.body, headers: { ...headers, 'content-type': 'application/json' } }),
      };
    }),
    setupClient: (client) => {
      client.on('response', (status: number, bytes: number, ms: number) => {
        run.requests++;
        run.bytes += bytes;
        run.latencies.push(ms);
        if (status !== 200) {
          run.errors++;
          run.firstError ??= `answered ${status}`;
        }
      });
    },
  });
  run.seconds = (performance.now() - t0) / 1000;
  run.cpu = (await cpuMicros(server)) - cpu0;
  const failed = result.errors + result.timeouts;
  if (failed) {
    run.errors += failed;
    run.firstError ??= `${result.errors} connection errors, ${result.timeouts} timeouts`;
  }
  return run;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

// ---------- the calls ----------

const CALLS = ['list', 'get', 'create'] as const;
type CallName = (typeof CALLS)[number];

/** The id `get` asks for: the newest lead of the sandbox's seed, any valid-looking id elsewhere. */
async function leadId(server: Target): Promise<string> {
  if (server.name !== 'sandbox') return PRISM_LEAD_ID;
  const r = await send(server.base, { method: 'GET', path: 'lead/?_limit=1' }, true);
  const id = (JSON.parse(r.body ?? '{}') as { data?: { id?: string }[] }).data?.[0]?.id;
  if (r.status !== 200 || !id) throw new Error(`sandbox: GET lead/?_limit=1 -> ${r.status}, no lead id`);
  return id;
}

function callOf(name: CallName, id: string): Call {
  if (name === 'list') return { method: 'GET', path: 'lead/?_limit=25' };
  if (name === 'get') return { method: 'GET', path: `lead/${id}/` };
  return { method: 'POST', path: 'lead/', body: CREATE_BODY };
}

/** One request of each call, its answer checked beyond the status, before anything is measured; the answers' sizes. */
async function sanityCheck(server: Target): Promise<Record<CallName, number>> {
  const id = await leadId(server);
  const sizes = {} as Record<CallName, number>;
  for (const name of CALLS) {
    const r = await send(server.base, callOf(name, id), true);
    const body = JSON.parse(r.body ?? 'null') as { data?: unknown[]; id?: string } | null;
    const ok =
      r.status === 200 &&
      (name === 'list'
        ? Array.isArray(body?.data) && body.data.length > 0 && body.data.length <= 25
        : name === 'get'
          ? typeof body?.id === 'string' && (server.name !== 'sandbox' || body.id === id)
          : typeof body?.id === 'string' && body.id.startsWith('lead_'));
    if (!ok) throw new Error(`${server.name} ${name}: unexpected answer ${r.status} ${r.body?.slice(0, 200)}`);
    sizes[name] = r.bytes;
  }
  return sizes;
}

// ---------- throughput ----------

const started = performance.now();
const [prism, sandbox] = await Promise.all([startServer('prism'), startServer('sandbox')]);
const servers = [prism, sandbox];
await sanityCheck(prism);
const sizes = await sanityCheck(sandbox);
const ceiling = await startServer(
  'ceiling',
  CALLS.map((c) => String(sizes[c])),
);

type Totals = Omit<Run, 'firstError'>;
const totals = new Map<string, Totals>();
const errors: string[] = [];
const at = (server: Target, call: CallName): Totals => {
  const key = `${server.name} ${call}`;
  const t = totals.get(key) ?? { requests: 0, errors: 0, seconds: 0, bytes: 0, cpu: 0, latencies: [] };
  totals.set(key, t);
  return t;
};

console.log(
  `sandbox vs Prism (each in its own process), load from autocannon: ${CONCURRENCY} keep-alive connections, ` +
    `pipelining ${PIPELINING}, ${ROUNDS} × ${SECONDS} s per call and server (after ${WARMUP} s of warm-up), 127.0.0.1`,
);
for (let round = 0; round < ROUNDS; round++) {
  for (const name of CALLS) {
    const order: Target[] = round % 2 ? [sandbox, prism, ceiling] : [ceiling, prism, sandbox];
    for (const server of order) {
      if (server === sandbox) await sandbox.ask('reset');
      const call = callOf(name, await leadId(server));
      if (round === 0) await load(server, [call], { seconds: WARMUP });
      const run = await load(server, [call], { seconds: SECONDS });
      const t = at(server, name);
      t.requests += run.requests;
      t.errors += run.errors;
      t.seconds += run.seconds;
      t.bytes += run.bytes;
      t.cpu += run.cpu;
      for (const l of run.latencies) t.latencies.push(l);
      if (run.firstError) errors.push(`${server.name} ${name}: ${run.firstError} (${run.errors} errors)`);
    }
  }
}
await ceiling.stop();

interface Stat {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  bytes: number;
  cpuPerRequest: number;
}
const stat = (server: Target, call: CallName): Stat => {
  const t = at(server, call);
  const sorted = [...t.latencies].sort((a, b) => a - b);
  return {
    rps: t.requests / t.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors: t.errors,
    bytes: t.requests ? t.bytes / t.requests : 0,
    cpuPerRequest: t.cpu / t.requests,
  };
};
const fmt = (n: number, d = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-';
console.log('  call     server       req/s   p50 ms   p99 ms  errors  server CPU µs/req  bytes/answer');
const row = (name: CallName, server: Target, s: Stat) =>
  console.log(
    `  ${name.padEnd(8)} ${server.name.padEnd(10)} ${fmt(s.rps).padStart(7)} ${fmt(s.p50, 2).padStart(8)} ` +
      `${fmt(s.p99, 2).padStart(8)} ${String(s.errors).padStart(7)} ${fmt(s.cpuPerRequest).padStart(18)}  ${fmt(s.bytes).padStart(12)}`,
  );
const ratios = {} as Record<CallName, number>;
const ceilingRatios = {} as Record<CallName, number>;
const stats = {} as Record<`${'sandbox' | 'prism'}_${CallName}`, Stat>;
for (const name of CALLS) {
  for (const server of servers) {
    const s = stat(server, name);
    stats[`${server.name as 'sandbox' | 'prism'}_${name}`] = s;
    row(name, server, s);
  }
  row(name, ceiling, stat(ceiling, name));
  ratios[name] = stats[`sandbox_${name}`].rps / stats[`prism_${name}`].rps;
  ceilingRatios[name] = stat(ceiling, name).rps / stats[`prism_${name}`].rps;
}
const minRatio = Math.min(...CALLS.map((c) => ratios[c]));
const geoRatio = Math.exp(CALLS.reduce((s, c) => s + Math.log(ratios[c]), 0) / CALLS.length);
console.log(
  `  sandbox / Prism req/s: ${CALLS.map((c) => `${c} ${ratios[c].toFixed(1)}×`).join(', ')}; ` +
    `minimum ${minRatio.toFixed(1)}× (goal >= ${GOAL_RATIO}), geometric mean ${geoRatio.toFixed(1)}×`,
);
console.log(
  `  Prism p99 / sandbox p99: ${CALLS.map((c) => `${c} ${(stats[`prism_${c}`].p99 / stats[`sandbox_${c}`].p99).toFixed(1)}×`).join(', ')}; ` +
    `Prism CPU / sandbox CPU per request: ${CALLS.map((c) => `${c} ${(stats[`prism_${c}`].cpuPerRequest / stats[`sandbox_${c}`].cpuPerRequest).toFixed(1)}×`).join(', ')}`,
);
console.log(
  `  ceiling of this machine and load generator (a trivial node:http server, answers of the sandbox's sizes) / Prism req/s: ` +
    `${CALLS.map((c) => `${c} ${ceilingRatios[c].toFixed(1)}×`).join(', ')}; the sandbox reaches ` +
    `${CALLS.map((c) => `${c} ${((100 * ratios[c]) / ceilingRatios[c]).toFixed(0)} %`).join(', ')} of it`,
);

// ---------- memory ----------

await sandbox.ask('reset');
const ids: string[] = [];
{
  const r = await send(sandbox.base, { method: 'GET', path: 'lead/?_limit=100&_fields=id' }, true);
  for (const l of (JSON.parse(r.body ?? '{}') as { data?: { id: string }[] }).data ?? []) ids.push(l.id);
  if (ids.length === 0) throw new Error('sandbox: no leads to read');
}
// Every connection sends these in turn: gets of each lead, every twentieth request a list.
const reads: Call[] = Array.from({ length: 20 * ids.length }, (_, i) =>
  i % 20 === 19 ? callOf('list', '') : callOf('get', ids[i % ids.length] ?? ''),
);
const samples: number[] = [];
const rssSamples: number[] = [];
const before = await memory(sandbox);
let memoryErrors = 0;
const memoryStarted = performance.now();
for (let done = 0; done < MEMORY_REQUESTS; done += SAMPLE_EVERY) {
  const run = await load(sandbox, reads, { count: Math.min(SAMPLE_EVERY, MEMORY_REQUESTS - done) });
  memoryErrors += run.errors;
  if (run.firstError) errors.push(`sandbox (memory): ${run.firstError} (${run.errors} errors)`);
  const m = await memory(sandbox);
  samples.push(held(m));
  rssSamples.push(m.rss);
}
const readSeconds = (performance.now() - memoryStarted) / 1000;
const first = samples[0] ?? Number.NaN;
const last = samples.at(-1) ?? Number.NaN;
const growthMB = (last - first) / MB;
const sampled = MEMORY_REQUESTS - SAMPLE_EVERY;
console.log(
  `memory: ${fmt(MEMORY_REQUESTS)} requests to the sandbox (19 gets : 1 list) in ${readSeconds.toFixed(1)} s; ` +
    `heap + ArrayBuffers after GC every ${fmt(SAMPLE_EVERY)}, MB: ${samples.map((s) => (s / MB).toFixed(2)).join(', ')}`,
);
const signed = (n: number, d = 2) => `${n >= 0 ? '+' : ''}${n.toFixed(d)}`;
const rssGrowthMB = ((rssSamples.at(-1) ?? Number.NaN) - (rssSamples[0] ?? Number.NaN)) / MB;
console.log(
  `  growth first → last sample: ${signed(growthMB)} MB over ${fmt(sampled)} requests ` +
    `(${fmt((last - first) / sampled, 1)} bytes per request; goal < ${FLAT_MB} MB)`,
);
// RSS is printed, not a goal: it also moves with what the allocator and V8 keep reserved after a GC.
console.log(
  `  before the first request: heap + ArrayBuffers ${(held(before) / MB).toFixed(2)} MB, RSS ${(before.rss / MB).toFixed(1)} MB; ` +
    `RSS at the samples, MB: ${rssSamples.map((s) => (s / MB).toFixed(1)).join(', ')} (first → last ${signed(rssGrowthMB, 1)} MB)`,
);

// Writes: updates of seed leads. Each appends an event to the log; reset() must give all of it back.
const updates: Call[] = Array.from({ length: 7 * ids.length }, (_, i) => ({
  method: 'PUT',
  path: `lead/${ids[i % ids.length]}/`,
  body: JSON.stringify({ description: `Updated by npm run bench (${i % 7}).` }),
}));
const writes = await load(sandbox, updates, { count: WRITES });
memoryErrors += writes.errors;
if (writes.firstError) errors.push(`sandbox (writes): ${writes.firstError} (${writes.errors} errors)`);
const afterWrites = held(await memory(sandbox));
await sandbox.ask('reset');
const afterReset = held(await memory(sandbox));
const perWrite = (afterWrites - last) / WRITES;
const residualMB = (afterReset - last) / MB;
console.log(
  `  then ${fmt(WRITES)} updates (PUT /lead/<id>/, ${fmt(WRITES / writes.seconds)} req/s): heap + ArrayBuffers +${((afterWrites - last) / MB).toFixed(1)} MB, ` +
    `${fmt(perWrite)} bytes per update (its event in the log, which keeps at most 10,000); after reset(): ` +
    `${residualMB >= 0 ? '+' : ''}${residualMB.toFixed(2)} MB against the last sample (goal within ${FLAT_MB} MB)`,
);
const flat = Math.abs(growthMB) < FLAT_MB && Math.abs(residualMB) < FLAT_MB;

await Promise.all(servers.map((s) => s.stop()));
agent.destroy();

const errorCount =
  CALLS.reduce((n, c) => n + stats[`sandbox_${c}`].errors + stats[`prism_${c}`].errors, 0) + memoryErrors;
if (errors.length) console.log(`  errors:\n    ${errors.slice(0, 10).join('\n    ')}`);
console.log(
  `  goal: minimum ratio ${minRatio.toFixed(1)} >= ${GOAL_RATIO}: ${minRatio >= GOAL_RATIO ? 'yes' : 'NO'}; ` +
    `memory flat: ${flat ? 'yes' : 'NO'}; errors: ${errorCount} (took ${((performance.now() - started) / 1000).toFixed(0)} s)`,
);
result('sandbox', {
  listRatio: ratios.list,
  getRatio: ratios.get,
  createRatio: ratios.create,
  minRatio,
  geoRatio,
  ...Object.fromEntries(CALLS.map((c) => [`${c}CeilingRatio`, ceilingRatios[c]])),
  // Server CPU time per request, Prism's over the sandbox's: less moved by the machine's other load than req/s.
  ...Object.fromEntries(
    CALLS.map((c) => [`${c}CpuRatio`, stats[`prism_${c}`].cpuPerRequest / stats[`sandbox_${c}`].cpuPerRequest]),
  ),
  ...Object.fromEntries(
    Object.entries(stats).flatMap(([k, s]) => [
      [`${k}_rps`, s.rps],
      [`${k}_p99`, s.p99],
    ]),
  ),
  heapGrowthMB: growthMB,
  heapSeriesMB: samples.map((s) => (s / MB).toFixed(2)).join(' '),
  rssGrowthMB,
  bytesPerUpdate: perWrite,
  residualAfterResetMB: residualMB,
  errors: errorCount,
  goalMet: minRatio >= GOAL_RATIO && flat && errorCount === 0,
});
