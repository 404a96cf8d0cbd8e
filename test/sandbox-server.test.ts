// The sandbox as a server users start: rate limits (RateLimit on every answer, 429 + Retry-After when a
// key's window is spent, fail-every), snapshots (`data`: loaded at start, written by close()), and
// the checks on startSandbox's options. Every answer is checked against the spec by the harness.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { unwrap } from '../src/index.js';
import { SnapshotError, startSandbox } from '../src/sandbox/index.js';
import { basic, startHarness } from './support/sandbox.js';

describe('rate limits', () => {
  test('RateLimit on every answer, counting down per key; 429 with Retry-After and Close’s body when spent', async () => {
    const h = await startHarness({ seed: 'empty', rateLimit: { requests: 3, seconds: 60 } });
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await h.call('GET', '/me/'));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      expect(answers.map((a) => a.headers.get('ratelimit')?.replace(/reset=.*/, ''))).toEqual([
        'limit=3, remaining=2, ',
        'limit=3, remaining=1, ',
        'limit=3, remaining=0, ',
        'limit=3, remaining=0, ',
      ]);
      const limited = answers[3];
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(55);
      expect(limited?.body).toMatchObject({
        error: { message: 'API call count exceeded for this period', rate_limit: 3, rate_window: 60 },
      });
      // Another key has its own window; errors and unknown paths get the header too.
      expect((await h.call('GET', '/me/', { auth: basic('another-key') })).status).toBe(200);
      const unauthorised = await h.call('GET', '/me/', { auth: null });
      expect(unauthorised.status).toBe(401);
      expect(unauthorised.headers.get('ratelimit')).toMatch(/^limit=3, remaining=2, reset=/);
    } finally {
      await h.sandbox.close();
    }
  });

  test('the client waits out a 429 and succeeds', async () => {
    const h = await startHarness({ seed: 'empty', rateLimit: { requests: 2, seconds: 1 } });
    try {
      const { createCloseClient } = await import('../src/index.js');
      const close = createCloseClient({ apiKey: 'k', baseUrl: h.sandbox.url, pacing: false });
      const started = Date.now();
      for (let i = 0; i < 3; i++) unwrap(await close.GET('/me/'));
      expect(Date.now() - started).toBeGreaterThan(500);
      expect(h.sandbox.stats().rateLimited).toBe(1);
    } finally {
      await h.sandbox.close();
    }
  });

  test('failEvery: every n-th request is a 429 and is not processed', async () => {
    const h = await startHarness({ seed: 'empty', failEvery: 3, rateLimit: { requests: 1000, seconds: 60 } });
    try {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await h.call('POST', '/lead/', { body: { name: `Lead ${i}` } }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 429, 200, 200, 429]);
      // A forced 429 asks for one second, not for the rest of the (here one-minute) window.
      expect(answers[2]?.headers.get('retry-after')).toBe('1');
      expect(answers[2]?.headers.get('ratelimit')).toBe('limit=1000, remaining=0, reset=1');
      const leads = unwrap(await h.client.GET('/lead/', { params: { query: { _fields: ['name'] } } }));
      expect(leads.data.map((l) => l.name).sort()).toEqual(['Lead 0', 'Lead 1', 'Lead 3', 'Lead 4']);
      expect(h.sandbox.stats().rateLimited).toBe(2);
    } finally {
      await h.sandbox.close();
    }
  });
});

describe('snapshots', () => {
  test('data: written by close(), loaded by the next start (instead of the seed); reset() goes to the seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-data-'));
    const file = join(dir, 'state.json');
    const first = await startHarness({ seed: 'empty', data: file });
    const lead = unwrap(
      await first.client.POST('/lead/', { body: { name: 'Persisted Inc', contacts: [{ name: 'Pat' }] } }),
    );
    await first.sandbox.close();
    const written = JSON.parse(readFileSync(file, 'utf8')) as {
      kind: string;
      version: number;
      state: { leads: unknown[] };
    };
    expect(written).toMatchObject({ kind: 'close-crm-openapi-sandbox', version: 1 });
    expect(written.state.leads).toHaveLength(1);

    const second = await startHarness({ seed: 'empty', data: file });
    try {
      const back = unwrap(await second.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: lead.id } } }));
      expect(back.name).toBe('Persisted Inc');
      expect(back.contacts?.[0]?.name).toBe('Pat');
      const events = unwrap(await second.client.GET('/event/', { params: { query: { lead_id: lead.id } } }));
      expect(events.data).toHaveLength(2);
      expect(second.sandbox.snapshot().state.leads).toHaveLength(1);
      second.sandbox.reset();
      expect(unwrap(await second.client.GET('/lead/')).data).toEqual([]);
    } finally {
      await second.sandbox.close();
    }
    // close() wrote the reset state back.
    expect((JSON.parse(readFileSync(file, 'utf8')) as { state: { leads: unknown[] } }).state.leads).toEqual([]);
  });

  test('a file that is not a snapshot of this version is refused with a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-data-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"kind": "close-crm-openapi-sandbox", "version": 99, "state": {}}');
    await expect(startSandbox({ port: 0, data: bad })).rejects.toThrow(/format version 99 is not supported/);
    writeFileSync(bad, 'not json');
    await expect(startSandbox({ port: 0, data: bad })).rejects.toBeInstanceOf(SnapshotError);
  });
});

test('startSandbox checks its options', async () => {
  await expect(startSandbox({ port: 70000 })).rejects.toThrow(/port/);
  // @ts-expect-error not a seed
  await expect(startSandbox({ port: 0, seed: 'full' })).rejects.toThrow(/seed must be one of demo, empty/);
  await expect(startSandbox({ port: 0, rateLimit: { requests: 0, seconds: 1 } })).rejects.toThrow(/rateLimit/);
  await expect(startSandbox({ port: 0, failEvery: -1 })).rejects.toThrow(/failEvery/);
  await expect(startSandbox({ port: 0, data: join(tmpdir(), 'no-such-folder-4fe1', 'x.json') })).rejects.toThrow(
    /folder of the data file .* does not exist/,
  );
});

test('url has /api/v1 and no trailing slash; close() is idempotent', async () => {
  const sandbox = await startSandbox({ port: 0, seed: 'empty' });
  expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}/api/v1`);
  await Promise.all([sandbox.close(), sandbox.close()]);
  await expect(fetch(`${sandbox.url}/me/`)).rejects.toThrow();
});
