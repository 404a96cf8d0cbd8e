// Proof that the suite catches drift: a local server answers real client requests with responses that
// break the spec, and the recorder (the same one every contract test uses) must report each problem
// by operation and field, and the coverage/drift reports must carry them.

import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { operationIds } from '../generated/operations.js';
import { type CloseClient, createCloseClient } from '../src/index.js';
import { ContractRecorder } from './support/recorder.js';
import { ContractSpec } from './support/spec.js';

const LEAD = 'lead_DriftProof0000000000000000000000000000000';
const ORG = 'orga_DriftProof000000000000000000000000000000';
const USER = 'user_DriftProof000000000000000000000000000000';
const WHEN = '2025-01-02T03:04:05.000000+00:00';
const audit = { organization_id: ORG, created_by: USER, updated_by: USER, date_created: WHEN, date_updated: WHEN };
// A default response: every field the spec requires is there.
const lead = {
  id: LEAD,
  name: 'Drift Inc',
  display_name: 'Drift Inc',
  description: '',
  url: null,
  status_id: 'stat_DriftProof000000000000000000000000000000',
  status_label: 'Potential',
  html_url: `https://app.close.com/lead/${LEAD}/`,
  addresses: [],
  contacts: [],
  opportunities: [],
  tasks: [],
  integration_links: [],
  custom: {},
  ...audit,
};
const contact = { id: 'cont_X1', lead_id: LEAD, name: 'Ann', title: null, emails: [], phones: [], urls: [], ...audit };

// Each route breaks the spec in exactly one way (plus one that is clean, as a control).
const routes: Record<string, { status: number; body: unknown; headers?: Record<string, string> }> = {
  // A declared field of the wrong type: `name` must be string|null.
  'GET /api/v1/lead/lead_WrongType/': { status: 200, body: { ...lead, id: 'lead_WrongType', name: 42 } },
  // A missing required field: lists must carry `has_more`.
  'GET /api/v1/lead/': { status: 200, body: { data: [lead] } },
  // An undocumented status code for getMe.
  'GET /api/v1/me/': { status: 418, body: { error: "I'm a teapot" } },
  // An undeclared field (drift, not a violation: response objects are open).
  'GET /api/v1/lead/lead_Undeclared/': {
    status: 200,
    body: {
      ...lead,
      id: 'lead_Undeclared',
      surprise_score: 7,
      contacts: [{ ...contact, shoe_size: 38 }],
    },
  },
  // A 429 without the required Retry-After/RateLimit headers.
  'GET /api/v1/user/': { status: 429, body: { message: 'API call count exceeded for this period' } },
  // Clean control.
  'GET /api/v1/lead/lead_Clean/': { status: 200, body: { ...lead, id: 'lead_Clean' } },
};

let server: http.Server;
let client: CloseClient;
let recorder: ContractRecorder;
let spec: ContractSpec;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const route = routes[`${req.method} ${(req.url ?? '').split('?')[0]}`];
    res.writeHead(route?.status ?? 404, { 'content-type': 'application/json', ...(route?.headers ?? {}) });
    res.end(JSON.stringify(route?.body ?? { error: 'not found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  spec = new ContractSpec();
  recorder = new ContractRecorder({ spec, baseUrl });
  client = createCloseClient({ apiKey: 'drift-proof', baseUrl, fetch: recorder.fetch, retry: false, pacing: false });
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('drift detection', () => {
  test('a declared field of the wrong type is reported by operation and field', async () => {
    await client.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_WrongType' } } });
    const found = recorder.violations().filter((v) => v.operationId === 'getLead' && v.kind === 'wrong-type');
    expect(found).toEqual([expect.objectContaining({ operationId: 'getLead', status: 200, field: 'name' })]);
    expect(found[0]?.message).toContain('integer');
    const drift = recorder.drift();
    expect(drift.wrongTypes).toContainEqual(
      expect.objectContaining({
        operationId: 'getLead',
        field: 'name',
        actual: 'integer',
        expected: ['null', 'string'],
      }),
    );
  });

  test('a missing required field is reported by operation and field', async () => {
    await client.GET('/lead/');
    const found = recorder.violations().filter((v) => v.operationId === 'listLeads');
    expect(found).toContainEqual(expect.objectContaining({ kind: 'missing-required', field: 'has_more', status: 200 }));
    expect(recorder.drift().missingRequired).toContainEqual(
      expect.objectContaining({ operationId: 'listLeads', field: 'has_more' }),
    );
  });

  test('an undocumented status code is reported by operation and status', async () => {
    await client.GET('/me/');
    const found = recorder.violations().filter((v) => v.operationId === 'getMe');
    expect(found).toEqual([
      expect.objectContaining({ kind: 'undocumented-status', status: 418, method: 'GET', path: '/me/' }),
    ]);
    expect(recorder.drift().undocumentedStatuses).toContainEqual(
      expect.objectContaining({ operationId: 'getMe', status: 418, count: 1 }),
    );
  });

  test('fields the spec does not declare are listed as drift (also nested), without failing validation', async () => {
    const before = recorder.violations().length;
    await client.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_Undeclared' } } });
    expect(recorder.violations().length).toBe(before);
    const fields = recorder
      .drift()
      .undeclaredFields.filter((u) => u.operationId === 'getLead')
      .map((u) => u.field);
    expect(fields.sort()).toEqual(['contacts[].shoe_size', 'surprise_score']);
  });

  test('a 429 without its required headers is reported', async () => {
    await client.GET('/user/');
    const found = recorder.violations().filter((v) => v.operationId === 'listUsers' && v.kind === 'missing-header');
    expect(found.map((v) => v.field).sort()).toEqual(['ratelimit', 'retry-after']);
  });

  test('a response that matches the spec produces no violation and no drift', async () => {
    const before = recorder.violations().length;
    const undeclared = recorder.drift().undeclaredFields.length;
    const res = await client.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_Clean' } } });
    expect(res.response.status).toBe(200);
    expect(recorder.violations().length).toBe(before);
    expect(recorder.drift().undeclaredFields.length).toBe(undeclared);
  });

  test('polymorphic lists are walked through the discriminator (activities by `_type`)', () => {
    const local = new ContractRecorder({ spec, baseUrl: 'http://127.0.0.1:1/api/v1' });
    const base = { lead_id: LEAD, date_created: lead.date_created, date_updated: lead.date_updated };
    const body = {
      has_more: false,
      data: [
        { ...base, id: 'acti_Note1', _type: 'Note', note: 'hello', mood: 'happy' },
        { ...base, id: 'acti_Call1', _type: 'Call', direction: 'outbound', duration: '900' },
        { ...base, id: 'acti_Form1', _type: 'FormSubmission', form_id: 'form_1' },
      ],
    };
    const rec = local.record('GET', '/api/v1/activity/', 200, new Headers(), JSON.stringify(body));
    expect(rec.operationId).toBe('listActivities');
    // `duration` is declared on calls only (integer): a string there is a wrong type, reported once.
    expect(rec.violations.filter((v) => v.kind === 'wrong-type')).toEqual([
      expect.objectContaining({ field: 'data[].duration' }),
    ]);
    const undeclared = local.drift().undeclaredFields.map((u) => u.field);
    // `mood` is declared by no variant; `note` is declared by the Note variant and not reported.
    expect(undeclared).toContain('data[].mood');
    expect(undeclared).not.toContain('data[].note');
    expect(undeclared).not.toContain('data[].direction');
  });

  test('a body of the wrong type is one wrong-type violation on (body), not also a schema error', () => {
    const local = new ContractRecorder({ spec, baseUrl: 'http://127.0.0.1:1/api/v1' });
    const rec = local.record('GET', `/api/v1/lead/${LEAD}/`, 200, new Headers(), JSON.stringify([lead]));
    expect(rec.operationId).toBe('getLead');
    expect(rec.violations).toEqual([expect.objectContaining({ kind: 'wrong-type', field: '(body)' })]);
  });

  test('the reports carry the drift and the coverage gate sees the failures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-drift-'));
    recorder.writeReports(dir, { mode: 'drift-proof' }, { drift: true });
    const drift = JSON.parse(readFileSync(join(dir, 'drift.json'), 'utf8')) as ReturnType<ContractRecorder['drift']>;
    expect(drift.wrongTypes.map((w) => `${w.operationId}:${w.field}`)).toContain('getLead:name');
    expect(drift.missingRequired.map((w) => `${w.operationId}:${w.field}`)).toContain('listLeads:has_more');
    expect(drift.undocumentedStatuses.map((w) => `${w.operationId}:${w.status}`)).toContain('getMe:418');
    const coverage = JSON.parse(readFileSync(join(dir, 'coverage.json'), 'utf8')) as ReturnType<
      ContractRecorder['coverage']
    >;
    expect(coverage.violations).toBeGreaterThanOrEqual(5);
    expect(coverage.operations.find((o) => o.operationId === 'getMe')?.statuses).toEqual({ 418: 1 });
    // Only getLead and listLeads answered 2xx here, so the gate's "every operation exercised" rule fails too.
    expect([...coverage.notExercised].sort()).toEqual(
      operationIds.filter((id) => id !== 'getLead' && id !== 'listLeads').sort(),
    );
    expect(coverage.notExercised).toContain('getMe');
  });
});
