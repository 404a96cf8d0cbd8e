#!/usr/bin/env node
// `npm run bench`: the client's three benchmarks, each against local node:http servers (127.0.0.1, run
// as child processes) and each printing ratios measured in the same run (about 35 s in all):
//   bench/overhead.ts    per-request cost: client vs bare openapi-fetch vs plain fetch (goal <= 1.05)
//   bench/bulk.ts        2,000 creates under a Close-style rate limit: achieved/allowed (goal >= 0.9),
//                        429s received, leads lost or duplicated (goal 0)
//   bench/pagination.ts  100,000 items: requests vs the minimum, heap growth (goal: minimum, flat)
// `node scripts/bench.mjs [overhead|bulk|pagination ...]`. Exits 1 when a goal is missed. Not part of npm test.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const all = ['overhead', 'bulk', 'pagination'];
const picked = process.argv.slice(2).filter((a) => all.includes(a));
const summary = [];
let ok = true;
for (const name of picked.length ? picked : all) {
  console.log(`\n▶ bench/${name}.ts`);
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'bench', `${name}.ts`)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(res.stdout.replace(/^RESULT .*\n?/gm, ''));
  const line = /^RESULT (\S+) (.*)$/m.exec(res.stdout);
  if (res.status !== 0 || !line) {
    console.error(`✖ bench/${name}.ts failed (exit ${res.status})`);
    ok = false;
    continue;
  }
  const values = JSON.parse(line[2]);
  summary.push([name, values]);
  if (!values.goalMet) ok = false;
}
const fmt = (n) => (typeof n === 'number' ? (Number.isInteger(n) ? String(n) : n.toFixed(3)) : String(n));
console.log('\nSummary');
for (const [name, v] of summary) {
  const text =
    name === 'overhead'
      ? `client/openapi-fetch ${fmt(v.clientVsBare)} (goal <= 1.05), openapi-fetch/fetch ${fmt(v.bareVsFetch)}, client/fetch ${fmt(v.clientVsFetch)}`
      : name === 'bulk'
        ? `achieved/allowed ${fmt(v.ratio)} (goal >= 0.9), 429s ${v.rateLimited}, lost ${v.lost}, duplicated ${v.duplicated}`
        : `requests ${v.offsetRequests} offset / ${v.cursorRequests} cursor vs minimum ${v.minimum}; retained heap max ${fmt(v.offsetRetainedMB)} / ${fmt(v.cursorRetainedMB)} MB`;
  console.log(`  ${v.goalMet ? '✔' : '✖'} ${name.padEnd(10)} ${text}`);
}
process.exit(ok ? 0 : 1);
