/**
 * Typed errors. Nothing here ever holds the API key or access token: errors are built from the method,
 * the URL path, the status, the parsed body and one response header, and every string taken from the
 * wire passes through the client's redactor as well.
 */
import type { components } from '../generated/schema.js';
import { rateLimitWaitMs } from './rate-limit.js';
import { isRead } from './retry.js';

/** The error body of a 4xx response (`error`, or `errors` + `field-errors`). */
export type CloseErrorBody = components['schemas']['ApiError'];
/** The value of one `field-errors` entry, as the spec types it (a message, or details nested under a field). */
export type CloseFieldError = NonNullable<CloseErrorBody['field-errors']>[string];
/** The body of a 429 (deprecated by Close since 2024; may be absent). */
export type CloseRateLimitBody = components['schemas']['RateLimitError'];

/** What the transport remembers about each response, keyed by the Response object. */
export interface ResponseMeta {
  method: string;
  path: string;
  redact: (text: string) => string;
}

const responseMeta = new WeakMap<Response, ResponseMeta>();

/** @internal */
export function rememberResponse(response: Response, meta: ResponseMeta): void {
  responseMeta.set(response, meta);
}

/** @internal What the transport remembered about `response`, if anything. */
export function recallResponse(response: Response): ResponseMeta | undefined {
  return responseMeta.get(response);
}

/** Response headers that carry a request/trace id, checked in order. */
export const TRACE_ID_HEADERS = ['x-trace-id', 'x-request-id', 'x-amzn-trace-id', 'traceparent'] as const;

function traceIdOf(headers: Headers): string | undefined {
  for (const name of TRACE_ID_HEADERS) {
    const v = headers.get(name);
    if (v) return v;
  }
  return undefined;
}

const MAX_DETAIL = 300;

function summarize(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, MAX_DETAIL);
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof b.error === 'string') parts.push(b.error);
  else if (b.error && typeof b.error === 'object') {
    const { message } = b.error as Record<string, unknown>;
    if (typeof message === 'string') parts.push(message);
  }
  if (typeof b.message === 'string') parts.push(b.message);
  if (Array.isArray(b.errors)) parts.push(...b.errors.filter((e): e is string => typeof e === 'string'));
  const fe = b['field-errors'];
  if (fe && typeof fe === 'object') {
    for (const [k, v] of Object.entries(fe as Record<string, unknown>))
      parts.push(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.join('; ').slice(0, MAX_DETAIL);
}

function redactDeep(value: unknown, redact: (s: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v, redact)]));
  }
  return value;
}

/** A non-2xx answer from the Close API, thrown by `unwrap()` and `paginate()`. */
export class CloseApiError extends Error {
  override readonly name = 'CloseApiError';
  /** HTTP status (400, 401, 404, 429, 503...). */
  readonly status: number;
  /** HTTP method of the request. */
  readonly method: string;
  /** Path of the request below the base URL, without the query (e.g. `/lead/lead_abc/`). */
  readonly path: string;
  /** The parsed error body (`{error}`, `{errors, "field-errors"}`, a rate-limit object) or its text. */
  readonly body: CloseErrorBody | CloseRateLimitBody | string | undefined;
  /** Validation errors keyed by field (`{}` when none). */
  readonly fieldErrors: Readonly<Record<string, CloseFieldError>>;
  /** The response's request/trace id header, when the server sent one. */
  readonly traceId: string | undefined;
  /** For a 429: how long the server asked to wait (ms), from `RateLimit`/`Retry-After`. */
  readonly retryAfterMs: number | undefined;

  constructor(
    init: {
      status: number;
      method: string;
      path: string;
      body: unknown;
      traceId?: string | undefined;
      retryAfterMs?: number | undefined;
    },
    redact: (s: string) => string = (s) => s,
  ) {
    const body = redactDeep(init.body, redact) as CloseApiError['body'];
    const detail = summarize(body);
    super(redact(`Close API ${init.method} ${init.path} failed with ${init.status}${detail ? `: ${detail}` : ''}`));
    this.status = init.status;
    this.method = init.method;
    this.path = redact(init.path);
    this.body = body;
    const fe = body && typeof body === 'object' ? (body as CloseErrorBody)['field-errors'] : undefined;
    this.fieldErrors = fe && typeof fe === 'object' ? { ...fe } : {};
    this.traceId = init.traceId === undefined ? undefined : redact(init.traceId);
    this.retryAfterMs = init.retryAfterMs;
  }

  /** Builds the error for a `{ error, response }` result of the client. */
  static fromResult(result: { error?: unknown; response: Response }): CloseApiError {
    const meta = responseMeta.get(result.response);
    let method = meta?.method ?? 'GET';
    let path = meta?.path;
    if (path === undefined) {
      try {
        path = new URL(result.response.url).pathname;
      } catch {
        path = '';
      }
      method = meta?.method ?? '?';
    }
    return new CloseApiError(
      {
        status: result.response.status,
        method,
        path,
        body: result.error,
        traceId: traceIdOf(result.response.headers),
        retryAfterMs: result.response.status === 429 ? rateLimitWaitMs(result.response.headers, Date.now()) : undefined,
      },
      meta?.redact,
    );
  }

  /** Whether the request was rate limited (and can be sent again later). */
  get isRateLimited(): boolean {
    return this.status === 429;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      method: this.method,
      path: this.path,
      body: this.body,
      fieldErrors: this.fieldErrors,
      traceId: this.traceId,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/**
 * A request whose outcome is unknown or that never reached the server (network error, timeout): thrown by
 * the client's methods. Writes (`POST`/`PUT`/`DELETE`) are never retried after such a failure, because
 * Close has no idempotency keys and the first attempt may have been processed.
 */
export class CloseNetworkError extends Error {
  override readonly name = 'CloseNetworkError';
  readonly method: string;
  readonly path: string;
  /** Attempts made (1 + retries). */
  readonly attempts: number;
  /**
   * True for every failed write (it was not retried): it may have been processed. This holds even for causes
   * such as ECONNREFUSED, because a dispatcher or custom fetch below the client may have retried a request
   * it had already written, and the error only reports the last failure.
   */
  readonly outcomeUnknown: boolean;

  constructor(
    init: { method: string; path: string; attempts: number; outcomeUnknown: boolean; cause: unknown },
    redact: (s: string) => string,
  ) {
    const reason = init.cause instanceof Error ? `${init.cause.name}: ${init.cause.message}` : String(init.cause);
    const causeDetail =
      init.cause instanceof Error && init.cause.cause instanceof Error ? ` (${init.cause.cause.message})` : '';
    super(
      redact(
        `Close API ${init.method} ${init.path} failed after ${init.attempts} attempt${init.attempts === 1 ? '' : 's'}: ${reason}${causeDetail}` +
          (init.outcomeUnknown
            ? '. The outcome is unknown and the request was not retried: check before sending it again.'
            : ''),
      ),
    );
    this.method = init.method;
    this.path = redact(init.path);
    this.attempts = init.attempts;
    this.outcomeUnknown = init.outcomeUnknown;
    // The original error stays reachable for debugging, but only as a redacted copy of its message.
    Object.defineProperty(this, 'cause', {
      value: redact(reason + causeDetail),
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      method: this.method,
      path: this.path,
      attempts: this.attempts,
      outcomeUnknown: this.outcomeUnknown,
    };
  }
}

/**
 * A write (`POST`/`PUT`/`DELETE`) got a 2xx answer whose body could not be read or is not valid JSON (a
 * proxy's HTML page, a connection closed mid-body, a body stalled past `timeoutMs`). The write
 * **succeeded**: Close processed it, so sending it again could create a duplicate; read the object back
 * instead. Thrown by the client's write methods in place of the bare `SyntaxError`, `TypeError:
 * terminated` or timeout `DOMException` that would surface otherwise. `cause` is a redacted copy of the
 * underlying error's message.
 */
export class CloseResponseParseError extends Error {
  override readonly name = 'CloseResponseParseError';
  /** The 2xx status of the answer. */
  readonly status: number;
  readonly method: string;
  /** Path of the request below the base URL, without the query. */
  readonly path: string;
  /** Always true: the write was processed by Close. */
  readonly writeSucceeded = true;
  /** The answer's `Content-Type`, when it had one. */
  readonly contentType: string | undefined;
  /** The response's request/trace id header, when the server sent one. */
  readonly traceId: string | undefined;

  /** `unreadable`: the body failed while being read (cut off, stalled); `invalid-json`: it did not parse. */
  readonly problem: 'unreadable' | 'invalid-json';

  constructor(
    init: {
      status: number;
      method: string;
      path: string;
      headers: Headers;
      cause: unknown;
      problem?: 'unreadable' | 'invalid-json';
    },
    redact: (s: string) => string,
  ) {
    const contentType = init.headers.get('content-type') ?? undefined;
    const problem = init.problem ?? 'invalid-json';
    super(
      redact(
        `Close API ${init.method} ${init.path} succeeded with ${init.status}, but its response body ${problem === 'unreadable' ? 'could not be read' : 'is not valid JSON'}` +
          `${contentType ? ` (${contentType})` : ''}: the write was processed, do not send it again (read the result back instead).`,
      ),
    );
    this.status = init.status;
    this.method = init.method;
    this.path = redact(init.path);
    this.problem = problem;
    this.contentType = contentType === undefined ? undefined : redact(contentType);
    const traceId = traceIdOf(init.headers);
    this.traceId = traceId === undefined ? undefined : redact(traceId);
    const reason = init.cause instanceof Error ? `${init.cause.name}: ${init.cause.message}` : String(init.cause);
    Object.defineProperty(this, 'cause', {
      value: redact(reason),
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      method: this.method,
      path: this.path,
      writeSucceeded: this.writeSucceeded,
      problem: this.problem,
      contentType: this.contentType,
      traceId: this.traceId,
    };
  }
}

/**
 * The server asked the client to wait longer than `maxDelayMs` before sending: a 429 whose `RateLimit`
 * reset or `Retry-After` is beyond it, or pacing, when the rate-limit window a request must wait for
 * resets later than that. The request was not sent (pacing) or was answered 429, which Close did not
 * process: it is safe to send again after `askedMs`.
 */
export class CloseRateLimitError extends Error {
  override readonly name = 'CloseRateLimitError';
  readonly method: string;
  readonly path: string;
  /** How long the server asked to wait (ms, rounded up). */
  readonly askedMs: number;
  /** The client's longest wait (`retry.maxDelayMs`). */
  readonly maxDelayMs: number;
  /** `rate-limited`: a 429 asked for the wait; `pacing`: an earlier answer's window is spent until then. */
  readonly phase: 'rate-limited' | 'pacing';
  /** Attempts sent (0: the request never went out). */
  readonly attempts: number;
  /** Always false: nothing Close processed. */
  readonly outcomeUnknown = false;
  /** The 429's status (absent for pacing) and request/trace id header, when there was an answer. */
  readonly status: number | undefined;
  readonly traceId: string | undefined;

  constructor(
    init: {
      method: string;
      path: string;
      askedMs: number;
      maxDelayMs: number;
      phase: 'rate-limited' | 'pacing';
      attempts: number;
      headers?: Headers;
    },
    redact: (s: string) => string,
  ) {
    const asked = Math.ceil(init.askedMs);
    const why =
      init.phase === 'pacing'
        ? `the rate-limit window reported by an earlier answer resets in ${asked} ms`
        : `the server answered 429 and asked to wait ${asked} ms`;
    super(
      redact(
        `Close API ${init.method} ${init.path}: ${why}, longer than maxDelayMs (${init.maxDelayMs} ms). ` +
          'It was not processed; send it again after that wait.',
      ),
    );
    this.method = init.method;
    this.path = redact(init.path);
    this.askedMs = asked;
    this.maxDelayMs = init.maxDelayMs;
    this.phase = init.phase;
    this.attempts = init.attempts;
    this.status = init.headers ? 429 : undefined;
    const traceId = init.headers ? traceIdOf(init.headers) : undefined;
    this.traceId = traceId === undefined ? undefined : redact(traceId);
  }

  /** Always true (like `CloseApiError.isRateLimited` for a 429). */
  get isRateLimited(): boolean {
    return true;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      method: this.method,
      path: this.path,
      askedMs: this.askedMs,
      maxDelayMs: this.maxDelayMs,
      phase: this.phase,
      attempts: this.attempts,
      status: this.status,
      traceId: this.traceId,
    };
  }
}

/** Why `paginate()` stopped a listing that would not end. */
export type ClosePaginationProblem = 'repeated-page' | 'repeated-cursor' | 'no-progress';

/**
 * `paginate()` stopped because the server's pages would never end: a page repeating the previous page's
 * items (a server ignoring `_skip`), a cursor seen before (`cursor_next` pointing back), or `has_more`
 * with a cursor but no way forward. Items already yielded were yielded once each.
 */
export class ClosePaginationError extends Error {
  override readonly name = 'ClosePaginationError';
  /** Path of the list below the base URL. */
  readonly path: string;
  readonly problem: ClosePaginationProblem;
  /** Pages fetched, the one that revealed the problem included. */
  readonly pages: number;

  constructor(init: { path: string; problem: ClosePaginationProblem; pages: number; detail: string }) {
    super(`paginate: ${init.path} ${init.detail} (after ${init.pages} page${init.pages === 1 ? '' : 's'})`);
    this.path = init.path;
    this.problem = init.problem;
    this.pages = init.pages;
  }
}

/** What a cancelled request was waiting for when its `signal` aborted. */
export type CloseAbortPhase = 'pacing' | 'queued' | 'rate-limited' | 'backoff';

/**
 * The caller's `signal` aborted while the client was waiting before an attempt: for the rate-limit window
 * (pacing), for a free connection (`maxInFlight`), for the wait a 429 asked for, or for a read's backoff.
 * Its `name` is `'AbortError'`, like fetch's own abort errors, and `cause` is the signal's reason.
 *
 * Nothing is in flight during such a wait, so the outcome is known: a write (`POST`/`PUT`/`DELETE`) only
 * ever waits before its first attempt or after attempts that were all answered 429, which Close did not
 * process, so it is safe to send again. (An abort while a request is on the wire rejects with fetch's own
 * error instead: a write's outcome is then unknown.)
 */
export class CloseAbortError extends Error {
  override readonly name = 'AbortError';
  readonly method: string;
  readonly path: string;
  /** Attempts sent before the cancellation (0: nothing was sent). */
  readonly attempts: number;
  /** What the client was waiting for. */
  readonly phase: CloseAbortPhase;
  /** Always false: no attempt was processed by Close, or the request is a read. */
  readonly outcomeUnknown = false;

  constructor(
    init: { method: string; path: string; attempts: number; phase: CloseAbortPhase; reason: unknown },
    redact: (s: string) => string,
  ) {
    const waiting = {
      pacing: 'waiting for the rate-limit window',
      queued: 'waiting for a free connection (maxInFlight)',
      'rate-limited': 'waiting to retry after a 429',
      backoff: 'waiting to retry',
    }[init.phase];
    const isWrite = !isRead(init.method);
    const safety =
      init.attempts === 0
        ? 'nothing was sent, so it is safe to send again'
        : isWrite
          ? 'Close did not process it (every attempt was answered 429), so it is safe to send again'
          : 'it is a read, safe to send again';
    super(
      redact(
        `Close API ${init.method} ${init.path} was cancelled while ${waiting} (after ${init.attempts} attempt${init.attempts === 1 ? '' : 's'}): ${safety}.`,
      ),
      {
        cause: init.reason,
      },
    );
    this.method = init.method;
    this.path = redact(init.path);
    this.attempts = init.attempts;
    this.phase = init.phase;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      method: this.method,
      path: this.path,
      attempts: this.attempts,
      phase: this.phase,
      outcomeUnknown: this.outcomeUnknown,
    };
  }
}

/**
 * The `data` of a successful client result, or throws `CloseApiError` for an error result:
 * `const lead = unwrap(await close.GET('/lead/{lead_id}/', { params: { path: { lead_id } } }))`.
 */
export function unwrap<R extends { data?: unknown; error?: unknown; response: Response }>(
  result: R,
): Exclude<R['data'], undefined> {
  if (result.error !== undefined || !result.response.ok) throw CloseApiError.fromResult(result);
  return result.data as Exclude<R['data'], undefined>;
}
