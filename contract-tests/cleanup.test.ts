// Live-mode safety, tested without a Close account: the cleanup deletes exactly the objects listed in a
// run's ledger (leads first, then statuses, pipelines and custom fields), waits out 429s, treats 404 as
// already gone, keeps what it could not delete for a later run, and ignores other targets' ledgers.

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCloseClient, unwrap } from '../src/index.js';
import { startSandbox } from '../src/sandbox/index.js';
import { cleanupLedger, targetBaseUrl } from './cleanup.js';
import { recordOutcome } from './support/context.js';
import { Ledger } from './support/ledger.js';

const seen: Array<{ method: string; path: string; auth: string }> = [];
let server: http.Server;
let baseUrl = '';
let limitedOnce = false;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = (req.url ?? '').replace(/^\/api\/v1/, '');
    seen.push({ method: req.method ?? '', path, auth: req.headers.authorization ?? '' });
    if (path === '/lead/lead_limited/' && !limitedOnce) {
      limitedOnce = true;
      res.writeHead(429, { 'retry-after': '0', ratelimit: 'limit=1, remaining=0, reset=0' }).end('{}');
    } else if (path === '/lead/lead_gone/')
      res.writeHead(404).end('{"error":"Empty query: Lead matching query does not exist."}');
    else if (path.startsWith('/pipeline/pipe_busy')) res.writeHead(400).end('{"error":"Pipeline has statuses."}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('cleanup of what a live run created', () => {
  test('deletes the ledger entries in dependency order, tolerates 404, retries 429, keeps failures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-ledger-'));
    const ledger = new Ledger(join(dir, 'ledger-run1.json'), baseUrl, 'run1');
    ledger.add('leadCustomField', 'cf_field1');
    ledger.add('pipeline', 'pipe_busy1');
    ledger.add('opportunityStatus', 'stat_status1');
    ledger.add('lead', 'lead_one');
    ledger.add('lead', 'lead_gone');
    ledger.add('lead', 'lead_limited');
    ledger.add('lead', 'lead_removed');
    ledger.remove('lead_removed'); // deleted by the suite itself: not touched again
    seen.length = 0;

    const logs: string[] = [];
    const result = await cleanupLedger(ledger.file, { apiKey: 'key_secret', baseUrl, log: (l) => logs.push(l) });

    expect(seen.every((s) => s.method === 'DELETE')).toBe(true);
    expect(seen.map((s) => s.path)).toEqual([
      '/lead/lead_one/',
      '/lead/lead_gone/',
      '/lead/lead_limited/',
      '/lead/lead_limited/',
      '/status/opportunity/stat_status1/',
      '/pipeline/pipe_busy1/',
      '/custom_field/lead/cf_field1/',
    ]);
    expect(seen[0]?.auth).toBe(`Basic ${Buffer.from('key_secret:').toString('base64')}`);
    expect(result).toEqual({ deleted: 4, gone: 1, failed: [{ kind: 'pipeline', id: 'pipe_busy1', status: 400 }] });
    // What could not be deleted stays listed for the next run; the key is never written or logged.
    const left = JSON.parse(readFileSync(ledger.file, 'utf8')) as { entries: unknown[]; baseUrl: string };
    expect(left.entries).toEqual([{ kind: 'pipeline', id: 'pipe_busy1' }]);
    expect(readFileSync(ledger.file, 'utf8')).not.toContain('key_secret');
    expect(logs.join('\n')).not.toContain('key_secret');
  });

  test('removes the ledger when everything is gone, and leaves other targets alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-ledger-'));
    const mine = join(dir, 'ledger-run2.json');
    writeFileSync(mine, JSON.stringify({ baseUrl, runId: 'run2', entries: [{ kind: 'lead', id: 'lead_two' }] }));
    const other = join(dir, 'ledger-run3.json');
    writeFileSync(
      other,
      JSON.stringify({
        baseUrl: 'https://api.close.com/api/v1',
        runId: 'run3',
        entries: [{ kind: 'lead', id: 'lead_three' }],
      }),
    );
    seen.length = 0;
    await cleanupLedger(mine, { apiKey: 'k', baseUrl, log: () => {} });
    await cleanupLedger(other, { apiKey: 'k', baseUrl, log: () => {} });
    expect(seen.map((s) => s.path)).toEqual(['/lead/lead_two/']);
    expect(existsSync(mine)).toBe(false);
    expect(existsSync(other)).toBe(true);
  });
});

describe('cleanup against the sandbox', () => {
  test('really deletes the statuses, pipelines and custom fields a run created (not "already gone")', async () => {
    const sandbox = await startSandbox({ port: 0, seed: 'demo' });
    try {
      const close = createCloseClient({ apiKey: 'sandbox', baseUrl: sandbox.url });
      const pipe = unwrap(await close.POST('/pipeline/', { body: { name: 'Cleanup pipeline run4' } }));
      const stat = unwrap(
        await close.POST('/status/opportunity/', {
          body: { label: 'Cleanup stage run4', type: 'active', pipeline_id: pipe.id },
        }),
      );
      const field = unwrap(
        await close.POST('/custom_field/lead/', { body: { name: 'Cleanup field run4', type: 'text' } }),
      );
      const dir = mkdtempSync(join(tmpdir(), 'contract-ledger-'));
      const ledger = new Ledger(join(dir, 'ledger-run4.json'), sandbox.url, 'run4');
      ledger.add('pipeline', pipe.id);
      ledger.add('opportunityStatus', stat.id);
      ledger.add('leadCustomField', field.id);

      // Close refuses to delete a pipeline that still has statuses: the cleanup's order must get it gone.
      const early = await fetch(`${sandbox.url}/pipeline/${pipe.id}/`, {
        method: 'DELETE',
        headers: { authorization: `Basic ${btoa('sandbox:')}` },
      });
      expect(early.status).toBe(400);
      const result = await cleanupLedger(ledger.file, { apiKey: 'sandbox', baseUrl: sandbox.url, log: () => {} });
      expect(result).toEqual({ deleted: 3, gone: 0, failed: [] });
      expect(existsSync(ledger.file)).toBe(false);
      const pipelines = unwrap(await close.GET('/pipeline/'));
      expect(pipelines.data.map((p) => p.id)).not.toContain(pipe.id);
      const statuses = unwrap(await close.GET('/status/opportunity/'));
      expect(statuses.data.map((s) => s.id)).not.toContain(stat.id);
      const fields = unwrap(await close.GET('/custom_field/lead/'));
      expect(fields.data.map((f) => f.id)).not.toContain(field.id);
      // What the run did not create is still there.
      expect(pipelines.data.length).toBeGreaterThan(0);
      expect(fields.data.length).toBeGreaterThan(0);
    } finally {
      await sandbox.close();
    }
  });
});

describe('where the key goes', () => {
  test('a ledger naming another base URL is refused, even given by name: the key goes only to the target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-ledger-'));
    const planted = join(dir, 'ledger-planted.json');
    // The ledger points at this server, but the target (CLOSE_BASE_URL) is elsewhere.
    writeFileSync(planted, JSON.stringify({ baseUrl, runId: 'x', entries: [{ kind: 'lead', id: 'lead_one' }] }));
    seen.length = 0;
    const logs: string[] = [];
    const result = await cleanupLedger(planted, {
      apiKey: 'key_secret',
      baseUrl: 'https://api.close.com/api/v1',
      log: (l) => logs.push(l),
    });
    expect(result.refused).toBe(true);
    expect(seen).toEqual([]);
    expect(existsSync(planted)).toBe(true);
    expect(logs.join('\n')).toMatch(/refused/);
    expect(logs.join('\n')).not.toContain('key_secret');
  });

  test('the default target is CLOSE_BASE_URL, else Close itself', () => {
    expect(targetBaseUrl({ CLOSE_BASE_URL: 'http://127.0.0.1:4010/api/v1/' })).toBe('http://127.0.0.1:4010/api/v1');
    expect(targetBaseUrl({})).toBe('https://api.close.com/api/v1');
  });

  test('ids are encoded and must look like Close ids: ../../me is never sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-ledger-'));
    const file = join(dir, 'ledger-ids.json');
    writeFileSync(
      file,
      JSON.stringify({
        baseUrl,
        runId: 'ids',
        entries: [
          { kind: 'lead', id: '../../me' },
          { kind: 'lead', id: 'lead_ok1' },
          { kind: 'pipeline', id: 'pipe_x?y=1' },
        ],
      }),
    );
    seen.length = 0;
    const result = await cleanupLedger(file, { apiKey: 'k_secret', baseUrl, log: () => {} });
    expect(seen.map((s) => s.path)).toEqual(['/lead/lead_ok1/']);
    expect(result.failed.map((f) => [f.id, f.status])).toEqual([
      ['../../me', 0],
      ['pipe_x?y=1', 0],
    ]);
  });
});

describe('what the ledger lists', () => {
  test("a lead Close made for a contact is the run's; a pre-existing lead the contact named is not", () => {
    const added: string[] = [];
    const ledger = { add: (_kind: string, id: string) => void added.push(id), remove: () => undefined };
    recordOutcome(ledger, 'createContact', { id: 'cont_a', lead_id: 'lead_made' }, '/contact/', { name: 'A' });
    recordOutcome(ledger, 'createContact', { id: 'cont_b', lead_id: 'lead_old' }, '/contact/', {
      name: 'B',
      lead_id: 'lead_old',
    });
    recordOutcome(ledger, 'createOpportunity', { id: 'oppo_c', lead_id: 'lead_old' }, '/opportunity/', {
      lead_id: 'lead_old',
    });
    recordOutcome(ledger, 'createLead', { id: 'lead_new' }, '/lead/', { name: 'New' });
    expect(added).toEqual(['lead_made', 'lead_new']);
  });
});
