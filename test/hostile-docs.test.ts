// A few thousand malformed and hostile requests at the docs server of `npm start` (scripts/start.ts,
// started on 127.0.0.1:0 with short timeouts); afterwards it must still serve the reference. The
// barrage is test/support/hostile.ts (bounded: loopback only, bounded counts, concurrency and time).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../scripts/mock.js';
import { startDocsServer } from '../scripts/start.js';
import { fireHostileRequests, summaryLine } from './support/hostile.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const generated = process.env.GENERATED_DIR ? resolve(process.env.GENERATED_DIR) : join(root, 'generated');
const limits = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 };
let docs: RunningServer;

beforeAll(async () => {
  docs = await startDocsServer({ port: 0, dir: generated, limits });
});

afterAll(async () => {
  await docs?.close();
});

it('survives the barrage and still serves the reference', async () => {
  const summary = await fireHostileRequests(docs.url, {
    probe: { path: '/openapi.json', status: 200 },
    bodyPath: '/',
    // It takes no POST: a body to it is refused with 405 before it is read (413 for a declared one).
    oversizedStatuses: [405, 413],
    serverLimits: limits,
    rss: () => process.memoryUsage().rss,
    deadlineMs: 40_000,
  });
  console.log(summaryLine('docs', summary));
  expect(summary.problems).toEqual([]);
  expect(summary.stillAnswers).toBe(true);
  expect(summary.skipped).toBe(0);
  expect(summary.requests).toBeGreaterThan(2_500);
  const index = await fetch(`${docs.url}/`);
  expect(index.status).toBe(200);
  expect(await index.text()).toContain('<html');
}, 60_000);
