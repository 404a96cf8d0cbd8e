// The contract suite. Runs unchanged against the Prism mock (default), the sandbox (src/sandbox/), or a real
// Close organisation (CLOSE_API_KEY). Every response passes through the recording transport, which
// validates it against the spec; a test fails when any response it caused violates the spec, and the
// last test fails unless every operation of the generated list answered 2xx at least once and nothing
// violated the spec.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { operationIds } from '../generated/operations.js';
import type { LeadId } from '../src/index.js';
import { cleanupLedger } from './cleanup.js';
import { invalidRequestTests } from './suites/invalid.js';
import { operationTests } from './suites/operations.js';
import { workflowTests } from './suites/workflows.js';
import { contract } from './support/context.js';
import { type Fixtures, loadFixtures } from './support/fixtures.js';
import type { Violation } from './support/recorder.js';

const c = contract();
const fx = {} as Fixtures;

function describeViolations(list: Violation[]): string {
  return list
    .map((v) => `  ${v.kind}: ${v.operationId} ${v.status}${v.field ? ` ${v.field}` : ''}: ${v.message}`)
    .join('\n');
}

let mark = 0;
beforeEach(() => {
  mark = c.recorder.lastSeq;
});
afterEach(() => {
  const found = c.recorder.violationsSince(mark);
  if (found.length) throw new Error(`responses violated the spec:\n${describeViolations(found)}`);
});

beforeAll(async () => {
  Object.assign(fx, await loadFixtures(c));
});

afterAll(async () => {
  const beforeCleanup = c.recorder.lastSeq;
  try {
    if (c.ledger) {
      // Leads first, through the client (so these responses are validated too); then what is left.
      for (const id of c.ledger.list('lead')) {
        const res = await c.client.DELETE('/lead/{lead_id}/', { params: { path: { lead_id: id as LeadId } } });
        if (res.response.status === 404) c.ledger.remove(id);
      }
      await cleanupLedger(c.ledger.file, { baseUrl: c.target.baseUrl });
    }
    const late = c.recorder.violationsSince(beforeCleanup);
    if (late.length) throw new Error(`cleanup responses violated the spec:\n${describeViolations(late)}`);
  } finally {
    c.recorder.writeReports(
      c.target.reportDir,
      {
        mode: c.target.mode,
        runId: c.target.runId,
        target: c.live ? c.target.baseUrl.replace(/\/\/[^@/]*@/, '//') : 'prism-mock',
      },
      { drift: c.live, suffix: c.target.mode },
    );
  }
});

describe(`contract (${c.target.mode})`, () => {
  describe('operations', () => operationTests(c, fx));
  describe('invalid requests', () => invalidRequestTests(c, fx));
  describe('workflows', () => workflowTests(c, fx));

  test('every operation of the generated list was exercised and every response matched the spec', () => {
    const report = c.recorder.coverage();
    expect(report.operations.map((o) => o.operationId).sort()).toEqual([...operationIds].sort());
    expect(report.notExercised, 'operations without a 2xx response').toEqual([]);
    expect(report.callsOutsideSpec, 'requests that matched no operation').toBe(0);
    const all = c.recorder.violations();
    expect(all.length, `violations:\n${describeViolations(all)}`).toBe(0);
  });

  test.runIf(process.env.CONTRACT_EXPECT_429 === '1')(
    'rate limiting: 429s were answered, validated and retried through the client',
    () => {
      const limited = c.recorder.records.filter((r) => r.status === 429);
      expect(limited.length, 'the sandbox answers every n-th request with 429 (--fail-every)').toBeGreaterThan(0);
      for (const r of limited) {
        const retried = c.recorder.records.find(
          (x) => x.seq > r.seq && x.operationId === r.operationId && x.status !== 429,
        );
        expect(retried, `${r.operationId} was sent again after its 429`).toBeDefined();
      }
    },
  );
});
