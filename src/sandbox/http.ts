// The sandbox's HTTP layer (node:http): routing from the generated operation list at both `/api/v1/…`
// (Close's base path) and `/…`, credentials, the rate limit with its `RateLimit` header on every
// answer, 429s with `Retry-After` (when a key's window is spent, and every n-th request with
// `failEvery`), CORS, request validation (validate.ts), and the guards of src/lib/http-guard.ts (request
// timeouts, a 10 MB body limit enforced while streaming, unparsable URLs answered 400). No request can
// stop the server: whatever a handler throws becomes an answer.
import http from 'node:http';
import {
  BodyTooLargeError,
  CORS_EXPOSED_HEADERS,
  cors,
  declaredLength,
  type GuardLimits,
  hardenServer,
  parseRequestTarget,
  RequestAbortedError,
  type RequestTarget,
  readBody,
  resolveLimits,
  sendError,
  serverOptions,
} from '../lib/http-guard.js';
import { HttpError, requestError, UNAUTHORIZED } from './errors.js';
import { type Ctx, extraRoutes, handlers, JsonBody, QueryValues, type Result } from './handlers/index.js';
import { randomHex, type Store } from './store.js';
import { type CompiledOperation, compiledOperations, validateBody, validatePath, validateQuery } from './validate.js';

export interface RateLimitOptions {
  /** Requests allowed per window and API key. */
  requests: number;
  /** Length of the window in seconds. */
  seconds: number;
}

/** A fixed window per API key (requests without credentials share one window). */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(readonly options: RateLimitOptions) {}

  /** Counts one request of `key`: whether it is over the limit, and the numbers for the `RateLimit` header. */
  hit(key: string, now = Date.now()): { limited: boolean; remaining: number; reset: number } {
    const windowMs = this.options.seconds * 1000;
    let w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      if (this.windows.size > 10_000) this.prune(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return {
      limited: w.count > this.options.requests,
      remaining: Math.max(0, this.options.requests - w.count),
      reset: Math.max(0, (w.start + windowMs - now) / 1000),
    };
  }

  clear(): void {
    this.windows.clear();
  }

  private prune(now: number): void {
    const windowMs = this.options.seconds * 1000;
    for (const [k, w] of this.windows) if (now - w.start >= windowMs) this.windows.delete(k);
  }
}

export interface HttpAppOptions {
  /** The current store (reset() replaces it). */
  store: () => Store;
  rateLimit: RateLimitOptions;
  /** Every n-th authenticated API request is answered 429 without being processed; 0 = never. */
  failEvery: number;
  log?: ((line: string) => void) | undefined;
  limits?: Partial<GuardLimits>;
}

/** Requests and 429s answered, for logs and tests. */
export interface HttpStats {
  requests: number;
  rateLimited: number;
}

/** The API key of a request: the user name of HTTP Basic credentials, or a Bearer token; null without. */
export function credentials(req: http.IncomingMessage): string | null {
  return keyOf(req.headers.authorization ?? '');
}

// The keys of the last Authorization headers seen: a client sends the same one on every request. At
// most KEYS_KEPT entries of at most KEY_HEADER_MAX characters (emptied when full): hostile headers
// cannot grow it past ~128 KB.
const keys = new Map<string, string | null>();
const KEYS_KEPT = 256;
const KEY_HEADER_MAX = 512;

function keyOf(auth: string): string | null {
  const known = keys.get(auth);
  if (known !== undefined) return known;
  const key = parseKey(auth);
  if (auth.length > KEY_HEADER_MAX) return key;
  if (keys.size >= KEYS_KEPT) keys.clear();
  keys.set(auth, key);
  return key;
}

function parseKey(auth: string): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth);
  if (bearer?.[1]) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth);
  if (!basic?.[1]) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : null;
}

// A request target made only of characters that WHATWG URL parsing leaves as they are and that need no
// decoding: an absolute path of non-empty segments ending in a slash, and an optional query. Such a
// target is split here; parseRequestTarget (a URL object per request) takes every other one.
const PLAIN_TARGET = /^((?:\/[A-Za-z0-9_-]+)*\/)(\?[A-Za-z0-9_\-.,=&+*:~]*)?$/;

/** parseRequestTarget(raw), without building a URL when the target is plain (see PLAIN_TARGET). */
export function requestTarget(raw: string | undefined): RequestTarget | null {
  const m = raw === undefined ? null : PLAIN_TARGET.exec(raw);
  if (!m) return parseRequestTarget(raw);
  const pathname = m[1] as string;
  const search = m[2] && m[2].length > 1 ? m[2] : '';
  return {
    pathname,
    search,
    segments: pathname === '/' ? [] : pathname.slice(1, -1).split('/'),
    query: new URLSearchParams(search),
  };
}

interface Route {
  op?: CompiledOperation;
  extra?: (typeof extraRoutes)[number];
  params: Record<string, string>;
}

/** Matches `segments` (below the base path) against a path template's segments. */
function match(template: readonly string[], segments: readonly string[]): Record<string, string> | null {
  if (template.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i] ?? '';
    const s = segments[i] ?? '';
    if (t.startsWith('{') && t.endsWith('}')) {
      if (!s) return null;
      params[t.slice(1, -1)] = s;
    } else if (t !== s) return null;
  }
  return params;
}

/**
 * Seconds for the `RateLimit` header: up to three decimals, no trailing zeros (`0.5`, `1`). Rounded to
 * the millisecond, String() prints k/1000 as its shortest round-trip decimal: at most three decimals,
 * no trailing zeros (no toFixed and regex per request).
 */
function seconds(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

const EXPOSED = CORS_EXPOSED_HEADERS.join(', ');

/**
 * A validated request target of an operation, kept by method and raw target (see `parsed` in
 * createHttpServer): everything routing and validating the path and query derive from the URL alone.
 */
interface ParsedTarget {
  op: CompiledOperation;
  params: Record<string, string>;
  path: string;
  query: QueryValues;
}
/** Most parsed targets kept (emptied when full) and the longest raw target kept: bounded whatever clients send. */
const PARSED_KEPT = 1024;
const PARSED_TARGET_MAX = 512;

const HINT =
  'The sandbox serves the Close API at /api/v1/… (and at /…); every path ends with a slash, e.g. /api/v1/lead/.';

/**
 * A handler's context. The request id (for the event log) is drawn only when a handler reads it: reads
 * emit no events. A class, not a literal with a getter: no closure per request.
 */
class Context implements Ctx {
  private id: string | undefined;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly store: Store,
    readonly operationId: Ctx['operationId'],
    readonly params: Record<string, string>,
    readonly query: QueryValues,
    readonly body: unknown,
  ) {}
  get requestId(): string {
    this.id ??= `req_${randomHex(11)}`;
    return this.id;
  }
}

/**
 * Runs a handler. Anything but a read may change the state: the store's cached renderings go, even
 * when the handler throws half-way (handlers check before they write, but a stale answer must never be
 * possible).
 */
function run(ctx: Ctx, reads: boolean, handler: (ctx: Ctx) => Result): Result {
  if (reads) return handler(ctx);
  try {
    return handler(ctx);
  } finally {
    ctx.store.changed();
  }
}

/**
 * Sets the RateLimit and CORS headers on `res` before anything but an operation's answer (which
 * writes them with its head, see send); once (a second call does nothing). True when cors() answered
 * a preflight. A function, not a closure per request. (Header names are kept lower-case: hasHeader's
 * toLowerCase of a lower-case name is the same string, no copy per request.)
 */
function setCommon(req: http.IncomingMessage, res: http.ServerResponse, rateHeader: string): boolean {
  if (res.hasHeader('ratelimit')) return false;
  res.setHeader('RateLimit', rateHeader);
  return cors(req, res);
}

const EMPTY = Buffer.alloc(0);

/**
 * The request's body. A small body usually arrives in the same packet as the headers: the 'request'
 * event comes before the parser reads on, but by the time the microtasks run, all of it (its declared
 * Content-Length) waits in the stream's buffer. Such a body is taken from there as it is, without
 * readBody's promise, listeners and copy. Any other body (still arriving, chunked, over the limit,
 * already being read) goes through readBody, with its limits and abort handling.
 */
async function bodyOf(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  await undefined;
  const declared = declaredLength(req);
  if (
    declared !== undefined &&
    declared <= maxBytes &&
    req.readableLength === declared &&
    req.readableFlowing === null &&
    !req.readableEnded
  ) {
    if (declared === 0) return EMPTY;
    const chunk: unknown = req.read();
    if (Buffer.isBuffer(chunk) && chunk.length === declared) return chunk;
    throw new Error(`sandbox: a ${declared}-byte body read from the stream's buffer was not that`);
  }
  return readBody(req, maxBytes);
}

/** Creates the sandbox's server (not listening yet). */
export function createHttpServer(options: HttpAppOptions): {
  server: http.Server;
  stats: HttpStats;
  limiter: RateLimiter;
  resetCounters(): void;
} {
  const ops = compiledOperations();
  const { maxBodyBytes } = resolveLimits(options.limits);
  const limiter = new RateLimiter(options.rateLimit);
  const stats: HttpStats = { requests: 0, rateLimited: 0 };
  let processed = 0;
  const log = options.log;

  /**
   * Answers `body` as JSON. With `rate` (the RateLimit header's value) the answer's headers are all
   * written here, none set on `res` before: RateLimit and CORS's (as cors() sets them on a request that
   * is not a preflight) first, as setHeader() would have put them, in one writeHead of a flat list.
   * Without, `res` already carries them (setCommon) and `headers` are added over them.
   */
  function send(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
    rate?: string,
  ): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // One UTF-8 encoding, whose length is the Content-Length (no separate byteLength pass).
    const json =
      body === undefined || status === 204
        ? undefined
        : body instanceof JsonBody
          ? body
          : new JsonBody(Buffer.from(JSON.stringify(body)));
    if (rate !== undefined) {
      const head = ['RateLimit', rate, 'access-control-allow-origin', '*', 'access-control-expose-headers', EXPOSED];
      if (json) head.push('Content-Type', 'application/json', 'Content-Length', String(json.length));
      else head.push('Content-Length', '0');
      res.writeHead(status, head);
    } else {
      const head: Record<string, string> = json
        ? { 'Content-Type': 'application/json', 'Content-Length': String(json.length) }
        : { 'Content-Length': '0' };
      res.writeHead(status, Object.assign(head, headers));
    }
    if (!json) {
      res.end();
      return;
    }
    // Corked: the head and every part leave in one writev, none of them copied into another buffer.
    res.cork();
    const { parts } = json;
    for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]);
    res.end(parts[parts.length - 1]);
  }

  // The operations a path can match, by its number of segments and its first segment (a parameter
  // first segment is kept under '{}'), in the operations' order: routing looks at a handful of
  // operations, not all of them. Keys come only from the spec, so requests cannot grow this map.
  const candidates = new Map<string, CompiledOperation[]>();
  for (const op of ops) {
    const first = op.segments[0] ?? '';
    const key = `${op.segments.length} ${first.startsWith('{') ? '{}' : first}`;
    candidates.set(key, [...(candidates.get(key) ?? []), op]);
  }
  const opsFor = (segments: readonly string[]): CompiledOperation[] => {
    const literal = candidates.get(`${segments.length} ${segments[0] ?? ''}`) ?? [];
    const param = candidates.get(`${segments.length} {}`) ?? [];
    if (!param.length) return literal;
    if (!literal.length) return param;
    return ops.filter((op) => literal.includes(op) || param.includes(op)); // both, in the operations' order
  };

  const routeOf = (method: string, segments: string[]): Route | { allowed: string[] } | null => {
    const allowed: string[] = [];
    let best: Route | undefined;
    let bestParams = Number.POSITIVE_INFINITY;
    for (const op of opsFor(segments)) {
      const params = match(op.segments, segments);
      if (!params) continue;
      const n = Object.keys(params).length;
      if (op.method !== method) {
        allowed.push(op.method);
        continue;
      }
      // A literal segment wins over a parameter (`/lead/merge/` before `/lead/{lead_id}/`).
      if (n < bestParams) {
        best = { op, params };
        bestParams = n;
      }
    }
    if (best) return best;
    for (const extra of extraRoutes) {
      const params = match(extra.path.split('/').filter(Boolean), segments);
      if (!params) continue;
      if (extra.method === method) return { extra, params };
      allowed.push(extra.method);
    }
    return allowed.length ? { allowed: [...new Set(allowed)] } : null;
  };

  const tooMany = (res: http.ServerResponse, reset: number): number => {
    stats.rateLimited++;
    const retry = Math.max(1, Math.ceil(reset));
    send(
      res,
      429,
      {
        error: {
          message: 'API call count exceeded for this period',
          rate_reset: Number(reset.toFixed(3)),
          rate_limit: options.rateLimit.requests,
          rate_window: options.rateLimit.seconds,
          rate_limit_type: 'key',
          rate_endpoint_group: 'sandbox',
        },
      },
      {
        RateLimit: `limit=${options.rateLimit.requests}, remaining=0, reset=${seconds(reset)}`,
        'Retry-After': String(retry),
      },
    );
    return 429;
  };

  // Validated targets of operations by `<method> <raw target>`: a client sends the same few URLs again
  // and again, and routing and validating them is a pure function of the URL. Only targets that passed
  // are kept (a failure is worked out again, and answered, every time). At most PARSED_KEPT entries of
  // at most PARSED_TARGET_MAX characters: hostile URLs cannot grow it past ~1 MB.
  const parsed = new Map<string, ParsedTarget>();

  /**
   * Routes a target not in `parsed` (not validated yet); answers (and returns the status) when it names
   * no operation, or when the request has no credentials.
   */
  const parse = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    key: string | null,
  ): (Route & { path: string; search: URLSearchParams }) | number => {
    const target = requestTarget(req.url);
    if (!target) {
      sendError(res, 400, 'Bad request: the URL could not be parsed (malformed percent-encoding or not a path).');
      return 400;
    }
    let segments = target.segments;
    if (segments[0] === 'api' && segments[1] === 'v1') segments = segments.slice(2);
    // Close's paths all end with a slash; an empty segment (`//lead/`) names nothing.
    if (!target.pathname.endsWith('/') || target.pathname.includes('//')) {
      sendError(res, 404, `Not found. ${HINT}`);
      return 404;
    }
    const path = `/${segments.map(encodeURIComponent).join('/')}${segments.length ? '/' : ''}`;
    // HEAD (which CORS advertises) is answered as GET; node sends the headers without the body.
    const route = routeOf(method === 'HEAD' ? 'GET' : method, segments);
    if (!route) {
      sendError(res, 404, `Not found: no operation at ${path}. ${HINT}`);
      return 404;
    }
    if ('allowed' in route) {
      const allowed = route.allowed.includes('GET') ? [...route.allowed, 'HEAD'] : route.allowed;
      res.setHeader('Allow', [...new Set(allowed)].join(', '));
      sendError(res, 405, `Method ${method} is not allowed on ${path}.`);
      return 405;
    }
    if (key === null) {
      sendError(res, 401, UNAUTHORIZED);
      return 401;
    }
    return { ...route, path, search: target.query };
  };

  /** A request outside the spec (extra.ts): answered here. */
  const extraRequest = (
    res: http.ServerResponse,
    method: string,
    path: string,
    extra: (typeof extraRoutes)[number],
    params: Record<string, string>,
  ): number => {
    const ctx = new Context(method, path, options.store(), undefined, params, new QueryValues(), undefined);
    const result = run(ctx, method === 'GET' || method === 'HEAD', (c) => extra.handle(c, params.id ?? ''));
    send(res, result.status ?? 200, result.body);
    return result.status ?? 200;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<number> {
    stats.requests++;
    const method = (req.method ?? 'GET').toUpperCase();
    const key = credentials(req);
    const rate = limiter.hit(key ?? '');
    const rateHeader = `limit=${options.rateLimit.requests}, remaining=${rate.remaining}, reset=${seconds(rate.reset)}`;
    // A request answered by an operation gets its RateLimit and CORS headers with the answer (send's
    // `rate`); every other answer (errors, 429s, preflights, extra routes) from headers set first (setCommon).
    if (method === 'OPTIONS' && setCommon(req, res, rateHeader)) return 204;

    const cacheKey = `${method} ${req.url}`;
    let target = parsed.get(cacheKey);
    let routed: Exclude<ReturnType<typeof parse>, number> | undefined;
    if (!target || key === null) {
      setCommon(req, res, rateHeader);
      const r = parse(req, res, method, key);
      if (typeof r === 'number') return r;
      routed = r;
    }
    if (rate.limited) {
      setCommon(req, res, rateHeader);
      return tooMany(res, rate.reset);
    }
    processed++;
    // A forced 429 asks for a one-second wait, whatever the window: it is there to exercise retries.
    if (options.failEvery > 0 && processed % options.failEvery === 0) {
      setCommon(req, res, rateHeader);
      return tooMany(res, 1);
    }

    try {
      if (routed) {
        if (routed.extra) return extraRequest(res, method, routed.path, routed.extra, routed.params);
        const op = routed.op as CompiledOperation;
        validatePath(op, routed.params);
        const query = new QueryValues(validateQuery(op, routed.search));
        target = { op, params: routed.params, path: routed.path, query };
        if (cacheKey.length <= PARSED_TARGET_MAX) {
          if (parsed.size >= PARSED_KEPT) parsed.clear();
          parsed.set(cacheKey, target);
        }
      }
      if (!target) throw new Error('unreachable: a request neither routed nor known');
      const { op } = target;
      let body: unknown;
      if (op.body) {
        const raw = await bodyOf(req, maxBodyBytes);
        const text = raw.toString('utf8');
        if (text.trim()) {
          try {
            body = JSON.parse(text);
          } catch (err) {
            throw requestError(`Invalid JSON: ${err instanceof Error ? err.message : 'the body could not be parsed'}.`);
          }
        }
        validateBody(op, body);
      }
      const ctx = new Context(method, target.path, options.store(), op.operationId, target.params, target.query, body);
      const result = run(ctx, method === 'GET' || method === 'HEAD', handlers[op.operationId]);
      const status = result.status ?? op.successStatus;
      send(res, status, result.body, undefined, res.hasHeader('ratelimit') ? undefined : rateHeader);
      return status;
    } catch (err) {
      setCommon(req, res, rateHeader); // the answer to an error (the caller's) carries them too
      throw err;
    }
  }

  function done(req: http.IncomingMessage, started: number, status: number): void {
    log?.(`${req.method} ${req.url} -> ${status} (${Date.now() - started} ms)`);
  }
  // The callbacks below are anonymous arrows, not named closures: tsx (which `npm start` and the
  // benchmark run through) gives every named closure a name with Object.defineProperty when created.
  const server = http.createServer(serverOptions(options.limits), (req, res) => {
    const started = Date.now();
    handle(req, res).then(
      (status) => done(req, started, status),
      (err: unknown) => {
        if (err instanceof BodyTooLargeError) {
          // Nothing past the limit was kept; the rest of the body is discarded briefly, then the connection closes.
          sendError(res, 413, err.message);
          done(req, started, 413);
        } else if (err instanceof HttpError) {
          send(res, err.status, err.body, err.headers);
          done(req, started, err.status);
        } else if (err instanceof RequestAbortedError) {
          res.destroy(); // the client went away: nobody to answer
        } else {
          log?.(
            `sandbox error on ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
          );
          send(res, 500, { error: 'Internal sandbox error.' });
          done(req, started, 500);
        }
      },
    );
  });
  // Before listening (EADDRINUSE, ...) an error is the caller's (startSandbox rejects with it and the
  // CLI reports it once); after, it is logged.
  server.on('error', (err) => {
    if (server.listening) log?.(`server error: ${err.message}`);
  });
  hardenServer(server, options.limits);
  return {
    server,
    stats,
    limiter,
    resetCounters: () => {
      processed = 0;
      limiter.clear();
    },
  };
}
