// Guards for the package's own local HTTP servers (the mock bridge, the docs server, the sandbox): no
// single request, however malformed, may stop one of them, and every body and every wait is bounded.
//
//   - hardenServer(): node's own header/request/keep-alive timeouts (checked every ~second instead of
//     every 30 s), a 'clientError' handler that answers a parse error with 400/408/413/431 instead of
//     leaving it to node's bare default, an early 413 for `Expect: 100-continue` over the limit, and an
//     'error' listener so a failing accept() (EMFILE, ...) does not throw out of the event loop.
//   - readBody(): reads a request body up to a limit without ever holding more than the limit.
//   - parseRequestTarget() / safeDecodeURIComponent(): request targets that never throw.
//   - cors(): any origin, never credentials.
//   - sendError(): Close's error shape, `{"error": "<message>"}`.
//
// Runtime code of the package with no dependencies: it imports node:http's *types* only, so it loads
// anywhere node runs. The reference below lets it typecheck in the build, whose tsconfig loads no global
// types (the emitted .d.ts imports node:http's types; it is not reachable from the package's index).
/// <reference types="node" />
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The largest request body accepted (10 MB, Prism's own limit). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface GuardLimits {
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** The request line and all headers must arrive within this time (node's `headersTimeout`). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this time (node's `requestTimeout`). */
  requestTimeoutMs: number;
  /**
   * A socket with no traffic either way for this long is closed (node's `server.timeout`); also bounds
   * a client that stops reading a response. Default: twice `requestTimeoutMs`.
   */
  socketTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this long (node's `keepAliveTimeout`). Default 5 s. */
  keepAliveTimeoutMs?: number;
}

export const DEFAULT_LIMITS: GuardLimits = Object.freeze({
  maxBodyBytes: MAX_BODY_BYTES,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
});

/** How long, after an error answer to a request whose body is still arriving, the rest is discarded before the socket is closed. */
export const LINGER_MS = 2_000;

const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const HARDENED = Symbol.for('close-crm-openapi.http-guard.hardened');

/** The limits with defaults filled in and made consistent (headers within the request timeout). */
export function resolveLimits(limits: Partial<GuardLimits> = {}): Required<GuardLimits> {
  const positive = (v: number | undefined, fallback: number) =>
    typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
  const requestTimeoutMs = positive(limits.requestTimeoutMs, DEFAULT_LIMITS.requestTimeoutMs);
  return {
    maxBodyBytes: positive(limits.maxBodyBytes, DEFAULT_LIMITS.maxBodyBytes),
    headersTimeoutMs: Math.min(positive(limits.headersTimeoutMs, DEFAULT_LIMITS.headersTimeoutMs), requestTimeoutMs),
    requestTimeoutMs,
    socketTimeoutMs: positive(limits.socketTimeoutMs, 2 * requestTimeoutMs),
    keepAliveTimeoutMs: positive(limits.keepAliveTimeoutMs, KEEP_ALIVE_TIMEOUT_MS),
  };
}

/** How often node checks the header and request timeouts: often enough that they hold to about a second. */
function checkingInterval(l: Required<GuardLimits>): number {
  return Math.max(50, Math.min(1_000, Math.floor(Math.min(l.headersTimeoutMs, l.requestTimeoutMs) / 4)));
}

/**
 * Options for `http.createServer(serverOptions(limits), handler)`: the same timeouts hardenServer
 * applies, given at creation (where node also validates them). hardenServer is still needed for the
 * handlers.
 */
export function serverOptions(limits: Partial<GuardLimits> = {}): ServerOptions {
  const l = resolveLimits(limits);
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: checkingInterval(l),
  };
}

/**
 * Applies node's own limits (headersTimeout, requestTimeout, keepAliveTimeout, an inactivity timeout)
 * and a 'clientError' handler that answers 400 (or 408/413/431 as fits) instead of letting a parse
 * error or a reset socket throw. Call it before `listen()`: node reads how often to check the
 * timeouts when listening starts (after that they still apply, but are only checked every 30 s).
 * Also answers `Expect: 100-continue` with a declared body over the limit with 413 (no 100 Continue),
 * and keeps accept() errors (EMFILE, ...) from throwing out of the event loop. Calling it again is a no-op.
 */
export function hardenServer(server: Server, limits: Partial<GuardLimits> = {}): void {
  const s = server as Server & { [HARDENED]?: true; connectionsCheckingInterval?: number };
  if (s[HARDENED]) return;
  s[HARDENED] = true;
  const l = resolveLimits(limits);
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.setTimeout(l.socketTimeoutMs);
  if (!server.listening) s.connectionsCheckingInterval = checkingInterval(l);

  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => answerClientError(err, socket));

  // Node turns the inactivity timeout off for the second and later requests of a keep-alive
  // connection; put it back for every request.
  server.prependListener('request', (req: IncomingMessage) => req.socket.setTimeout(l.socketTimeoutMs));

  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if ((declaredLength(req) ?? 0) > l.maxBodyBytes) {
      // The client waits for our word before sending the body: it will not send it, so close.
      res.setHeader('access-control-allow-origin', '*');
      res.setHeader('connection', 'close');
      sendError(res, 413, tooLargeMessage(l.maxBodyBytes));
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });

  server.on('error', (err) => {
    // After listen() succeeded, 'error' means accept() failed (EMFILE, ENFILE, ...): the server is still
    // listening and the next connection may well succeed. Before that (EADDRINUSE, ...) the error is
    // the caller's: throw it as node would if no other listener takes it.
    if (server.listening) return;
    if (server.listenerCount('error') === 1) throw err;
  });
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/** The status and message for one of node's HTTP parse or timeout errors. */
export function clientErrorStatus(err: { code?: string | undefined }): [status: number, message: string] {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'Request timeout: the request did not arrive in time.'];
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request line or headers too large.'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'Chunk extensions too large.'];
    default:
      return [400, `Malformed HTTP request${err.code ? ` (${err.code})` : ''}.`];
  }
}

function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  type InFlight = { headersSent?: boolean; req?: { complete?: boolean } } | null;
  const inFlight = (socket as Duplex & { _httpMessage?: InFlight })._httpMessage;
  // A reset connection has no one to answer, and a response already under way must not be corrupted.
  // A response still owed to an earlier, complete request (pipelining) means the error is in a later
  // request: an answer written now would be read as the earlier request's, so just close (the client
  // retries what went unanswered). Otherwise the error is in the request being read: answer it.
  if (
    err.code === 'ECONNRESET' ||
    err.code === 'EPIPE' ||
    !socket.writable ||
    inFlight?.headersSent ||
    inFlight?.req?.complete
  ) {
    socket.destroy();
    return;
  }
  const [status, message] = clientErrorStatus(err);
  const body = JSON.stringify({ error: message });
  const head =
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Access-Control-Allow-Origin: *\r\n' +
    'Connection: close\r\n\r\n';
  socket.end(head + body);
  // Give the answer a moment to leave, then let go of the socket whatever the client does.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

export class BodyTooLargeError extends Error {
  readonly status = 413;
  override readonly name = 'BodyTooLargeError';
  constructor(
    readonly limit: number,
    /** The declared Content-Length, when that is what was refused. */
    readonly declared?: number,
  ) {
    super(tooLargeMessage(limit));
  }
}

/** The request ended before its body did (the client went away, or the connection was reset). */
export class RequestAbortedError extends Error {
  readonly status = 400;
  override readonly name = 'RequestAbortedError';
}

function tooLargeMessage(limit: number): string {
  return `Request body too large: the limit is ${limit} bytes.`;
}

/** The request's Content-Length as a number; undefined when absent or not a plain decimal number. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/** Lets the rest of a body flow past unread (nothing is kept). */
function discard(req: IncomingMessage): void {
  req.resume();
}

/**
 * Reads a request body, refusing a declared Content-Length over the limit at once and rejecting with
 * BodyTooLargeError as soon as more than maxBytes arrive (never buffering past the limit: what already
 * arrived is dropped and the rest flows past unread); rejects with RequestAbortedError if the request
 * is aborted.
 */
export function readBody(req: IncomingMessage, maxBytes: number = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = declaredLength(req);
    if (declared !== undefined && declared > maxBytes) {
      discard(req);
      reject(new BodyTooLargeError(maxBytes, declared));
      return;
    }
    if (req.readableEnded) {
      resolve(Buffer.alloc(0));
      return;
    }
    let chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('aborted', onAbort);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > maxBytes) {
        chunks = [];
        cleanup();
        discard(req);
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onAbort = (err?: unknown) => {
      chunks = [];
      cleanup();
      const detail = err instanceof Error ? `: ${err.message}` : '';
      reject(new RequestAbortedError(`The request was aborted before its body arrived${detail}.`));
    };
    const onClose = () => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('aborted', onAbort);
    req.on('close', onClose);
  });
}

/** decodeURIComponent that answers null instead of throwing on malformed percent-encoding. */
export function safeDecodeURIComponent(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

export interface RequestTarget {
  /**
   * The path, still percent-encoded, normalized the way WHATWG URL does (dot segments resolved,
   * characters a URL may not hold percent-encoded). Empty segments are kept: `//[` has pathname `//[`.
   */
  pathname: string;
  /** The query as sent (normalized like `pathname`), with its `?`; empty when there is none. */
  search: string;
  /** The decoded path segments, empty ones left out: `/lead/lead_1/` gives `['lead', 'lead_1']`. */
  segments: string[];
  query: URLSearchParams;
}

const ORIGIN = 'http://request.invalid';

/**
 * Parses a request target (req.url). null when it is not a parsable origin-form (`/path?query`) or
 * absolute (`http://host/path`) URL, or a path segment has malformed percent-encoding (`/lead/%ff/`,
 * `/%`). Never throws. A leading `//` is a path here, not an authority as `new URL(target, base)` would
 * read it. The query is parsed leniently (URLSearchParams replaces bad escapes; it never throws).
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget | null {
  if (typeof raw !== 'string' || raw.length === 0) return null;
  // Whitespace and control characters never belong in a request target (node's parser refuses most).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: exactly what is being refused
  if (/[\u0000-\u0020\u007f]/.test(raw)) return null;
  let url: URL;
  try {
    if (raw.startsWith('/')) url = new URL(ORIGIN + raw);
    else if (/^https?:\/\//i.test(raw)) url = new URL(raw);
    else return null; // authority-form (CONNECT), asterisk-form (OPTIONS *), or nothing known
  } catch {
    return null;
  }
  const segments: string[] = [];
  for (const part of url.pathname.split('/')) {
    if (part === '') continue;
    const decoded = safeDecodeURIComponent(part);
    if (decoded === null) return null;
    segments.push(decoded);
  }
  return { pathname: url.pathname, search: url.search, segments, query: url.searchParams };
}

/** Headers a browser may send on a cross-origin call (`Access-Control-Allow-Headers`). */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'Prefer', 'X-Requested-With'];
/** Response headers a browser client may read (the rate-limit and trace headers the client uses). */
export const CORS_EXPOSED_HEADERS = [
  'RateLimit',
  'RateLimit-Policy',
  'Retry-After',
  'X-Rate-Limit-Limit',
  'X-Rate-Limit-Remaining',
  'X-Rate-Limit-Reset',
  'X-Trace-Id',
  'X-Request-Id',
  'X-Amzn-Trace-Id',
  'Traceparent',
];
export const CORS_ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * CORS for any origin, no credentials: sets `Access-Control-Allow-Origin: *` and exposes the headers
 * the client reads (RateLimit, Retry-After, X-Rate-Limit-*, trace ids). A preflight (OPTIONS with
 * `Access-Control-Request-Method`) is answered 204 with the allowed methods and headers (Authorization,
 * Content-Type, Prefer, ... and whatever well-formed header names the browser asks for); returns true
 * when it answered. Never sends `Access-Control-Allow-Credentials`: a page cannot make a credentialed
 * (cookie) call, only one with an explicit Authorization header.
 */
export function cors(req: IncomingMessage, res: ServerResponse): boolean {
  if (res.headersSent) return false;
  res.removeHeader('access-control-allow-credentials');
  res.setHeader('access-control-allow-origin', '*');
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (!preflight) {
    res.setHeader('access-control-expose-headers', CORS_EXPOSED_HEADERS.join(', '));
    return false;
  }
  const asked = String(req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0 && h.length <= 64 && TOKEN.test(h))
    .slice(0, 32);
  const allowed = [...CORS_ALLOWED_HEADERS];
  for (const h of asked) if (!allowed.some((a) => a.toLowerCase() === h.toLowerCase())) allowed.push(h);
  res.writeHead(204, {
    'access-control-allow-methods': CORS_ALLOWED_METHODS.join(', '),
    'access-control-allow-headers': allowed.join(', '),
    'access-control-max-age': '600',
    vary: 'Access-Control-Request-Headers',
    'content-length': '0',
  });
  res.end();
  if (!req.complete) lingerThenClose(req, res);
  return true;
}

/**
 * Writes a Close-shaped JSON error `{"error": message}` (or `body`, when given) with `status`, unless
 * headers were already sent (then the response is cut off: destroyed, since it can no longer be
 * completed honestly); ends the response. When the request body is still arriving (an early 413, a
 * 405 to a POST), the rest is discarded unread for at most LINGER_MS after the answer, so that the
 * client gets to read it, and then the connection is closed.
 */
export function sendError(res: ServerResponse, status: number, message: string, body?: unknown): void {
  if (res.headersSent || res.writableEnded) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const payload = Buffer.from(JSON.stringify(body === undefined ? { error: message } : body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(payload.length),
    'cache-control': 'no-store',
  });
  res.end(payload);
  const req = (res as ServerResponse & { req?: IncomingMessage }).req;
  if (req && !req.complete) lingerThenClose(req, res);
}

/**
 * The answer went out before the request body arrived in full. Closing the socket then (node does so
 * with destroySoon() after the last response of a `Connection: close` or HTTP/1.0 request) makes the
 * kernel answer the bytes still arriving with a reset, which can wipe out the answer on the client's
 * side before it reads it; reading the rest unbounded would let a client keep the connection busy
 * forever. So: the rest is discarded as it arrives (nothing is kept); a connection that is to close is
 * only half-closed (FIN after the answer) and destroyed when the client closes or LINGER_MS after the
 * answer, whichever comes first; a keep-alive one whose body does not end within LINGER_MS likewise.
 * A keep-alive request whose body ends in time leaves the connection usable.
 */
function lingerThenClose(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  let closing = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (timer || socket.destroyed) return;
    timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
  };
  socket.destroySoon = () => {
    closing = true;
    socket.end();
    arm();
  };
  req.once('end', () => {
    if (closing) return;
    clearTimeout(timer);
    timer = undefined;
  });
  socket.once('close', () => clearTimeout(timer));
  res.once('finish', () => {
    if (req.complete || socket.destroyed) return;
    discard(req);
    arm();
  });
}
