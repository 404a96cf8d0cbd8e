// `npm run bench mcp` (tsx scripts/bench.ts mcp): the MCP server's figures, all measured in this run.
//   - search_operations, top-1 and top-3, on the tuning phrasings, the held-out ones, the blind batches
//     whose misses were read, and the unseen batches nobody tuning has read, which judge the goal
//     (>= 95% and >= 99%);
//   - tools/list size in both modes (`--tools all` with every scope, and `--tools dynamic`): bytes of
//     JSON and a token estimate (bytes / 4, the usual rule of thumb for English and JSON), and the
//     dynamic/all ratio.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Safety } from '../generated/operations.js';
import { loadBundledSpec } from '../src/lib/spec-validator.js';
import { OperationSearch } from '../src/mcp/search.js';
import { createCloseMcpServer } from '../src/mcp/server.js';
import { loadPhrasings, score } from '../test/support/mcp-search-eval.js';
import { result } from './support.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const search = new OperationSearch(loadBundledSpec());
const tuning = score(search, loadPhrasings('tuning'));
const holdout = score(search, loadPhrasings('holdout'));
const blind = score(search, loadPhrasings('blind'));
// The goal is judged on phrasings the ranking was not written from and nobody tuning it has read.
const unseen = score(search, loadPhrasings('unseen'));
console.log(`  search (tuning, ${tuning.count} phrasings):   top-1 ${pct(tuning.top1)}, top-3 ${pct(tuning.top3)}`);
console.log(`  search (held-out, ${holdout.count} phrasings): top-1 ${pct(holdout.top1)}, top-3 ${pct(holdout.top3)}`);
console.log(`  search (blind, ${blind.count} phrasings):   top-1 ${pct(blind.top1)}, top-3 ${pct(blind.top3)}`);
console.log(
  `  search (unseen, ${unseen.count} phrasings):  top-1 ${pct(unseen.top1)}, top-3 ${pct(unseen.top3)} (the goal)`,
);
for (const m of holdout.misses)
  console.log(`    held-out miss: "${m.query}" → ${m.got.join(', ')} (want ${m.expected})`);

async function toolsListBytes(tools: 'all' | 'dynamic', allow: Safety[]): Promise<{ bytes: number; count: number }> {
  const server = createCloseMcpServer({
    call: async () => ({}),
    redact: (t) => t,
    tools,
    allow: new Set(allow),
  });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench', version: '1' });
  await Promise.all([server.connect(a), client.connect(b)]);
  const list = await client.listTools();
  await client.close();
  await server.close();
  return { bytes: Buffer.byteLength(JSON.stringify(list)), count: list.tools.length };
}

const every: Safety[] = ['read', 'create', 'update', 'delete'];
const full = await toolsListBytes('all', every);
const reads = await toolsListBytes('all', ['read']);
const dynamic = await toolsListBytes('dynamic', every);
const tokens = (b: number) => Math.round(b / 4);
for (const [label, m] of [
  ['all, every scope', full],
  ['all, --allow read', reads],
  ['dynamic', dynamic],
] as const)
  console.log(
    `  tools/list ${label.padEnd(18)} ${String(m.count).padStart(3)} tools, ${m.bytes} bytes, ~${tokens(m.bytes)} tokens`,
  );
console.log(`  dynamic / all = ${(dynamic.bytes / full.bytes).toFixed(3)}`);

result('mcp', {
  tuningTop1: tuning.top1,
  tuningTop3: tuning.top3,
  holdoutTop1: holdout.top1,
  holdoutTop3: holdout.top3,
  blindTop1: blind.top1,
  blindTop3: blind.top3,
  unseenTop1: unseen.top1,
  unseenTop3: unseen.top3,
  allBytes: full.bytes,
  allTokens: tokens(full.bytes),
  readBytes: reads.bytes,
  dynamicBytes: dynamic.bytes,
  dynamicTokens: tokens(dynamic.bytes),
  dynamicVsAll: dynamic.bytes / full.bytes,
  goalMet: unseen.top1 >= 0.95 && unseen.top3 >= 0.99,
});
