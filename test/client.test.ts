import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import {
  CloseAbortError,
  CloseApiError,
  type CloseClientOptions,
  CloseNetworkError,
  CloseRateLimitError,
  CloseResponseParseError,
  createCloseClient,
  type RetryEvent,
  unwrap,
} from '../src/index.js';
import { deref } from '../src/lib/json-pointer.js';
import { type Reply, serverPerTest, type TestServer } from './client-server.js';

const KEY = 'api_3kYQe9mVx7TzL2pRsB4wNc.8dHfJ6uGa1';
const TOKEN = 'access_Zr8Kq2WmX5vN9tLp3YcB7dHs';
const serve = serverPerTest();

/** `xs[i]`, which the test expects to exist (throws when it does not). */
function nth<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`expected an item at index ${i} of ${xs.length}`);
  return x;
}

/** A fake clock: `sleep` records the wait and moves the clock, so tests never wait for real. */
function fakeTime() {
  const clock = { t: 1_000_000, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
  };
}

function client(server: TestServer, extra: Partial<CloseClientOptions> = {}) {
  const time = fakeTime();
  const events: RetryEvent[] = [];
  const close = createCloseClient({
    apiKey: KEY,
    baseUrl: server.baseUrl,
    now: time.now,
    sleep: time.sleep,
    random: time.random,
    onRetry: (e) => events.push(e),
    ...extra,
  });
  return { close, clock: time.clock, events };
}

const lead = { id: 'lead_1', name: 'Acme', display_name: 'Acme' };

describe('authentication on the wire', () => {
  it('sends the API key as HTTP Basic username with an empty password', async () => {
    const server = await serve(() => ({ body: lead }));
    const { close } = client(server);
    const { data } = await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
    expect(data?.name).toBe('Acme');
    const auth = String(nth(server.requests, 0).headers.authorization);
    expect(auth).toBe(`Basic ${Buffer.from(`${KEY}:`).toString('base64')}`);
    expect(Buffer.from(auth.slice(6), 'base64').toString()).toBe(`${KEY}:`);
    expect(nth(server.requests, 0).url).toBe('/api/v1/lead/lead_1/');
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(nth(server.requests, 0).headers['user-agent']).toBe(`close-crm-openapi/${version}`);
  });

  it('sends an access token as Bearer', async () => {
    const server = await serve(() => ({ body: lead }));
    const close = createCloseClient({ accessToken: TOKEN, baseUrl: server.baseUrl, userAgent: 'my-app/2.0' });
    await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
    expect(nth(server.requests, 0).headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(nth(server.requests, 0).headers['user-agent']).toBe('my-app/2.0');
  });

  it('refuses to start without exactly one credential, without echoing it', () => {
    expect(() => createCloseClient({})).toThrow(/exactly one of `apiKey`.*`accessToken`/);
    let err: unknown;
    try {
      createCloseClient({ apiKey: KEY, accessToken: TOKEN });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TypeError);
    expect(String(err)).toMatch(/not both/);
    expect(inspect(err)).not.toContain(KEY);
    expect(inspect(err)).not.toContain(TOKEN);
    expect(() => createCloseClient({ apiKey: '' })).toThrow(/apiKey/);
    expect(() => createCloseClient({ apiKey: 'has space' })).toThrow(/apiKey/);
  });

  it('never shows the credentials to middleware', async () => {
    const server = await serve(() => ({ body: lead }));
    const seen: Array<string | null> = [];
    const close = createCloseClient({
      apiKey: KEY,
      baseUrl: server.baseUrl,
      middleware: [
        {
          onRequest: ({ request }) => void seen.push(request.headers.get('authorization')),
          onResponse: ({ request }) => void seen.push(request.headers.get('authorization')),
        },
      ],
    });
    await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
    expect(seen).toEqual([null, null]);
    expect(nth(server.requests, 0).headers.authorization).toMatch(/^Basic /);
  });
});

describe('query serialisation', () => {
  it('sends array query parameters as the spec declares them (form, explode=false: _fields=a,b)', async () => {
    const server = await serve(() => ({ body: { has_more: false, data: [] } }));
    const { close } = client(server);
    await close.GET('/lead/', { params: { query: { _fields: ['id', 'display_name'], query: 'name:"Acme, Inc"' } } });
    const q = new URL(nth(server.requests, 0).url, 'http://x').searchParams;
    expect(q.getAll('_fields')).toEqual(['id,display_name']);
    expect(q.get('query')).toBe('name:"Acme, Inc"');
  });

  it('every array query parameter in the spec is form/explode=false, which the client assumes globally', () => {
    type Param = {
      $ref?: string;
      name?: string;
      in?: string;
      style?: string;
      explode?: boolean;
      schema?: { type?: string | string[] };
    };
    const doc = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'generated', 'openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, { parameters?: Param[] }>>;
    };
    const arrays: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const raw of op.parameters ?? []) {
          const p = deref(doc, raw) as Param;
          if (p.in !== 'query' || ![p.schema?.type ?? []].flat().includes('array')) continue;
          arrays.push(`${method} ${path} ${p.name}: ${p.style ?? 'form'}/${String(p.explode ?? true)}`);
        }
      }
    }
    expect(arrays.length).toBeGreaterThan(0);
    expect(arrays.filter((a) => !a.endsWith('form/false'))).toEqual([]);
  });
});

describe('rate limits', () => {
  it('retries a 429 after Retry-After and re-sends the POST body intact', async () => {
    const server = await serve((_req, i) =>
      i === 0
        ? {
            status: 429,
            headers: { 'retry-after': '2' },
            body: { error: { message: 'API call count exceeded for this period' } },
          }
        : { body: lead },
    );
    const { close, clock, events } = client(server);
    const body = { name: 'Acme', 'custom.cf_src': 'Website' };
    const res = await close.POST('/lead/', { body });
    expect(res.data?.id).toBe('lead_1');
    expect(server.requests).toHaveLength(2);
    expect(server.requests.map((r) => JSON.parse(r.body))).toEqual([body, body]);
    // waited at least what Retry-After asked, plus bounded jitter
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(2000);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(2000 + 1000);
    expect(events).toEqual([
      expect.objectContaining({ method: 'POST', path: '/lead/', retry: 1, reason: 'rate-limited', status: 429 }),
    ]);
  });

  it('waits the precise RateLimit reset rather than the rounded-up Retry-After', async () => {
    const server = await serve((_req, i) =>
      i === 0
        ? { status: 429, headers: { ratelimit: 'limit=40, remaining=0, reset=0.35', 'retry-after': '1' } }
        : { body: lead },
    );
    const { close, clock } = client(server);
    const res = await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
    expect(res.response.status).toBe(200);
    expect(server.requests).toHaveLength(2);
    const waited = clock.sleeps.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(350);
    expect(waited).toBeLessThan(1000);
  });

  it('reads the RateLimit header alone, and the deprecated X-Rate-Limit-* headers', async () => {
    const cases: Array<Record<string, string>> = [
      { ratelimit: 'limit=40, remaining=0, reset=3' },
      { 'x-rate-limit-limit': '320', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '4.5' },
    ];
    for (const headers of cases) {
      const server = await serve((_req, i) => (i === 0 ? { status: 429, headers } : { body: lead }));
      const { close, clock } = client(server, { pacing: false });
      await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
      expect(server.requests).toHaveLength(2);
      const expected = 'ratelimit' in headers ? 3000 : 4500;
      expect(clock.sleeps[0]).toBeGreaterThanOrEqual(expected);
      expect(clock.sleeps[0]).toBeLessThanOrEqual(expected + 1000);
    }
  });

  it('gives up after maxRetries and returns the typed 429', async () => {
    const server = await serve(() => ({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: { message: 'API call count exceeded for this period', rate_reset: 1 } },
    }));
    const { close, events } = client(server, { retry: { maxRetries: 3 } });
    const res = await close.POST('/lead/', { body: { name: 'Acme' } });
    expect(server.requests).toHaveLength(4);
    expect(events).toHaveLength(3);
    expect(res.response.status).toBe(429);
    expect(() => unwrap(res)).toThrow(CloseApiError);
    try {
      unwrap(res);
    } catch (e) {
      expect((e as CloseApiError).isRateLimited).toBe(true);
      expect((e as CloseApiError).retryAfterMs).toBe(1000);
      expect((e as CloseApiError).message).toContain('API call count exceeded');
    }
  });

  it('does not retry early when the server asks for longer than maxDelayMs: it throws CloseRateLimitError', async () => {
    const server = await serve(() => ({ status: 429, headers: { 'retry-after': '120' } }));
    const { close } = client(server, { retry: { maxDelayMs: 30_000 } });
    const err = await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } }).catch((e) => e);
    expect(err).toBeInstanceOf(CloseRateLimitError);
    expect(err).toMatchObject({ askedMs: 120_000, maxDelayMs: 30_000 });
    expect(server.requests).toHaveLength(1);
  });

  it('paces from the RateLimit header so a burst gets no 429', async () => {
    // A fixed window of 3 requests per 150 ms; real time here, the whole test takes about half a second.
    const limit = 3;
    const windowMs = 150;
    let windowStart = 0;
    let used = 0;
    let rejected = 0;
    const server = await serve((): Reply => {
      const now = performance.now();
      if (now - windowStart >= windowMs) {
        windowStart = now;
        used = 0;
      }
      const reset = ((windowStart + windowMs - now) / 1000).toFixed(3);
      if (used >= limit) {
        rejected++;
        return {
          status: 429,
          headers: { ratelimit: `limit=${limit}, remaining=0, reset=${reset}`, 'retry-after': '1' },
        };
      }
      used++;
      return { body: lead, headers: { ratelimit: `limit=${limit}, remaining=${limit - used}, reset=${reset}` } };
    });
    const close = createCloseClient({ apiKey: KEY, baseUrl: server.baseUrl });
    // one request teaches the client the window; then a burst of 9 concurrent creates
    await close.POST('/lead/', { body: { name: 'first' } });
    rejected = 0;
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) => close.POST('/lead/', { body: { name: `Lead ${i}` } })),
    );
    const elapsed = performance.now() - started;
    expect(results.every((r) => r.response.status === 200)).toBe(true);
    expect(rejected).toBe(0);
    expect(server.requests).toHaveLength(10);
    // 9 requests at 3 per 150 ms need at least two window resets
    expect(elapsed).toBeGreaterThanOrEqual(windowMs);
  });
});

describe('failures', () => {
  it('never retries a POST after a 503: it surfaces as an error', async () => {
    const server = await serve(() => ({ status: 503, body: 'Service Unavailable' }));
    const { close, events } = client(server);
    const res = await close.POST('/lead/', { body: { name: 'Acme' } });
    expect(server.requests).toHaveLength(1);
    expect(events).toHaveLength(0);
    expect(res.response.status).toBe(503);
    expect(() => unwrap(res)).toThrow(/POST \/lead\/ failed with 503/);
  });

  it('never retries a PUT after a 502', async () => {
    const server = await serve(() => ({ status: 502 }));
    const { close } = client(server);
    const res = await close.PUT('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } }, body: { name: 'New' } });
    expect(res.response.status).toBe(502);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a GET after 502/503/504 with backoff', async () => {
    const statuses = [502, 503, 504];
    const server = await serve((_req, i) => {
      const status = statuses[i];
      return status === undefined ? { body: lead } : { status };
    });
    const { close, clock, events } = client(server);
    const { data } = await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
    expect(data?.id).toBe('lead_1');
    expect(server.requests).toHaveLength(4);
    expect(events.map((e) => e.status)).toEqual([502, 503, 504]);
    // exponential: each wait longer than the one before
    expect(nth(clock.sleeps, 1)).toBeGreaterThan(nth(clock.sleeps, 0));
    expect(nth(clock.sleeps, 2)).toBeGreaterThan(nth(clock.sleeps, 1));
  });

  it('retries a GET after a network error but never a POST', async () => {
    const server = await serve((req, i) => (req.method === 'GET' && i > 0 ? { body: lead } : { destroy: true }));
    const { close } = client(server);
    await expect(close.POST('/lead/', { body: { name: 'Acme' } })).rejects.toSatisfy((e: unknown) => {
      expect(e).toBeInstanceOf(CloseNetworkError);
      expect((e as CloseNetworkError).outcomeUnknown).toBe(true);
      expect((e as CloseNetworkError).attempts).toBe(1);
      expect((e as Error).message).toMatch(/POST \/lead\/ failed after 1 attempt.*not retried/);
      return true;
    });
    expect(server.requests).toHaveLength(1);
    const { data } = await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
    expect(data?.id).toBe('lead_1');
    expect(server.requests).toHaveLength(2);
  });

  it('times out: a GET is retried, a POST throws with its outcome unknown', async () => {
    const server = await serve((req, i) =>
      i === 0 || req.method === 'POST' ? { delayMs: 300, body: lead } : { body: lead },
    );
    const { close } = client(server, { timeoutMs: 50 });
    const got = await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
    expect(got.data?.id).toBe('lead_1');
    expect(server.requests).toHaveLength(2);
    await expect(close.POST('/lead/', { body: { name: 'Acme' } })).rejects.toBeInstanceOf(CloseNetworkError);
    expect(server.requests).toHaveLength(3);
  });

  it('never follows a redirect with a write (fetch would re-send a POST as a GET and report success)', async () => {
    const server = await serve((req) =>
      req.method === 'GET'
        ? { body: { data: [], has_more: false } }
        : { status: 301, headers: { location: '/api/v1/lead/?moved=1' } },
    );
    const { close, events } = client(server);
    const res = await close.POST('/lead/', { body: { name: 'Acme' } });
    expect(server.requests.map((r) => r.method)).toEqual(['POST']);
    expect(res.data).toBeUndefined();
    expect(res.response.status).toBe(301);
    expect(events).toHaveLength(0);
    expect(() => unwrap(res)).toThrow(/POST \/lead\/ failed with 301/);
    // reads still follow redirects
    const got = await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
    expect(got.response.status).toBe(200);
  });

  it('unwrap() throws CloseApiError with status, method, path, field errors and trace id', async () => {
    const server = await serve(() => ({
      status: 400,
      headers: { 'x-request-id': 'req_abc123' },
      body: { errors: [], 'field-errors': { name: 'This field is required.' } },
    }));
    const { close } = client(server);
    const res = await close.POST('/lead/', { body: { name: '' } });
    let err: CloseApiError | undefined;
    try {
      unwrap(res);
    } catch (e) {
      err = e as CloseApiError;
    }
    expect(err).toBeInstanceOf(CloseApiError);
    expect(err).toMatchObject({
      status: 400,
      method: 'POST',
      path: '/lead/',
      traceId: 'req_abc123',
      fieldErrors: { name: 'This field is required.' },
    });
    expect(err?.message).toBe('Close API POST /lead/ failed with 400: name: This field is required.');
  });
});

describe('secrets never leak', () => {
  it('keeps the key out of every error, property, log line and toString', async () => {
    // A hostile server that echoes the credentials back in its error body and headers.
    const server = await serve((req) => ({
      status: 401,
      headers: { 'x-request-id': `echo ${req.headers.authorization ?? ''}` },
      body: { error: `Invalid key ${KEY} (${req.headers.authorization ?? ''})`, 'field-errors': { [KEY]: KEY } },
    }));
    const logs: string[] = [];
    const { close, events } = client(server, { onRetry: (e) => logs.push(JSON.stringify(e)) });
    const res = await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
    const basic = Buffer.from(`${KEY}:`).toString('base64');
    let err: unknown;
    try {
      unwrap(res);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CloseApiError);
    const renderings = [
      String(err),
      (err as Error).message,
      (err as Error).stack ?? '',
      JSON.stringify(err),
      inspect(err, { depth: 10, showHidden: true }),
      inspect(close, { depth: 5, showHidden: true }),
      ...logs,
      JSON.stringify(events),
    ];
    for (const text of renderings) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(basic);
    }
    expect((err as CloseApiError).message).toContain('[REDACTED]');

    // network errors too, for the token flavour
    const down = await serve(() => ({ destroy: true }));
    const tclose = createCloseClient({ accessToken: TOKEN, baseUrl: down.baseUrl, retry: false });
    const netErr = await tclose.POST('/lead/', { body: { name: 'x' } }).catch((e: unknown) => e);
    expect(netErr).toBeInstanceOf(CloseNetworkError);
    for (const text of [String(netErr), JSON.stringify(netErr), inspect(netErr, { depth: 10, showHidden: true })])
      expect(text).not.toContain(TOKEN);
  });

  it('refuses a baseUrl that carries credentials, without repeating them', async () => {
    // fetch rejects such a URL on every request with a TypeError that quotes it whole, key included.
    const server = await serve(() => ({ body: lead }));
    for (const baseUrl of [
      server.baseUrl.replace('http://', `http://${KEY}:@`),
      server.baseUrl.replace('http://', `http://${KEY}@`),
    ]) {
      let err: unknown;
      try {
        const close = createCloseClient({ apiKey: KEY, baseUrl });
        await close.GET('/me/');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(/baseUrl.*credentials/);
      for (const text of [String(err), (err as Error).stack ?? '', inspect(err, { depth: 10, showHidden: true })])
        expect(text).not.toContain(KEY);
    }
    expect(server.requests).toHaveLength(0);
    const bad = (() => {
      try {
        createCloseClient({ apiKey: KEY, baseUrl: `not a url ${KEY}` });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(bad).toBeInstanceOf(TypeError);
    expect(inspect(bad, { depth: 10, showHidden: true })).not.toContain(KEY);
  });

  it('keeps echoed credentials out of the raw error result and its headers too', async () => {
    const server = await serve((req) => ({
      status: 403,
      headers: { 'x-request-id': `echo ${req.headers.authorization ?? ''}` },
      body: { error: `Forbidden for ${req.headers.authorization ?? ''}` },
    }));
    const { close } = client(server);
    const res = await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
    const basic = Buffer.from(`${KEY}:`).toString('base64');
    expect(res.response.status).toBe(403);
    const texts = [JSON.stringify(res.error), JSON.stringify([...res.response.headers])];
    for (const text of texts) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(basic);
    }
    expect(res.error).toEqual({ error: 'Forbidden for [REDACTED]' });
    expect(res.response.headers.get('x-request-id')).toBe('echo [REDACTED]');
    expect(res.response.url).toBe(`${server.baseUrl}/lead/lead_1/`);
  });
});

describe('review follow-ups: wait bounds', () => {
  it('never lets jitter push a wait past maxDelayMs (429 and a GET 503 with Retry-After)', async () => {
    const server = await serve((req, i) =>
      i % 2 === 0 ? { status: req.method === 'GET' ? 503 : 429, headers: { 'retry-after': '30' } } : { body: lead },
    );
    const { close, clock, events } = client(server, {
      retry: { maxDelayMs: 30_000 },
      random: () => 0.999,
      pacing: false,
    });
    expect((await close.POST('/lead/', { body: { name: 'Acme' } })).response.status).toBe(200);
    expect((await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } })).response.status).toBe(
      200,
    );
    expect(server.requests).toHaveLength(4);
    // the server's own 30 s is honoured (never shortened), the jitter on top is cut at the cap
    expect(clock.sleeps).toEqual([30_000, 30_000]);
    expect(events.map((e) => e.delayMs)).toEqual([30_000, 30_000]);
  });
});

describe('review follow-ups: cancelling a wait', () => {
  it('a POST waiting out a 429 rejects promptly when its signal aborts, says it is safe to re-send, and clears the timer', async () => {
    const server = await serve(() => ({ status: 429, headers: { 'retry-after': '30' } }));
    // Real timers here (no injected sleep): the point is that the client's own 30 s timer goes away.
    const setSpy = vi.spyOn(globalThis, 'setTimeout');
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const close = createCloseClient({ apiKey: KEY, baseUrl: server.baseUrl, pacing: false, random: () => 0 });
      const controller = new AbortController();
      const started = performance.now();
      const pending = close
        .POST('/lead/', { body: { name: 'Acme' }, signal: controller.signal })
        .catch((e: unknown) => e);
      await vi.waitFor(() => expect(setSpy.mock.calls.some((c) => c[1] === 30_000)).toBe(true));
      controller.abort();
      const err = await pending;
      expect(performance.now() - started).toBeLessThan(5000);
      expect(err).toBeInstanceOf(CloseAbortError);
      expect(err).toMatchObject({
        name: 'AbortError',
        method: 'POST',
        path: '/lead/',
        attempts: 1,
        phase: 'rate-limited',
        outcomeUnknown: false,
      });
      expect((err as Error).message).toMatch(
        /POST \/lead\/ was cancelled while waiting to retry after a 429.*did not process it.*safe to send again/,
      );
      expect((err as Error).cause).toBe(controller.signal.reason);
      expect(server.requests).toHaveLength(1);
      const index = setSpy.mock.calls.findIndex((c) => c[1] === 30_000);
      expect(clearSpy.mock.calls.map((c) => c[0])).toContain(nth(setSpy.mock.results, index).value);
      for (const text of [String(err), JSON.stringify(err), inspect(err, { depth: 10, showHidden: true })])
        expect(text).not.toContain(KEY);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });

  it('a GET backoff ends on abort even when an injected sleep never resolves', async () => {
    const server = await serve(() => ({ status: 503 }));
    const controller = new AbortController();
    let sleepSignal: AbortSignal | undefined;
    const close = createCloseClient({
      apiKey: KEY,
      baseUrl: server.baseUrl,
      sleep: (_ms, signal) => {
        sleepSignal = signal;
        setTimeout(() => controller.abort(), 10);
        return new Promise(() => undefined);
      },
    });
    const err = await close
      .GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } }, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseAbortError);
    expect(err).toMatchObject({ method: 'GET', attempts: 1, phase: 'backoff' });
    // the sleep was told to stop, so a sleep that honours its signal would clear its timer
    expect(sleepSignal?.aborted).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('a request held by pacing rejects on abort without having been sent', async () => {
    const server = await serve(() => ({ body: lead, headers: { ratelimit: 'limit=1, remaining=0, reset=30' } }));
    const close = createCloseClient({ apiKey: KEY, baseUrl: server.baseUrl });
    await close.POST('/lead/', { body: { name: 'first' } });
    const controller = new AbortController();
    const pending = close
      .POST('/lead/', { body: { name: 'second' }, signal: controller.signal })
      .catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    const err = await pending;
    expect(performance.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(CloseAbortError);
    expect(err).toMatchObject({ name: 'AbortError', phase: 'pacing', attempts: 0, outcomeUnknown: false });
    expect((err as Error).message).toMatch(/nothing was sent/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('review follow-ups: a 2xx write whose body is not JSON', () => {
  it('throws CloseResponseParseError saying the write succeeded, never openapi-fetch’s bare SyntaxError', async () => {
    const server = await serve((req) => ({
      status: req.method === 'POST' ? 201 : 200,
      headers: { 'content-type': 'text/html', 'x-request-id': 'req-9' },
      body: `<html>proxy page for ${req.headers.authorization ?? ''}</html>`,
    }));
    const { close } = client(server);
    const basic = Buffer.from(`${KEY}:`).toString('base64');
    const calls = [
      () => close.POST('/lead/', { body: { name: 'Acme' } }),
      () => close.PUT('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } }, body: { name: 'New' } }),
      () => close.DELETE('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } }),
      () => close.request('post', '/lead/', { body: { name: 'Acme' } }),
    ];
    const expected = [
      { method: 'POST', path: '/lead/', status: 201 },
      { method: 'PUT', path: '/lead/lead_1/', status: 200 },
      { method: 'DELETE', path: '/lead/lead_1/', status: 200 },
      { method: 'POST', path: '/lead/', status: 201 },
    ];
    for (const [i, call] of calls.entries()) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CloseResponseParseError);
      expect(err).toMatchObject({
        name: 'CloseResponseParseError',
        writeSucceeded: true,
        contentType: 'text/html',
        traceId: 'req-9',
        ...expected[i],
      });
      expect((err as Error).message).toMatch(
        new RegExp(
          `${nth(expected, i).method} ${nth(expected, i).path} succeeded with ${nth(expected, i).status}.*not valid JSON.*do not send it again`,
        ),
      );
      for (const text of [
        String(err),
        (err as Error).stack ?? '',
        JSON.stringify(err),
        inspect(err, { depth: 10, showHidden: true }),
      ]) {
        expect(text).not.toContain(KEY);
        expect(text).not.toContain(basic);
      }
    }
    expect(server.requests).toHaveLength(4);

    // JSON and empty bodies of writes still parse as before, and a parseAs other than json is left alone.
    const ok = await serve((req) =>
      req.method === 'DELETE' ? { body: '' } : req.method === 'PUT' ? { body: 'plain' } : { body: lead },
    );
    const { close: okClose } = client(ok);
    expect((await okClose.POST('/lead/', { body: { name: 'Acme' } })).data).toEqual(lead);
    expect(
      (await okClose.DELETE('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } })).data,
    ).toBeUndefined();
    const text = await okClose.PUT('/lead/{lead_id}/', {
      params: { path: { lead_id: 'lead_1' } },
      body: { name: 'New' },
      parseAs: 'text',
    });
    expect(text.data).toBe('plain');
  });
});
