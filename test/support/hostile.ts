// A bounded barrage of malformed and hostile requests against one of our local HTTP servers (the mock,
// the docs server, the sandbox), ending with "does it still answer a normal request?".
//
//   const summary = await fireHostileRequests(server.url, { probe: { path: '/lead/', headers: AUTH } });
//   expect(summary.problems).toEqual([]);
//
// Loopback only: the base URL must be http://127.0.0.1:<port>[/base/path]. Everything is bounded: a
// few thousand requests (`total`), at most `concurrency` connections at a time, each destroyed after
// `requestTimeoutMs`, no new request after `deadlineMs`. Raw TCP sockets (test/support/raw-http.ts)
// carry what an HTTP client would refuse to send.
//
// What it sends, in phases, with a probe after each phase (so a failure names the phase that broke it):
//   oversize   a body over the limit streamed chunked (default 40 MB in 64 KB chunks, stopping when the
//              answer comes), with the server's RSS sampled throughout when `rss` is given (growing by
//              three quarters of the body or more means it was held in memory); the same
//              with a declared Content-Length; declared 1 GB lengths (plain, with Expect: 100-continue)
//   targets    malformed percent-encoding (/lead/%ff/, /%, overlong UTF-8, ...) and targets that do
//              not parse (//[, http://[/, *, authority-form) with several methods: 400 or 404 {"error"}
//   http       malformed request lines and headers (bad methods, versions, header names and values,
//              conflicting or invalid Content-Length / Transfer-Encoding, bad chunks, missing Host,
//              CONNECT, upgrades), URLs of 8 KB to 100 KB, header floods (many headers, one huge one)
//   bodies     invalid JSON, wrong content types, JSON nested 100 000 deep, odd Prefer/Accept/
//              Authorization headers
//   garbage    random bytes (seeded), alone or after a plausible request line; alongside, the slow
//              cases: headers and bodies trickled a byte at a time and a connection that sends nothing,
//              each of which the server must close by itself within its own timeouts
//   pipelining many requests in one write (all must be answered, in order), some with a malformed one
//              in the middle; abrupt resets at every stage (before the head is complete, mid-body,
//              right after the request, while the answer is being written)
//   burst      a few hundred ordinary requests at full concurrency: every one answered normally
import { LOOPBACK, type RawPayload, type RawResult, rawExchange, sleep, trickle, write } from './raw-http.js';

/**
 * The phases, in the order they run: `garbage` includes the slow (trickling, silent) connections and
 * `pipelining` the resets. `http` and `garbage` leave some connections open for the server to time out,
 * so they want a server with short timeouts (`serverLimits`).
 */
export const PHASES = ['oversize', 'targets', 'http', 'bodies', 'garbage', 'pipelining', 'burst'] as const;
export type Phase = (typeof PHASES)[number];

export interface HostileOptions {
  /** Run only these phases (default: all of PHASES). */
  phases?: readonly Phase[];
  /** The normal request that must work before, between and after the phases. Default `GET /`, any 2xx. */
  probe?: { method?: string; path: string; headers?: Record<string, string>; status?: number };
  /** Headers for the well-formed requests (e.g. Authorization). Default: the probe's. */
  headers?: Record<string, string>;
  /** Where the body cases POST (relative to the base URL). Default `/`. */
  bodyPath?: string;
  /** Statuses accepted for a body over the limit. Default [413] (a server that takes no POST may say 405). */
  oversizedStatuses?: number[];
  /** The server's limits, so the slow cases know how long to wait. Default: http-guard's defaults. */
  serverLimits?: { headersTimeoutMs?: number; requestTimeoutMs?: number; maxBodyBytes?: number };
  /**
   * Size of the streamed oversized bodies. Default 40 MB: four times the 10 MB limit, so that a server
   * holding at most the limit (RSS + ~15 MB) and one buffering the body (RSS + ~40 MB) are far apart.
   */
  oversizedBytes?: number;
  /** The server's resident memory in bytes (in-process: `() => process.memoryUsage().rss`). */
  rss?: () => number;
  /** Roughly how many requests in all. Default 3000. */
  total?: number;
  /** Connections at a time. Default 32. */
  concurrency?: number;
  /** Each connection is destroyed after this long. Default: the server's request timeout + 2 s. */
  requestTimeoutMs?: number;
  /** No new request is started after this long (the rest are counted as skipped). Default 60 s. */
  deadlineMs?: number;
  /** Seed of the random garbage. */
  seed?: number;
}

export interface CaseSummary {
  sent: number;
  /** Final statuses seen (1xx left out), by code; `none` when the connection closed without an answer. */
  statuses: Record<string, number>;
  /** Our timeout hit before the server closed or answered. */
  timedOut: number;
  /** Socket errors on our side (ECONNRESET after a refusal is normal; ECONNREFUSED is not). */
  errors: Record<string, number>;
}

export interface OversizeReport {
  /** What the server answered the streamed chunked body with. */
  status: number | undefined;
  /** Bytes we had written when the answer came (the server's limit plus what sat in socket buffers). */
  bytesSent: number;
  rssBefore?: number;
  /** Highest RSS sampled (every 10 ms) while streaming and just after. */
  rssPeak?: number;
  rssAfter?: number;
}

export interface Summary {
  /** Requests sent (pipelined requests count one each). */
  requests: number;
  ms: number;
  cases: Record<string, CaseSummary>;
  /** Each distinct problem found, with how often and one example; empty when the server held up. */
  problems: string[];
  /** The probe worked after the last phase. */
  stillAnswers: boolean;
  /** Requests not started because the deadline passed. */
  skipped: number;
  oversize: OversizeReport;
  /** How long the server took to close each slow (trickling or silent) connection, ms. */
  slowClosedAfterMs: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------

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

type Check = (r: RawResult) => string | undefined;

interface Case {
  name: string;
  payload: RawPayload;
  /** Requests this case carries (pipelining). */
  count?: number;
  check?: Check;
  /** Half-close after writing: the server sees the end of the input (default: no, like real clients). */
  end?: boolean;
  timeoutMs?: number;
}

const finals = (r: RawResult) => r.statuses.filter((s) => s >= 200);
const bodyOf = (r: RawResult) => r.text.slice(r.text.indexOf('\r\n\r\n') + 4);

/** No 5xx, and the server answered or closed (it did not leave us waiting). */
const noServerError: Check = (r) => {
  const bad = finals(r).find((s) => s >= 500);
  if (bad) return `answered ${bad}`;
  if (r.timedOut && finals(r).length === 0) return 'neither answered nor closed the connection in time';
  if (r.error === 'ECONNREFUSED') return 'connection refused (is the server down?)';
  return undefined;
};

/** Answered with one of `statuses` (the first final answer). */
const answered =
  (statuses: number[], closeShaped = false): Check =>
  (r) => {
    const base = noServerError(r);
    if (base) return base;
    const first = finals(r)[0];
    if (first === undefined || !statuses.includes(first))
      return `answered ${first ?? 'nothing'}, expected ${statuses.join(' or ')}`;
    if (closeShaped && !/^HEAD /.test(r.text)) {
      try {
        const json: unknown = JSON.parse(bodyOf(r));
        if (typeof (json as { error?: unknown }).error !== 'string')
          return `body is not {"error": "..."}: ${bodyOf(r)}`;
      } catch {
        return `body is not JSON: ${bodyOf(r).slice(0, 80)}`;
      }
    }
    return undefined;
  };

// ---------------------------------------------------------------------------------------------

const mbOrUnknown = (n: number | undefined): string => (n === undefined ? '?' : `${(n / 2 ** 20).toFixed(0)} MB`);

/** One line for a test's output: how many requests, what the oversized body got, memory, slow-connection closes. */
export function summaryLine(label: string, summary: Summary): string {
  const { oversize } = summary;
  return (
    `${label}: ${summary.requests} requests in ${summary.ms} ms; oversized body: ${oversize.status} after ` +
    `${(oversize.bytesSent / 2 ** 20).toFixed(1)} MB sent, RSS ${mbOrUnknown(oversize.rssBefore)} -> peak ` +
    `${mbOrUnknown(oversize.rssPeak)} -> ${mbOrUnknown(oversize.rssAfter)}; slow connections closed after ` +
    JSON.stringify(summary.slowClosedAfterMs)
  );
}

/**
 * Fires the barrage at `baseUrl` (http://127.0.0.1:<port>, optionally with a base path such as /api/v1)
 * and reports what happened. Never throws for what the server does; rejects only for a base URL that is
 * not on 127.0.0.1.
 */
export async function fireHostileRequests(baseUrl: string, opts: HostileOptions = {}): Promise<Summary> {
  const base = new URL(baseUrl);
  if (base.protocol !== 'http:' || base.hostname !== LOOPBACK || !base.port)
    throw new Error(`fireHostileRequests is for http://${LOOPBACK}:<port> only, not ${baseUrl}`);
  const port = Number(base.port);
  const prefix = base.pathname.replace(/\/+$/, '');
  const started = Date.now();
  const limits = {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    maxBodyBytes: 10 * 1024 * 1024,
    ...opts.serverLimits,
  };
  const timeoutMs = opts.requestTimeoutMs ?? limits.requestTimeoutMs + 2_000;
  const deadline = started + (opts.deadlineMs ?? 60_000);
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? 32, 256));
  const total = Math.max(500, Math.min(opts.total ?? 3000, 20_000));
  const rand = random(opts.seed ?? 0x5eed);
  const probe = { method: 'GET', headers: {}, ...(opts.probe ?? { path: '/' }) };
  const headers = opts.headers ?? probe.headers;
  const bodyPath = prefix + (opts.bodyPath ?? '/');
  const oversizedStatuses = opts.oversizedStatuses ?? [413];
  const headerLines = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  /** A well-formed request head (Connection: close unless `keepAlive`). */
  const head = (method: string, target: string, extra = '', keepAlive = false) =>
    `${method} ${target} HTTP/1.1\r\nHost: ${LOOPBACK}:${port}\r\n${headerLines}${extra}${keepAlive ? '' : 'Connection: close\r\n'}\r\n`;
  const probeRequest = (keepAlive = false) =>
    `${probe.method} ${prefix}${probe.path} HTTP/1.1\r\nHost: ${LOOPBACK}:${port}\r\n${Object.entries(probe.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}${keepAlive ? '' : 'Connection: close\r\n'}\r\n`;
  const probeOk = (status: number | undefined) =>
    status !== undefined && (probe.status !== undefined ? status === probe.status : status >= 200 && status < 300);

  const summary: Summary = {
    requests: 0,
    ms: 0,
    cases: {},
    problems: [],
    stillAnswers: false,
    skipped: 0,
    oversize: { status: undefined, bytesSent: 0 },
    slowClosedAfterMs: {},
  };
  const problems = new Map<string, { count: number; example: string }>();
  const problem = (key: string, example: string) => {
    const p = problems.get(key);
    if (p) p.count++;
    else problems.set(key, { count: 1, example });
  };
  const record = (c: Case, r: RawResult) => {
    const group = c.name.split(':')[0] ?? c.name;
    summary.cases[group] ??= { sent: 0, statuses: {}, timedOut: 0, errors: {} };
    const s = summary.cases[group];
    s.sent += c.count ?? 1;
    summary.requests += c.count ?? 1;
    const seen = finals(r);
    if (seen.length === 0) s.statuses.none = (s.statuses.none ?? 0) + 1;
    for (const st of seen) s.statuses[st] = (s.statuses[st] ?? 0) + 1;
    if (r.timedOut) s.timedOut++;
    if (r.error) s.errors[r.error] = (s.errors[r.error] ?? 0) + 1;
    const why = c.check?.(r);
    if (why) problem(`${c.name}: ${why}`, r.text.split('\r\n')[0] ?? '');
  };
  const run = async (c: Case) => {
    const r = await rawExchange(port, c.payload, { timeoutMs: c.timeoutMs ?? timeoutMs, end: c.end === true });
    record(c, r);
    return r;
  };
  /** Runs cases `concurrency` at a time; none starts after the deadline. */
  const pool = async (cases: Case[], width = concurrency) => {
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++];
        if (!c) break;
        if (Date.now() > deadline) {
          summary.skipped += c.count ?? 1;
          continue;
        }
        await run(c);
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, cases.length) }, worker));
  };
  /** The probe; a failure is a problem named after the phase before it. Returns whether it worked. */
  const checkAlive = async (after: string): Promise<boolean> => {
    const r = await rawExchange(port, probeRequest(), { timeoutMs: 10_000 });
    summary.requests++;
    const ok = probeOk(finals(r)[0]);
    if (!ok)
      problem(
        `after ${after}: the server no longer answers the probe`,
        `${r.statuses.join(',') || 'no answer'} ${r.error ?? ''}`,
      );
    return ok;
  };

  const phases: [Phase, () => Promise<void>][] = [
    ['oversize', () => oversize()],
    ['targets', () => pool(targetCases())],
    ['http', () => pool(httpCases())],
    ['bodies', () => pool(bodyCases())],
    ['garbage', async () => void (await Promise.all([pool(garbageCases()), slowCases()]))],
    ['pipelining', () => pool([...pipelineCases(), ...resetCases()])],
    ['burst', () => pool(burstCases(), Math.max(concurrency, 64))],
  ];
  const selected = new Set<Phase>(opts.phases ?? PHASES);

  // ----- phases -------------------------------------------------------------------------------

  async function oversize(): Promise<void> {
    const size = opts.oversizedBytes ?? 40 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const report = summary.oversize;
    const sample = () => {
      if (!opts.rss) return;
      const now = opts.rss();
      report.rssPeak = Math.max(report.rssPeak ?? 0, now);
    };
    if (opts.rss) report.rssBefore = opts.rss();
    const timer = setInterval(sample, 10);
    try {
      const streamed = await run({
        name: 'oversize: chunked body streamed past the limit',
        end: false,
        check: answered(oversizedStatuses),
        payload: async (socket, result) => {
          await write(
            socket,
            head('POST', bodyPath, 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n'),
          );
          let sent = 0;
          while (sent < size && result.received === 0 && !socket.destroyed && socket.writable) {
            await write(socket, frame);
            sent += chunk.length;
          }
          report.bytesSent = sent;
          // Wait for the answer (or the close) before the exchange ends.
          for (let i = 0; i < 200 && result.received === 0 && !socket.destroyed; i++) await sleep(10);
        },
      });
      report.status = finals(streamed)[0];
      sample();
      await sleep(100);
      sample();
      if (opts.rss) report.rssAfter = opts.rss();
      const { rssBefore, rssPeak } = report;
      if (rssBefore !== undefined && rssPeak !== undefined && rssPeak - rssBefore >= 0.75 * size)
        problem(
          'oversize: the server’s memory grew by (most of) the whole oversized body',
          `RSS ${mb(rssBefore)} -> peak ${mb(rssPeak)} for ${mb(report.bytesSent)} sent`,
        );
      if (report.bytesSent >= size && report.status === undefined)
        problem('oversize: the whole oversized body was taken without an answer', `${mb(report.bytesSent)} sent`);
    } finally {
      clearInterval(timer);
    }
    await pool([
      {
        name: 'oversize: declared Content-Length over the limit, body streamed',
        end: false,
        check: answered(oversizedStatuses),
        payload: async (socket, result) => {
          await write(socket, head('POST', bodyPath, `Content-Type: application/json\r\nContent-Length: ${size}\r\n`));
          for (let sent = 0; sent < size && result.received === 0 && !socket.destroyed; sent += chunk.length)
            await write(socket, chunk);
          for (let i = 0; i < 200 && result.received === 0 && !socket.destroyed; i++) await sleep(10);
        },
      },
      ...[
        'Content-Length: 1073741824\r\n',
        'Content-Length: 1073741824\r\nExpect: 100-continue\r\n',
        `Content-Length: ${limits.maxBodyBytes + 1}\r\n`,
      ].map(
        (extra): Case => ({
          name: `oversize: declared ${extra.trim().replace(/\r\n/g, ', ')} without a body`,
          end: false,
          check: answered(oversizedStatuses),
          payload: async (socket, result) => {
            await write(socket, head('POST', bodyPath, `Content-Type: application/json\r\n${extra}`));
            for (let i = 0; i < 300 && result.received === 0 && !socket.destroyed; i++) await sleep(10);
          },
        }),
      ),
    ]);
  }

  function targetCases(): Case[] {
    const malformed = [
      '/lead/%ff/',
      '/lead/%FF%FE/',
      '/%',
      '/%%',
      '/lead/%',
      '/lead/%zz/',
      '/lead/%E0%A4%A/',
      '/lead/%c0%af/',
      '/lead/%ed%a0%80/',
      '/lead/%f8%88%80%80%80/',
      '/%ff?x=%ff',
      '/lead/%ff/?_limit=1',
      '/lead/lead_%ff/activity/',
      '/%2',
      '/%u0041',
    ];
    const unparsable = [
      '//[',
      '//[::1',
      '//a:b@[/',
      'http://[/',
      '*',
      'example.com:443',
      '//',
      '///',
      '//lead/',
      '//%ff',
    ];
    const cases: Case[] = [];
    for (const method of ['GET', 'POST', 'DELETE', 'HEAD', 'PUT', 'PATCH']) {
      for (const t of malformed) {
        for (const target of prefix ? [t, prefix + t] : [t])
          cases.push({
            name: `targets: ${method} ${target}`,
            payload: head(method, target, method === 'POST' ? 'Content-Length: 0\r\n' : ''),
            check: answered([400, 404], method !== 'HEAD'),
          });
      }
      for (const target of unparsable)
        cases.push({
          name: `targets: ${method} ${target}`,
          payload: head(method, target),
          check: method === 'GET' ? answered([400, 404, 405], true) : noServerError,
        });
    }
    return cases;
  }

  function httpCases(): Case[] {
    const host = `Host: ${LOOPBACK}\r\n`;
    const raw = [
      'GET\r\n\r\n',
      'GET /\r\n\r\n',
      `GET / HTTP/9.9\r\n${host}\r\n`,
      `GET / HTTP/1.1 extra\r\n${host}\r\n`,
      `G@T / HTTP/1.1\r\n${host}\r\n`,
      `get / HTTP/1.1\r\n${host}\r\n`,
      `${'A'.repeat(5000)} / HTTP/1.1\r\n${host}\r\n`,
      `GET  /  HTTP/1.1\r\n${host}\r\n`,
      'GET / HTTP/1.1\r\n\r\n', // no Host
      `GET / HTTP/1.1\r\n${host}${host}\r\n`,
      'GET / HTTP/1.0\r\n\r\n',
      `GET / HTTP/1.1\r\n${host}NoColon\r\n\r\n`,
      `GET / HTTP/1.1\r\n${host}Bad Name: x\r\n\r\n`,
      `GET / HTTP/1.1\r\n${host}X-Space : x\r\n\r\n`,
      `GET / HTTP/1.1\r\n${host}X-Fold: a\r\n b\r\n\r\n`,
      `GET / HTTP/1.1\r\n${host}X-Nul: a\u0000b\r\n\r\n`,
      `GET / HTTP/1.1\r\n${host}X-Ctl: a\u0001\u007fb\r\n\r\n`,
      `GET / HTTP/1.1\r\n${host}X-Latin: \u00ff\u00fe\r\n\r\n`,
      `GET / HTTP/1.1\n${host.replace('\r\n', '\n')}\n`,
      `GET / HTTP/1.1\r${host.replace('\r\n', '\r')}\r`,
      `POST / HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n`,
      `POST / HTTP/1.1\r\n${host}Content-Length: abc\r\n\r\n`,
      `POST / HTTP/1.1\r\n${host}Content-Length: 99999999999999999999999\r\n\r\n`,
      `POST / HTTP/1.1\r\n${host}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello`,
      `POST / HTTP/1.1\r\n${host}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `POST / HTTP/1.1\r\n${host}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
      `POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n`,
      `POST / HTTP/1.1\r\n${host}Transfer-Encoding: identity\r\n\r\n`,
      `POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
      `POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nhello\r\n`,
      `POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n5;${'e'.repeat(20_000)}\r\nhello\r\n0\r\n\r\n`,
      `POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: ${'t'.repeat(20_000)}\r\n\r\n`,
      `POST / HTTP/1.1\r\n${host}Content-Length: 2\r\n\r\nabcdef GARBAGE\r\n\r\n`,
      `CONNECT ${LOOPBACK}:22 HTTP/1.1\r\n${host}\r\n`,
      `GET / HTTP/1.1\r\n${host}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      `GET / HTTP/1.1\r\n${host}Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`,
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      `BREW / HTTP/1.1\r\n${host}\r\n`,
      `PROPFIND / HTTP/1.1\r\n${host}\r\n`,
      `TRACE / HTTP/1.1\r\n${host}\r\n`,
      `OPTIONS * HTTP/1.1\r\n${host}\r\n`,
      `OPTIONS * HTTP/1.1\r\n${host}Origin: http://x\r\nAccess-Control-Request-Method: GET\r\n\r\n`,
      `OPTIONS ${prefix}/ HTTP/1.1\r\n${host}Origin: http://x\r\nAccess-Control-Request-Method: DELETE\r\nAccess-Control-Request-Headers: ${'x-a,'.repeat(5000)}\r\n\r\n`,
      `GET ${prefix}/ HTTP/1.1\r\n${host}Expect: something-odd\r\n\r\n`,
    ];
    // Each once with the input ended after it (the server sees EOF) and once left open (it must time out).
    const cases: Case[] = raw.flatMap((payload, i) => [
      { name: `http: malformed #${i}`, payload, check: noServerError },
      { name: `http: malformed #${i}, then end of input`, payload, check: noServerError, end: true },
    ]);
    // Very long URLs: the first fits node's 16 KB head limit, the rest do not (431, or 400/414).
    for (const n of [8_000, 15_000, 20_000, 100_000])
      cases.push({
        name: `http: URL of ${n} bytes`,
        payload: head('GET', `${prefix}/lead/${'a'.repeat(n)}/`),
        check: n > 16_000 ? answered([400, 414, 431]) : noServerError,
      });
    cases.push({
      name: 'http: query of 15000 bytes',
      payload: head('GET', `${prefix}/lead/?${'a=1&'.repeat(3_750)}`),
      check: noServerError,
    });
    // Header floods.
    const many = (n: number, line: string) => line.repeat(n);
    cases.push(
      {
        name: 'http: 1900 small headers',
        payload: head('GET', `${prefix}/`, many(1_900, 'a:b\r\n')),
        check: noServerError,
      },
      {
        name: 'http: 5000 headers',
        payload: head('GET', `${prefix}/`, many(5_000, 'X-H: v\r\n')),
        check: answered([400, 431]),
      },
      {
        name: 'http: one 64 KB header',
        payload: head('GET', `${prefix}/`, `X-Big: ${'b'.repeat(65_536)}\r\n`),
        check: answered([400, 431]),
      },
      {
        name: 'http: 1 MB of headers',
        payload: head('GET', `${prefix}/`, many(20_000, `X-${'h'.repeat(40)}: v\r\n`)),
        check: answered([400, 431]),
      },
    );
    return cases;
  }

  function bodyCases(): Case[] {
    const post = (name: string, body: string | Buffer, contentType: string | undefined, extra = ''): Case => {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const ct = contentType === undefined ? '' : `Content-Type: ${contentType}\r\n`;
      return {
        name: `bodies: ${name}`,
        payload: Buffer.concat([
          Buffer.from(head('POST', bodyPath, `${ct}Content-Length: ${bytes.length}\r\n${extra}`)),
          bytes,
        ]),
        check: noServerError,
      };
    };
    const json = 'application/json';
    const cases: Case[] = [
      post('empty', '', json),
      post('{', '{', json),
      post('{"a":', '{"a":', json),
      post('trailing comma', '{"name": "x",}', json),
      post('single quotes', "{'name': 'x'}", json),
      post('NaN', '{"n": NaN}', json),
      post('huge number', '{"n": 1e999999}', json),
      post('null', 'null', json),
      post('array', '[]', json),
      post('string', '"name"', json),
      post('number', '42', json),
      post('duplicate keys', '{"name": "a", "name": "b"}', json),
      post('lone surrogate', '{"name": "\\ud800"}', json),
      post('BOM', '\ufeff{"name": "x"}', json),
      post('UTF-16', Buffer.from('{"name": "x"}', 'utf16le'), 'application/json; charset=utf-16'),
      post('invalid UTF-8', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), json),
      post('__proto__', '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}', json),
      post('10 000 keys', `{${Array.from({ length: 10_000 }, (_, i) => `"k${i}": ${i}`).join(',')}}`, json),
      post('long string', `{"name": "${'x'.repeat(1_000_000)}"}`, json),
      post('nested arrays 100 000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, json),
      post('nested objects 50 000 deep', `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`, json),
      post('unclosed nesting', '['.repeat(200_000), json),
      post('text/plain', 'name=x', 'text/plain'),
      post('xml', '<lead><name>x</name></lead>', 'application/xml'),
      post('form', 'name=x&contacts=1', 'application/x-www-form-urlencoded'),
      post(
        'multipart',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
        'multipart/form-data; boundary=x',
      ),
      post('multipart without boundary', 'garbage', 'multipart/form-data'),
      post('no content type', '{"name": "x"}', undefined),
      post('bogus content type', '{"name": "x"}', ';;;/;'),
      post('bogus charset', '{"name": "x"}', 'application/json; charset=klingon'),
      post('json with gzip encoding', '{"name": "x"}', json, 'Content-Encoding: gzip\r\n'),
      post('vendor json', '{"name": "x"}', 'application/vnd.api+json'),
    ];
    const odd = [
      'Prefer: code=abc',
      'Prefer: code=',
      'Prefer: code=999',
      'Prefer: code=-1',
      'Prefer: example=%ff',
      'Prefer: example=does-not-exist',
      'Prefer: dynamic=true',
      'Prefer: dynamic=true, code=200',
      'Prefer: ,,,,;;;==',
      `Prefer: ${'x'.repeat(8_000)}`,
      'Accept: application/xml',
      'Accept: */*;q=abc',
      'Accept: text/html;q=0, application/json;q=0',
      'Accept-Encoding: gzip;q=nope',
      'Authorization: Basic %%%',
      'Authorization: Basic Og==',
      `Authorization: Basic ${'A'.repeat(8_000)}`,
      'Authorization: Bearer',
      'Authorization: Negotiate abc',
      'Authorization: Basic \u00ff\u00fe',
      'Content-Type: application/json; charset=\u00ff',
      'Range: bytes=0-0,1-1,2-2',
      'If-None-Match: *',
      'Cookie: a=b',
      'X-HTTP-Method-Override: DELETE',
    ];
    for (const [i, line] of odd.entries()) {
      const extra = `${line}\r\n`;
      // These replace the usual headers where they clash (Authorization).
      const name = line.split(':')[0]?.toLowerCase();
      const own = Object.entries(headers)
        .filter(([k]) => k.toLowerCase() !== name)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      cases.push({
        name: `bodies: odd header #${i} (${line.slice(0, 40)})`,
        payload: `GET ${prefix}${probe.path} HTTP/1.1\r\nHost: ${LOOPBACK}\r\n${own}${extra}Connection: close\r\n\r\n`,
        check: noServerError,
      });
    }
    return cases;
  }

  function garbageCases(): Case[] {
    const n = Math.max(200, total - 1_600);
    const cases: Case[] = [];
    for (let i = 0; i < n; i++) {
      const len = 1 + Math.floor(rand() ** 3 * 4_096);
      const bytes = Buffer.alloc(len);
      for (let j = 0; j < len; j++) bytes[j] = Math.floor(rand() * 256);
      const kind = i % 4;
      // Some plain noise, some noise after a plausible start, so it gets past the request line.
      const payload =
        kind === 0
          ? bytes
          : kind === 1
            ? Buffer.concat([Buffer.from(`GET ${prefix}/`), bytes])
            : kind === 2
              ? Buffer.concat([Buffer.from(`POST ${prefix}/ HTTP/1.1\r\nHost: x\r\n`), bytes])
              : Buffer.concat([
                  Buffer.from(head('POST', bodyPath, 'Content-Type: application/json\r\n', true).replace(/\r\n$/, '')),
                  bytes,
                ]);
      // Half of them end the input after the noise (the server answers or closes at once); the others
      // leave the connection open, so an incomplete request has to be timed out by the server.
      cases.push({ name: `garbage: random bytes (kind ${kind})`, payload, check: noServerError, end: i % 2 === 0 });
    }
    return cases;
  }

  /** Trickled heads and bodies and a silent connection: the server must close each within its own timeouts. */
  async function slowCases(): Promise<void> {
    const slack = 2_500;
    const stopAt = (ms: number) => {
      const until = Date.now() + ms;
      return () => Date.now() > until;
    };
    const within =
      (ms: number, label: string): Check =>
      (r) => {
        summary.slowClosedAfterMs[label] = Math.max(summary.slowClosedAfterMs[label] ?? 0, r.ms);
        if (!r.closedByServer) return `the server did not close it within ${ms} ms`;
        // 408 when the timeout struck; a server that refuses the request early (405, 413) may say so.
        const bad = finals(r).find((s) => s < 400 || s >= 500);
        if (bad !== undefined) return `answered ${bad}, expected 408 (or another 4xx) and a close`;
        return undefined;
      };
    const headLimit = limits.headersTimeoutMs + slack;
    const reqLimit = limits.requestTimeoutMs + slack;
    const longHead = `GET ${prefix}/ HTTP/1.1\r\nHost: ${LOOPBACK}\r\n${'X-Slow: z\r\n'.repeat(10_000)}\r\n`;
    const slow: Case[] = [
      {
        name: 'slow: headers trickled a byte every 50 ms',
        end: false,
        timeoutMs: headLimit + 1_000,
        check: within(headLimit, 'headers trickled'),
        payload: (socket) => trickle(socket, longHead, 50, stopAt(headLimit + 500)),
      },
      {
        name: 'slow: headers trickled 5 bytes every 200 ms',
        end: false,
        timeoutMs: headLimit + 1_000,
        check: within(headLimit, 'headers trickled in bursts'),
        payload: (socket) => trickle(socket, longHead, 200, stopAt(headLimit + 500), 5),
      },
      {
        name: 'slow: connection that sends nothing',
        end: false,
        timeoutMs: headLimit + 1_000,
        check: within(headLimit, 'silent connection'),
        payload: () => undefined,
      },
      {
        name: 'slow: request line only, then silence',
        end: false,
        timeoutMs: headLimit + 1_000,
        check: within(headLimit, 'request line then silence'),
        payload: (socket) => write(socket, `GET ${prefix}/ HTTP/1.1\r\n`),
      },
      {
        name: 'slow: declared body trickled a byte every 50 ms',
        end: false,
        timeoutMs: reqLimit + 1_000,
        check: within(reqLimit, 'declared body trickled'),
        payload: async (socket) => {
          await write(
            socket,
            head('POST', bodyPath, 'Content-Type: application/json\r\nContent-Length: 100000\r\n', true),
          );
          await trickle(socket, ' '.repeat(100_000), 50, stopAt(reqLimit + 500));
        },
      },
      {
        name: 'slow: chunked body trickled a chunk every 100 ms',
        end: false,
        timeoutMs: reqLimit + 1_000,
        check: within(reqLimit, 'chunked body trickled'),
        payload: async (socket) => {
          await write(
            socket,
            head('POST', bodyPath, 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n', true),
          );
          await trickle(socket, '1\r\n \r\n'.repeat(10_000), 100, stopAt(reqLimit + 500), 6);
        },
      },
      {
        name: 'slow: declared body never sent',
        end: false,
        timeoutMs: reqLimit + 1_000,
        check: within(reqLimit, 'declared body never sent'),
        payload: (socket) =>
          write(socket, head('POST', bodyPath, 'Content-Type: application/json\r\nContent-Length: 10\r\n', true)),
      },
    ];
    // A few of each at once.
    await pool([...slow, ...slow, ...slow], slow.length * 3);
  }

  function pipelineCases(): Case[] {
    const cases: Case[] = [];
    for (let i = 0; i < 20; i++) {
      const n = 20;
      const requests = Array.from({ length: n }, (_, j) => (j === n - 1 ? probeRequest() : probeRequest(true))).join(
        '',
      );
      cases.push({
        name: 'pipelining: 20 requests in one write',
        count: n,
        payload: requests,
        check: (r) => {
          const base = noServerError(r);
          if (base) return base;
          const got = finals(r);
          if (got.length !== n) return `${got.length} of ${n} pipelined requests answered`;
          if (!got.every(probeOk)) return `answered ${got.join(',')}`;
          return undefined;
        },
      });
    }
    for (let i = 0; i < 5; i++) {
      cases.push({
        name: 'pipelining: a malformed request between good ones',
        count: 3,
        payload: `${probeRequest(true)}GET /lead/%ff/ HTTP/1.1\r\nHost: x\r\n\r\n\u0000\u0001 nonsense\r\n\r\n${probeRequest()}`,
        check: (r) => {
          const base = noServerError(r);
          if (base) return base;
          // The first answer, if any, must be the good request's: an error written in its place would
          // be read as its answer. (Closing without answering is fair: the client retries.)
          const first = finals(r)[0];
          if (first !== undefined && !probeOk(first)) return `first (good) request answered ${first}`;
          return undefined;
        },
      });
    }
    return cases;
  }

  function resetCases(): Case[] {
    const stages: [string, (socket: import('node:net').Socket) => Promise<void>][] = [
      ['after half a request line', async (s) => void (await write(s, 'GET /le'))],
      ['after half the headers', async (s) => void (await write(s, head('GET', `${prefix}/`, '', true).slice(0, 30)))],
      [
        'mid-body',
        async (s) =>
          void (await write(
            s,
            `${head('POST', bodyPath, 'Content-Type: application/json\r\nContent-Length: 1000\r\n', true)}{"name":`,
          )),
      ],
      ['right after a request', async (s) => void (await write(s, probeRequest(true)))],
      [
        'while the answer is being written',
        async (s) => {
          await write(s, probeRequest(true).repeat(10));
          await sleep(2);
        },
      ],
    ];
    const cases: Case[] = [];
    for (let i = 0; i < 100; i++) {
      const [label, act] = stages[i % stages.length] as (typeof stages)[number];
      cases.push({
        name: `resets: ${label}`,
        end: false,
        timeoutMs: 2_000,
        payload: async (socket) => {
          await act(socket);
          if (i % 2 === 0) socket.resetAndDestroy();
          else socket.destroy();
        },
      });
    }
    return cases;
  }

  function burstCases(): Case[] {
    return Array.from(
      { length: 600 },
      (): Case => ({
        name: 'burst: ordinary requests at full concurrency',
        payload: probeRequest(),
        check: (r) => {
          const base = noServerError(r);
          if (base) return base;
          const got = finals(r)[0];
          return probeOk(got) ? undefined : `answered ${got ?? 'nothing'}`;
        },
      }),
    );
  }

  // ----- run ----------------------------------------------------------------------------------

  let alive = await checkAlive('nothing (before the first phase)');
  for (const [name, phase] of phases) {
    if (!alive) break;
    if (!selected.has(name)) continue;
    await phase();
    alive = await checkAlive(name);
  }
  summary.stillAnswers = alive && (await checkAlive('everything'));
  summary.ms = Date.now() - started;
  summary.problems = [...problems].map(([key, p]) => `${key} (${p.count}x; e.g. ${JSON.stringify(p.example)})`);
  return summary;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
