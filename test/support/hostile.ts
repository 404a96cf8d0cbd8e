// A bounded barrage of malformed and hostile requests against one of our local HTTP servers, ending
// with "does it still answer a normal request?".
//
//   const summary = await fireHostileRequests(sandbox.url, { probe: { path: '/lead/', headers: AUTH } });
//   expect(summary.problems).toEqual([]);
//   expect(summary.stillAnswers).toBe(true);
//
// The `hardening` branch writes the project's shared harness under this name and interface
// (`fireHostileRequests(baseUrl, opts?)` with `probe`, `headers`, `bodyPath`, `serverLimits`, `total`,
// `concurrency`, `deadlineMs`, `rss`; a summary with `requests`, `problems`, `stillAnswers`, `skipped`,
// `oversize`); this is a compact stand-in for it with the same exports, to be replaced by it.
//
// Loopback only (http://127.0.0.1:<port>[/base]); bounded: about `total` requests, at most `concurrency`
// connections at a time, each destroyed after `requestTimeoutMs`, nothing started after `deadlineMs`.
// Raw TCP sockets (test/support/raw-http.ts) carry what an HTTP client would refuse to send.
import { LOOPBACK, type RawPayload, type RawResult, rawExchange, sleep, trickle, write } from './raw-http.js';

export interface HostileOptions {
  /** The normal request that must work before and after the barrage. Default `GET /`, any 2xx. */
  probe?: { method?: string; path: string; headers?: Record<string, string>; status?: number };
  /** Headers for the well-formed requests (e.g. Authorization). Default: the probe's. */
  headers?: Record<string, string>;
  /** Where the body cases POST (relative to the base URL). Default `/`. */
  bodyPath?: string;
  /** The server's limits, so that the slow cases know how long to wait. */
  serverLimits?: { headersTimeoutMs?: number; requestTimeoutMs?: number; maxBodyBytes?: number };
  /** Size of the streamed oversized body. Default 24 MB. */
  oversizedBytes?: number;
  /** The server's resident memory in bytes (in-process: `() => process.memoryUsage().rss`). */
  rss?: () => number;
  /** Roughly how many requests in all. Default 3000. */
  total?: number;
  /** Connections at a time. Default 32. */
  concurrency?: number;
  /** Each connection is destroyed after this long. Default: the server's request timeout + 2 s. */
  requestTimeoutMs?: number;
  /** No new request is started after this long. Default 60 s. */
  deadlineMs?: number;
  /** Seed of the random garbage. */
  seed?: number;
}

export interface CaseSummary {
  sent: number;
  /** Final statuses by code; `none` when the connection closed without an answer. */
  statuses: Record<string, number>;
  timedOut: number;
}

export interface OversizeReport {
  status: number | undefined;
  bytesSent: number;
  rssBefore?: number;
  rssPeak?: number;
  rssAfter?: number;
}

export interface Summary {
  requests: number;
  ms: number;
  cases: Record<string, CaseSummary>;
  /** Each distinct problem, with how often it happened; empty when the server held up. */
  problems: string[];
  stillAnswers: boolean;
  skipped: number;
  oversize: OversizeReport;
  /** How long the server took to close each slow connection, ms. */
  slowClosedAfterMs: Record<string, number>;
}

type Check = (r: RawResult) => string | undefined;

interface Case {
  name: string;
  payload: RawPayload;
  /** Requests this case carries (pipelining). */
  count?: number;
  check: Check;
  timeoutMs?: number;
  /** How much of the answer to keep (default 64 KB; pipelined answers need more). */
  maxBytes?: number;
}

/** Seeded PRNG (mulberry32), so a failing garbage case can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const finals = (r: RawResult) => r.statuses.filter((s) => s >= 200);
/** Statuses of pipelined answers: a status line also directly follows a JSON body that ends without CRLF. */
const pipelinedStatuses = (r: RawResult) =>
  [...r.text.matchAll(/(?:^|\r\n|[}\]])HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1])).filter((s) => s >= 200);
const bodyOf = (r: RawResult) => r.text.slice(r.text.indexOf('\r\n\r\n') + 4);

/** No 5xx, and the server answered or closed (it did not leave us waiting). */
const noServerError: Check = (r) => {
  const bad = finals(r).find((s) => s >= 500);
  if (bad) return `answered ${bad}`;
  if (r.timedOut && finals(r).length === 0) return 'neither answered nor closed the connection in time';
  if (r.error === 'ECONNREFUSED') return 'connection refused (is the server down?)';
  return undefined;
};

/** The first final answer is one of `statuses`, with a Close-shaped JSON error body for 4xx. */
const answered =
  (statuses: number[]): Check =>
  (r) => {
    const base = noServerError(r);
    if (base) return base;
    const first = finals(r)[0];
    if (first === undefined) return `no answer (expected ${statuses.join('/')})`;
    if (!statuses.includes(first)) return `answered ${first} (expected ${statuses.join('/')})`;
    if (first >= 400) {
      const body = bodyOf(r);
      try {
        const parsed = JSON.parse(body.slice(0, body.lastIndexOf('}') + 1)) as Record<string, unknown>;
        if (typeof parsed.error !== 'string' && !Array.isArray(parsed.errors))
          return `${first} without Close's error shape`;
      } catch {
        return `${first} with a body that is not JSON: ${JSON.stringify(body.slice(0, 80))}`;
      }
    }
    return undefined;
  };

function head(method: string, target: string, headers: Record<string, string>, extra = '', close = true): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...(close ? ['Connection: close'] : [])];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n${extra}\r\n`;
}

function request(method: string, target: string, headers: Record<string, string>, body?: string): string {
  const h = { ...headers };
  if (body !== undefined) {
    h['Content-Type'] ??= 'application/json';
    h['Content-Length'] = String(Buffer.byteLength(body));
  }
  return head(method, target, h) + (body ?? '');
}

export async function fireHostileRequests(baseUrl: string, opts: HostileOptions = {}): Promise<Summary> {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' || url.hostname !== LOOPBACK)
    throw new Error(`the hostile harness only targets http://${LOOPBACK}:<port>, not ${baseUrl}`);
  const port = Number(url.port);
  const base = url.pathname.replace(/\/+$/, '');
  const started = Date.now();
  const probe = { method: 'GET', headers: {}, ...(opts.probe ?? { path: '/' }) };
  const headers = opts.headers ?? probe.headers;
  const bodyPath = `${base}${opts.bodyPath ?? '/'}`;
  const limits = {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    maxBodyBytes: 10 * 2 ** 20,
    ...opts.serverLimits,
  };
  const perRequest = opts.requestTimeoutMs ?? limits.requestTimeoutMs + 2_000;
  const total = opts.total ?? 3_000;
  const concurrency = opts.concurrency ?? 32;
  const deadline = started + (opts.deadlineMs ?? 60_000);
  const rand = random(opts.seed ?? 20_261_201);

  const cases: Record<string, CaseSummary> = {};
  const problems = new Map<string, number>();
  let requests = 0;
  let skipped = 0;
  const record = (c: Case, r: RawResult): void => {
    requests += c.count ?? 1;
    const s = cases[c.name] ?? { sent: 0, statuses: {}, timedOut: 0 };
    cases[c.name] = s;
    s.sent += c.count ?? 1;
    const first = finals(r)[0];
    const key = first === undefined ? 'none' : String(first);
    s.statuses[key] = (s.statuses[key] ?? 0) + 1;
    if (r.timedOut) s.timedOut++;
    const problem = c.check(r);
    if (problem) {
      const k = `${c.name}: ${problem}`;
      problems.set(k, (problems.get(k) ?? 0) + 1);
    }
  };
  const runAll = async (list: Case[]): Promise<void> => {
    let next = 0;
    const worker = async () => {
      for (;;) {
        const c = list[next++];
        if (!c) return;
        if (Date.now() > deadline) {
          skipped += c.count ?? 1;
          continue;
        }
        const options = {
          timeoutMs: c.timeoutMs ?? perRequest,
          end: false,
          ...(c.maxBytes ? { maxBytes: c.maxBytes } : {}),
        };
        record(c, await rawExchange(port, c.payload, options));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
  };
  const probeOk = async (): Promise<boolean> => {
    const r = await rawExchange(port, request(probe.method, `${base}${probe.path}`, probe.headers), { end: false });
    const status = finals(r)[0];
    return (
      status !== undefined && (probe.status === undefined ? status >= 200 && status < 300 : status === probe.status)
    );
  };
  if (!(await probeOk())) throw new Error(`the probe ${probe.method} ${base}${probe.path} fails before the barrage`);

  // 1. An oversized body, streamed chunked, and declared lengths over the limit.
  const oversize: OversizeReport = { status: undefined, bytesSent: 0 };
  const rss = opts.rss;
  if (rss) oversize.rssBefore = rss();
  let peak = oversize.rssBefore ?? 0;
  const sampler = rss ? setInterval(() => (peak = Math.max(peak, rss())), 10) : undefined;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const streamed = await rawExchange(
    port,
    async (socket, result) => {
      // Keep-alive, as HTTP clients send it: with `Connection: close` node closes the socket as soon as
      // the answer is written, and the reset that the still-arriving body then causes can destroy the
      // answer before this side reads it.
      const h = { ...headers, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' };
      await write(socket, head('POST', bodyPath, h, '', false));
      for (let sent = 0; sent < (opts.oversizedBytes ?? 24 * 2 ** 20); sent += chunk.length) {
        if (socket.destroyed || result.received > 0) break;
        await write(
          socket,
          Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
        );
      }
    },
    { timeoutMs: perRequest, end: false, responses: 1 },
  );
  if (sampler) clearInterval(sampler);
  oversize.status = finals(streamed)[0];
  oversize.bytesSent = streamed.written;
  if (rss) {
    oversize.rssPeak = Math.max(peak, rss());
    oversize.rssAfter = rss();
  }
  record({ name: 'oversize: chunked body over the limit', payload: '', check: answered([413]) }, streamed);
  const declared = (extra: Record<string, string>) =>
    head('POST', bodyPath, {
      ...headers,
      'Content-Type': 'application/json',
      'Content-Length': String(2 ** 30),
      ...extra,
    });
  await runAll([
    { name: 'oversize: declared 1 GB', payload: declared({}), check: answered([413]) },
    {
      name: 'oversize: declared 1 GB, Expect: 100-continue',
      payload: declared({ Expect: '100-continue' }),
      check: answered([413]),
    },
  ]);

  // 2. Slow connections the server must close by itself.
  const slowClosedAfterMs: Record<string, number> = {};
  const slowLimit = limits.headersTimeoutMs + limits.requestTimeoutMs + 3_000;
  const slow: Array<[string, RawPayload]> = [
    ['headers trickled', (s) => trickle(s, head('GET', `${base}${probe.path}`, headers), 200)],
    [
      'body trickled',
      async (s) => {
        await write(
          s,
          head('POST', bodyPath, { ...headers, 'Content-Type': 'application/json', 'Content-Length': '100000' }),
        );
        await trickle(s, '{"name": "'.padEnd(100_000, 'x'), 200);
      },
    ],
    ['silent connection', async () => {}],
  ];
  const slowRuns = slow.map(async ([name, payload]) => {
    const r = await rawExchange(port, payload, { timeoutMs: slowLimit, end: false });
    slowClosedAfterMs[name] = r.ms;
    record(
      { name: `slow: ${name}`, payload, check: (x) => (x.timedOut ? `still open after ${slowLimit} ms` : undefined) },
      r,
    );
  });

  // 3. The barrage.
  const targets = [
    '/lead/%ff/',
    '/%',
    '/%zz',
    '/lead/%E0%A4%A/',
    '/%c0%af/',
    '/lead/%00/',
    '/lead/%2e%2e/%2e%2e/',
    '/lead/?query=%ff',
    '/lead/?_limit=%ff',
    '/lead/?_limit=99999999999999999999',
    '/lead/lead_%F0%9F%92%A9/',
    `/lead/${'a'.repeat(8_000)}/`,
    `/lead/?query=${'x'.repeat(8_000)}`,
    `/lead/?_fields=${',id'.repeat(2_000)}`,
  ];
  const unparsable = ['//[', 'http://[/', '*', '127.0.0.1:80', 'lead/', '/lead/\u00e9/'];
  const malformed = [
    'GET\r\n\r\n',
    'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
    'G@T / HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nNo-Colon-Here\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n',
    `POST ${bodyPath} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`,
    `POST ${bodyPath} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello`,
    `POST ${bodyPath} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
    `POST ${bodyPath} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`,
    `POST ${bodyPath} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked, identity\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`).join('\r\n')}\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(80_000)}\r\n\r\n`,
    'GET / HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\n\r\n',
    'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
  ];
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const bodies: Array<[string, string, Record<string, string>?]> = [
    ['invalid JSON', '{"name": '],
    ['JSON null', 'null'],
    ['JSON array', '[]'],
    ['JSON string', '"lead"'],
    ['arrays nested 100 000 deep', deep(100_000)],
    ['objects nested 10 000 deep', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
    ['wrong content type', 'name=acme', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['__proto__ keys', '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'],
    ['a 2 MB string under an unknown key', JSON.stringify({ 'no such field': 'x'.repeat(2 * 2 ** 20) })],
  ];
  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD'];
  const list: Case[] = [];
  for (const t of targets)
    for (const m of ['GET', 'POST', 'DELETE'])
      list.push({
        name: `target ${m} ${t.slice(0, 40)}`,
        payload: request(m, `${base}${t}`, headers, m === 'POST' ? '{}' : undefined),
        check: noServerError,
      });
  for (const t of unparsable)
    for (const m of methods.slice(0, 3))
      list.push({
        name: `unparsable target ${JSON.stringify(t)}`,
        payload: `${m} ${t} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        check: noServerError,
      });
  for (const raw of malformed)
    list.push({ name: `malformed HTTP ${JSON.stringify(raw.slice(0, 40))}`, payload: raw, check: noServerError });
  for (const [name, body, extra] of bodies)
    for (const path of [bodyPath, `${base}/data/search/`, `${base}/lead/merge/`])
      list.push({
        name: `body: ${name} to ${path.slice(base.length)}`,
        payload: request('POST', path, { ...headers, ...extra }, body),
        check: answered([400, 404, 405]),
      });
  list.push({
    name: 'body: a search query nested 5 000 deep',
    payload: request('POST', `${base}/data/search/`, headers, `{"query": ${nestedQuery(5_000)}}`),
    check: answered([400]),
  });
  // Pipelining: all answered, in order.
  const pipelined = Array.from({ length: 20 }, () => head('GET', `${base}${probe.path}`, headers, '', false)).join('');
  list.push({
    name: 'pipelining: 20 requests in one write',
    payload: `${pipelined}${head('GET', `${base}${probe.path}`, headers)}`,
    count: 21,
    maxBytes: 64 * 2 ** 20,
    check: (r) => {
      const statuses = pipelinedStatuses(r);
      return statuses.length === 21 && statuses.every((s) => s < 300) ? undefined : `answered ${statuses.join(',')}`;
    },
  });
  // Resets at every stage.
  const full = request('POST', bodyPath, headers, '{"name": "reset"}');
  for (const cut of [5, 20, full.indexOf('\r\n\r\n'), full.length - 3, full.length])
    list.push({
      name: `reset after ${cut} bytes`,
      payload: async (socket) => {
        await write(socket, full.slice(0, cut));
        await sleep(5);
        socket.resetAndDestroy();
      },
      check: () => undefined,
    });
  // Random garbage, alone or after a plausible request line, fills up to `total` with ordinary requests.
  const garbage = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
  let i = 0;
  while (list.length + 300 < total) {
    const kind = i++ % 3;
    list.push(
      kind === 0
        ? {
            name: 'garbage bytes',
            payload: garbage(1 + Math.floor(rand() * 512)),
            check: noServerError,
            timeoutMs: Math.min(perRequest, 3_000),
          }
        : kind === 1
          ? {
              name: 'garbage after a request line',
              payload: Buffer.concat([Buffer.from(`GET ${base}/lead/ HTTP/1.1\r\n`), garbage(64)]),
              check: noServerError,
              timeoutMs: Math.min(perRequest, 3_000),
            }
          : {
              name: `random method ${kind}`,
              payload: request(
                methods[Math.floor(rand() * methods.length)] ?? 'GET',
                `${base}${targets[Math.floor(rand() * targets.length)] ?? '/'}`,
                headers,
              ),
              check: noServerError,
            },
    );
  }
  // A burst of ordinary requests at full concurrency: every one answered normally.
  for (let k = 0; k < 300; k++)
    list.push({
      name: 'burst: ordinary requests',
      payload: request('GET', `${base}${probe.path}`, headers),
      check: answered([probe.status ?? 200]),
    });
  await runAll(list);
  await Promise.all(slowRuns);

  const stillAnswers = await probeOk();
  return {
    requests,
    ms: Date.now() - started,
    cases,
    problems: [...problems].map(([p, n]) => (n > 1 ? `${p} (${n} times)` : p)),
    stillAnswers,
    skipped,
    oversize,
    slowClosedAfterMs,
  };
}

/** An `and` node nested `depth` levels deep, as JSON text (JSON.stringify would recurse that deep). */
function nestedQuery(depth: number): string {
  return `${'{"type": "and", "queries": ['.repeat(depth)}{"type": "match_all"}${']}'.repeat(depth)}`;
}
