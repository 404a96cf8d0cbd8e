// `npm run bench redact`: what redacting the API key costs an MCP tool result (src/redact.ts, applied
// to every result, error and log line). A result at the default text budget (24,000 characters of
// JSON: a page of leads as the sandbox renders them), redacted as fitResult does it (the redactor over
// the result's JSON text), against the JSON work fitResult does on it anyway (JSON.stringify and
// JSON.parse): the ratio of the two, median of interleaved rounds, in this run. Goal: redaction costs
// at most half that JSON work. Also printed: a hostile result made of near misses of the key in every
// encoding (the key less its last character), which takes the patterns furthest before they fail.
import { DEFAULT_TEXT_BUDGET } from '../src/mcp/execute.js';
import { makeRedactor } from '../src/redact.js';
import { startSandbox } from '../src/sandbox/index.js';
import { median, result } from './support.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const BATCH = 20;
const KEY = 'api_3xCanaryQ9zLk2.7hWmPq4RsTuVwX8';
const redact = makeRedactor([KEY]);

// A real page of leads from the sandbox's demo data, cut to the budget.
const sandbox = await startSandbox({ port: 0, seed: 'demo' });
const page = (await (
  await fetch(`${sandbox.url}/lead/?_limit=100`, { headers: { authorization: `Basic ${btoa(`${KEY}:`)}` } })
).json()) as { data: unknown[] };
await sandbox.close();
const leads: unknown[] = [];
for (const lead of page.data) {
  if (JSON.stringify({ data: [...leads, lead] }).length > DEFAULT_TEXT_BUDGET) break;
  leads.push(lead);
}
const typical = { data: leads, next_cursor: 'eyJza2lwIjoyMH0' };

const near = KEY.slice(0, -1);
const nearForms = [
  near,
  near.toUpperCase(),
  encodeURIComponent(near),
  Buffer.from(near).toString('hex'),
  [...near].map((c) => `&#${c.charCodeAt(0)};`).join(''),
  btoa(near),
];
const hostileItems: string[] = [];
while (JSON.stringify(hostileItems).length < DEFAULT_TEXT_BUDGET - 200)
  hostileItems.push(nearForms[hostileItems.length % nearForms.length] ?? '');
const hostile = { data: hostileItems.map((s) => ({ note: s })) };

function perCall(fn: () => unknown): number {
  const t0 = performance.now();
  for (let i = 0; i < BATCH; i++) fn();
  return ((performance.now() - t0) * 1000) / BATCH;
}

const bodies = { typical, hostile };
const out: Record<string, number> = {};
for (const [name, body] of Object.entries(bodies)) {
  const text = JSON.stringify(body);
  if (redact(text) !== text) throw new Error(`${name}: a near miss was redacted`);
  const json: number[] = [];
  const red: number[] = [];
  const jsonWork = () => JSON.parse(JSON.stringify(body));
  const redaction = () => redact(text);
  for (let round = 0; round < 20 + ROUNDS; round++) {
    // Alternate which runs first, so that neither always meets a cold cache.
    let j = 0;
    let r = 0;
    if (round % 2) {
      j = perCall(jsonWork);
      r = perCall(redaction);
    } else {
      r = perCall(redaction);
      j = perCall(jsonWork);
    }
    if (round >= 20) {
      json.push(j);
      red.push(r);
    }
  }
  const ratio = median(red.map((r, i) => r / (json[i] ?? Number.NaN)));
  console.log(
    `  ${name.padEnd(8)} ${text.length} chars: redaction ${median(red).toFixed(1)} µs, JSON stringify+parse ${median(json).toFixed(1)} µs, redaction/JSON ${ratio.toFixed(2)}`,
  );
  out[`${name}Us`] = median(red);
  out[`${name}Ratio`] = ratio;
}
result('redact', { ...out, goalMet: (out.typicalRatio ?? Number.POSITIVE_INFINITY) <= 0.5 });
