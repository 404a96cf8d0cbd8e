import createClient, {
  type Client,
  type ClientPathsWithMethod,
  type FetchOptions,
  type HeadersOptions,
  type Middleware,
} from 'openapi-fetch';
import { type OperationId, type OperationInfo, operations } from '../generated/operations.js';
import type { components, paths } from '../generated/schema.js';
import { makeCall, type OperationMethod, type OperationPath, type Sender } from './call.js';
import {
  CloseAbortError,
  type CloseAbortPhase,
  CloseNetworkError,
  CloseRateLimitError,
  CloseResponseParseError,
  recallResponse,
  rememberResponse,
} from './errors.js';
import { abortableWait, MAX_TIMER_MS, Pacer, PacingWaitTooLong, parseRateLimit, timerSleep } from './rate-limit.js';
import { makeRedactor } from './redact.js';
import { isRead, type RetryReason, retryDecision } from './retry.js';
import { Slots } from './slots.js';

/**
 * A signal that aborts `timeoutMs` after the attempt starts (its body included) or when the caller's does.
 * Not `AbortSignal.any([AbortSignal.timeout(ms), signal])`: Node may garbage-collect that timeout before it
 * fires (nodejs/node#57736), and the call then waits on undici's own 300 s limits. The timer here is held
 * by Node's timer list until it fires; unref'd, so it never keeps a process alive.
 */
function attemptSignal(timeoutMs: number, caller: AbortSignal): AbortSignal {
  const controller = new AbortController();
  if (caller.aborted) controller.abort(caller.reason);
  else caller.addEventListener('abort', () => controller.abort(caller.reason), { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException(`No answer within ${timeoutMs} ms.`, 'TimeoutError')),
    timeoutMs,
  );
  timer.unref?.();
  return controller.signal;
}

/** The production base URL of the Close REST API. */
export const DEFAULT_BASE_URL = 'https://api.close.com/api/v1';
const VERSION = '0.1.0';

type Media = `${string}/${string}`;
type BaseClient = Client<paths, Media>;
type Method = 'get' | 'put' | 'post' | 'delete';
type OperationOf<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
/** The options of one call: `params` (path/query) and `body`, typed from the operation. */
export type CloseRequestInit<P extends keyof paths, M extends Method> = FetchOptions<OperationOf<P, M>>;
type InitArgs<I> = object extends I ? [init?: I] : [init: I];

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 206 | '2XX';
type ResponsesOf<Op> = Op extends { responses: infer R } ? R : never;
type JsonOf<R> = R extends { content: { 'application/json': infer C } } ? C : undefined;
/** The JSON body of an operation's success response, exactly as the spec's schema types it. */
export type SuccessData<Op> = JsonOf<ResponsesOf<Op>[keyof ResponsesOf<Op> & SuccessStatus]>;
/** The JSON body of an operation's error responses (`ApiError`, `RateLimitError`, …). */
export type ErrorData<Op> = JsonOf<ResponsesOf<Op>[Exclude<keyof ResponsesOf<Op>, SuccessStatus>]>;
/**
 * What a client call resolves to: `data` on success, `error` otherwise, and always the `response`.
 * `Data` is the success body: the operation's own, or the picked one of a call with `_fields`.
 */
export type CloseResult<Op, Data = SuccessData<Op>> =
  | { data: Data; error?: never; response: Response }
  | { data?: never; error: ErrorData<Op>; response: Response };

// `_fields`: a response schema requires what Close sends by default; a call that names `_fields` gets
// those fields only, so its result is typed from the literal list. The method signatures stay single
// (no overloads), so a misspelt field is still reported where it is, not as "no overload matches".
type Simplify<T> = { [K in keyof T]: T[K] } & {};
// Index-signature keys (`custom.cf_${string}`) are never required: `{}` has none of them.
type RequiredKeys<T> = {
  [K in keyof T]-?: Record<never, never> extends Record<K, 1> ? never : object extends Pick<T, K> ? never : K;
}[keyof T];
/**
 * `T` trimmed to the fields `F`: asked fields that `T` requires stay required, other asked fields are
 * optional (unset custom fields are left out; unknown names, such as smart fields, are `unknown`). A
 * union (activities) is trimmed member by member, so a picked `_type` still narrows it. With a `string[]`
 * that is not a literal list, every field is optional.
 */
export type PickFields<T, F extends string> = T extends unknown
  ? string extends F
    ? Partial<T>
    : Simplify<
        { [K in F & RequiredKeys<T>]: T[K] } & {
          [K in Exclude<F, RequiredKeys<T>>]?: K extends keyof T ? Exclude<T[K], undefined> : unknown;
        }
      >
  : never;
/** A success body as `_fields` trims it: each item of a list's `data`, or the object itself. */
export type FieldsData<Body, F extends string> = Body extends { data: ReadonlyArray<infer Item> }
  ? Simplify<Omit<Body, 'data'> & { data: PickFields<Item, F>[] }>
  : PickFields<Body, F>;

/** The objects a search (`POST /data/search/`) returns, by `__object_type`. */
interface SearchObjects {
  lead: components['schemas']['Lead'];
  contact: components['schemas']['Contact'];
}
/**
 * One search result when the body's `_fields` names fields per object type (`FS`: object type → field
 * names): a union told apart by `__object_type`, each named type with its picked fields. A result of a
 * known type that `_fields` does not name carries only its `id`, so narrow on `__object_type` first.
 */
export type SearchRow<FS extends Record<string, string>> = string extends keyof FS
  ? components['schemas']['SearchResultItem']
  :
      | {
          [T in keyof FS & string]: Simplify<
            { __object_type: T } & (T extends keyof SearchObjects
              ? PickFields<SearchObjects[T], FS[T]>
              : { [K in FS[T]]?: unknown })
          >;
        }[keyof FS & string]
      | {
          [T in Exclude<keyof SearchObjects, keyof FS>]: { __object_type: T; id: SearchObjects[T]['id'] };
        }[Exclude<keyof SearchObjects, keyof FS>];

type QueryHasFields<Op> = Op extends { parameters: { query?: infer Q } }
  ? [NonNullable<Q>] extends [never]
    ? false
    : '_fields' extends keyof NonNullable<Q>
      ? true
      : false
  : false;
type BodyHasFields<Op> = Op extends { requestBody?: { content: { 'application/json': infer B } } }
  ? '_fields' extends keyof B
    ? true
    : false
  : false;
/**
 * What lets TypeScript read a call's `_fields` as literal types: intersected with the operation's own
 * options, it types `_fields` as `F[]` (query) or `{ lead: FS['lead'][] }` (search body). It does not
 * depend on the operation (TypeScript would widen the literals while the path is still being inferred);
 * `FieldsGuard` turns `_fields` on an operation that has none back into an error.
 */
export type FieldsHint<F extends string, FS extends Record<string, string>> = {
  params?: { query?: { _fields?: readonly F[] } };
  body?: { _fields?: { [T in keyof FS]: FS[T][] } };
};
/** `_fields: never` where a call named `_fields` that its operation does not take. */
export type FieldsGuard<Op, F extends string, FS extends Record<string, string>> = ([F] extends [never]
  ? unknown
  : QueryHasFields<Op> extends true
    ? unknown
    : { params: { query: { _fields: never } } }) &
  ([FS] extends [never] ? unknown : BodyHasFields<Op> extends true ? unknown : { body: { _fields: never } });
/** A success body trimmed to the `_fields` a call named (`F` in the query, `FS` in a search body). */
export type TrimmedData<Body, F extends string, FS extends Record<string, string>> = [F] extends [never]
  ? [FS] extends [never]
    ? Body
    : Body extends { data: unknown }
      ? Simplify<Omit<Body, 'data'> & { data: SearchRow<FS>[] }>
      : Body
  : FieldsData<Body, F>;

/**
 * A method of the client. Unlike openapi-fetch's own signature, the options are not a generic type
 * parameter, so TypeScript checks object literals for excess keys: a misspelt top-level body field is a
 * compile error (openapi-fetch 0.17 lets it through). A call with a literal `_fields` list resolves to
 * the picked fields (`FieldsData`; for the search, `SearchRow`s). `F`/`FS` come from `_fields` only
 * (`NoInfer` in the result): `const lead: Lead = await …` must not infer them from the annotation.
 */
export type CloseMethod<M extends Method> = <
  P extends ClientPathsWithMethod<BaseClient, M>,
  F extends string = never,
  FS extends Record<string, string> = never,
>(
  url: P,
  ...init: InitArgs<CloseRequestInit<P, M> & FieldsHint<F, FS> & FieldsGuard<OperationOf<P, M>, F, FS>>
) => Promise<CloseResult<OperationOf<P, M>, TrimmedData<SuccessData<OperationOf<P, M>>, NoInfer<F>, NoInfer<FS>>>>;

/** The options of `close.call(operationId, …)`: the same `params` (`path`, `query`) and `body` as by path. */
export type CallInit<K extends OperationId> = CloseRequestInit<OperationPath<K>, OperationMethod<K>>;
type CallOperation<K extends OperationId> = OperationOf<OperationPath<K>, OperationMethod<K>>;
/**
 * What `close.call(operationId, …)` resolves to: the success body of that operation, trimmed to the
 * `_fields` the call named.
 */
export type CallResult<
  K extends OperationId,
  F extends string = never,
  FS extends Record<string, string> = never,
> = Exclude<TrimmedData<SuccessData<CallOperation<K>>, F, FS>, undefined>;
/**
 * Calls an operation by its operationId and resolves to its success body; a non-2xx answer throws
 * `CloseApiError` (as `unwrap` does). `close.call('createLead', { body: { name: 'Acme' } })`. With a
 * literal `_fields` list it resolves to the picked fields.
 */
export type CloseCall = <K extends OperationId, F extends string = never, FS extends Record<string, string> = never>(
  operationId: K,
  ...init: InitArgs<CallInit<K> & FieldsHint<F, FS> & FieldsGuard<CallOperation<K>, F, FS>>
) => Promise<CallResult<K, NoInfer<F>, NoInfer<FS>>>;

/**
 * An openapi-fetch client typed by the Close spec: `GET`/`POST`/`PUT`/`DELETE` by literal path, and
 * `call` by operationId.
 */
export type CloseClient = Omit<BaseClient, 'GET' | 'PUT' | 'POST' | 'DELETE'> & {
  GET: CloseMethod<'get'>;
  PUT: CloseMethod<'put'>;
  POST: CloseMethod<'post'>;
  DELETE: CloseMethod<'delete'>;
  call: CloseCall;
};

/** The retry policy's bounds. The policy itself is `retryDecision()` in src/retry.ts. */
export interface RetryOptions {
  /** Retries at most (which failures are retried: `retryDecision` in src/retry.ts). Default 5. */
  maxRetries?: number | undefined;
  /**
   * Longest single wait (ms): pacing, a 429's wait, a backoff. When the server asks for longer, the call
   * throws `CloseRateLimitError` (with `askedMs`) instead of waiting. Default 60 000.
   */
  maxDelayMs?: number | undefined;
  /** First backoff delay for 5xx/network retries of reads (ms), doubled per attempt, with jitter. Default 500. */
  baseDelayMs?: number | undefined;
}

export interface PacingOptions {
  /** Extra wait after a rate-limit window's reset before using the new window (ms). Default 15. */
  marginMs?: number | undefined;
  /**
   * Maps a request to the rate-limit group it is paced in. Close limits per endpoint group (which it does
   * not publish); the default groups by method and first path segment (`POST /lead/`, `GET /activity/`).
   */
  group?: ((method: string, path: string) => string) | undefined;
}

/** Reported before each retry. Contains no credentials. */
export interface RetryEvent {
  method: string;
  path: string;
  /** 1 for the first retry. */
  retry: number;
  reason: RetryReason;
  /** The status that caused the retry (absent for network errors). */
  status?: number;
  /** How long the client waits before sending again: whole milliseconds, exactly what it then waits. */
  delayMs: number;
}

export interface CloseClientOptions {
  /** API key (sent as the HTTP Basic username with an empty password). Exactly one of apiKey/accessToken. */
  apiKey?: string | undefined;
  /** OAuth access token (sent as `Authorization: Bearer`). Exactly one of apiKey/accessToken. */
  accessToken?: string | undefined;
  /** Default `https://api.close.com/api/v1`. */
  baseUrl?: string | undefined;
  /** The fetch implementation (default: the global fetch). Receives a Request and an optional init with a signal. */
  fetch?: ((input: Request, init?: RequestInit) => Promise<Response>) | undefined;
  /** Retry policy, or `false` to never retry. */
  retry?: RetryOptions | false | undefined;
  /** Pace requests from the `RateLimit` header (default true), or `false` to only react to 429s. */
  pacing?: PacingOptions | boolean | undefined;
  /**
   * Per-attempt timeout (ms), body included. None of the client's own by default: a signal on every attempt
   * costs ~5% of a local request (`npm run bench overhead`), and Node's fetch (undici) already gives up after
   * 300 s without response headers or between body chunks. A timed-out GET is retried; a timed-out write throws
   * `CloseNetworkError` (outcome unknown), or `CloseResponseParseError` once it was answered 2xx.
   */
  timeoutMs?: number | undefined;
  /** Requests on the wire at once; the rest wait in order (waits between retries hold no place). Default 64. */
  maxInFlight?: number | undefined;
  /** `User-Agent` header. Default `close-crm-openapi/<version>`. */
  userAgent?: string | undefined;
  /** Extra headers sent with every request. */
  headers?: HeadersOptions | undefined;
  /** openapi-fetch middleware (`onRequest`/`onResponse`/`onError`). Runs before the credentials are added. */
  middleware?: Middleware[] | undefined;
  /** Called before each retry (for logging/metrics). */
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /**
   * Wait function (tests inject a fake one). Default `setTimeout`. It gets a signal that aborts when the
   * wait is cancelled (the caller's `signal`) or no longer needed: honour it to clear the timer.
   */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Clock in ms (tests inject a fake one). Default `performance.now()`-based. */
  now?: (() => number) | undefined;
  /** Random source in [0, 1) for jitter. Default `Math.random`. */
  random?: (() => number) | undefined;
}

const realNow = (): number => performance.timeOrigin + performance.now();

function defaultGroup(method: string, path: string): string {
  const end = path.indexOf('/', 1);
  return `${method} ${end === -1 ? path : path.slice(0, end + 1)}`;
}

function credentials(options: CloseClientOptions): { authorization: string; secret: string } {
  const hasKey = options.apiKey !== undefined && options.apiKey !== null;
  const hasToken = options.accessToken !== undefined && options.accessToken !== null;
  if (hasKey === hasToken) {
    throw new TypeError(
      'createCloseClient: pass exactly one of `apiKey` (HTTP Basic) or `accessToken` (OAuth Bearer)' +
        (hasKey ? ', not both.' : '.'),
    );
  }
  const secret = hasKey ? options.apiKey : options.accessToken;
  if (typeof secret !== 'string' || secret.trim() === '' || /[\s:]/.test(secret) || /[^\x21-\x7e]/.test(secret)) {
    throw new TypeError(
      `createCloseClient: \`${hasKey ? 'apiKey' : 'accessToken'}\` must be a non-empty string of printable ASCII without spaces or colons.`,
    );
  }
  return { secret, authorization: hasKey ? `Basic ${btoa(`${secret}:`)}` : `Bearer ${secret}` };
}

// Statuses whose Response cannot have a body.
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A copy of an error response with the credentials taken out of its body and header values. */
async function redactResponse(response: Response, redact: (text: string) => string): Promise<Response> {
  // A browser's opaque redirect (status 0) has nothing readable to redact and cannot be copied.
  if (response.status < 200 || response.status > 599) return response;
  let text: string | null = null;
  if (!NULL_BODY.has(response.status)) text = redact(await response.text().catch(() => ''));
  const headers = new Headers();
  // The body is now decoded text of a possibly different length: its encoding and length are the copy's own.
  response.headers.forEach((value, name) => {
    if (name !== 'content-length' && name !== 'content-encoding') headers.append(name, redact(value));
  });
  if (text !== null) headers.set('content-length', String(new TextEncoder().encode(text).length));
  const copy = new Response(text, { status: response.status, statusText: redact(response.statusText), headers });
  // A constructed Response has no URL of its own: keep the one the caller would have seen.
  Object.defineProperty(copy, 'url', { value: redact(response.url), enumerable: true });
  return copy;
}

/**
 * The base URL without its trailing slash. Refuses one that carries credentials (`https://KEY:@host`):
 * fetch would reject every request with an error that quotes the whole URL, key included. Neither error
 * here repeats the URL.
 */
function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError('createCloseClient: `baseUrl` is not an absolute URL (e.g. https://api.close.com/api/v1).');
  }
  if (url.username || url.password) {
    throw new TypeError(
      'createCloseClient: `baseUrl` must not contain credentials (user:password@); pass the key as `apiKey`.',
    );
  }
  return raw.replace(/\/+$/, '');
}

/**
 * Creates a typed Close API client: an openapi-fetch client whose transport adds the credentials,
 * paces requests from the `RateLimit` header, caps requests in flight, and retries as `retryDecision`
 * (src/retry.ts) decides.
 */
export function createCloseClient(options: CloseClientOptions): CloseClient {
  const { authorization, secret } = credentials(options);
  const redact = makeRedactor([authorization, secret]);
  const baseUrl = checkBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '');
  const baseFetch = options.fetch ?? ((input: Request, init?: RequestInit) => globalThis.fetch(input, init));
  const retry = options.retry === false ? { maxRetries: 0 } : (options.retry ?? {});
  const maxRetries = retry.maxRetries ?? 5;
  const maxDelayMs = Math.min(retry.maxDelayMs ?? 60_000, MAX_TIMER_MS);
  const baseDelayMs = retry.baseDelayMs ?? 500;
  const sleep = options.sleep ?? timerSleep;
  const now = options.now ?? realNow;
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs;
  const userAgent = options.userAgent ?? `close-crm-openapi/${VERSION}`;
  const onRetry = options.onRetry;
  const pacingOpts =
    options.pacing === false
      ? undefined
      : options.pacing === true || options.pacing === undefined
        ? {}
        : options.pacing;
  const pacer = pacingOpts
    ? new Pacer({ now, sleep, marginMs: pacingOpts.marginMs ?? 15, maxWaitMs: maxDelayMs })
    : undefined;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 64);
  const groupOf = pacingOpts?.group ?? defaultGroup;

  const urlPrefix = new URL(baseUrl).href.replace(/\/+$/, '');
  const pathOf = (url: string): string => {
    if (url.startsWith(urlPrefix)) {
      const end = url.search(/[?#]/);
      return url.slice(urlPrefix.length, end === -1 ? undefined : end) || '/';
    }
    const u = new URL(url);
    return u.pathname.startsWith(basePath) ? u.pathname.slice(basePath.length) || '/' : u.pathname;
  };
  const slots = new Slots(maxInFlight);

  async function transport(request: Request, init?: RequestInit): Promise<Response> {
    // The credentials are on the Request only while this transport runs: the Request that middleware
    // sees (onRequest before, onResponse/onError after) never carries them, so logging it cannot leak
    // the key. (Copying into a new Request would cost more than all the rest of this transport.)
    request.headers.set('Authorization', authorization);
    if (userAgent) request.headers.set('User-Agent', userAgent);
    try {
      const method = request.method;
      const path = pathOf(request.url);
      const group = pacer ? groupOf(method, path) : '';
      const read = isRead(method);
      const reusable = request.body === null;
      const signal = request.signal;
      // Waits end as soon as the caller's signal aborts. Nothing is on the wire then, so the error says so.
      const cancellable = async <T>(waiting: T | Promise<T>, attempts: number, phase: CloseAbortPhase): Promise<T> => {
        try {
          return await waiting;
        } catch (err) {
          if (signal.aborted)
            throw new CloseAbortError({ method, path, attempts, phase, reason: signal.reason }, redact);
          if (err instanceof PacingWaitTooLong)
            throw new CloseRateLimitError(
              { method, path, askedMs: err.askedMs, maxDelayMs, phase: 'pacing', attempts },
              redact,
            );
          throw err;
        }
      };

      for (let attempt = 0; ; attempt++) {
        // A body can be read once: keep the original intact while another attempt may follow.
        const outgoing = reusable || attempt >= maxRetries ? request : request.clone();
        // Synchronous when no wait is needed: the common case costs no extra turn of the event loop.
        const taken = pacer ? pacer.acquire(group, signal) : false;
        const counted = typeof taken === 'boolean' ? taken : await cancellable(taken, attempt, 'pacing');
        try {
          const slot = slots.acquire(signal);
          if (slot !== true) await cancellable(slot, attempt, 'queued');
        } catch (err) {
          pacer?.release(group, undefined, counted);
          throw err;
        }
        let sendInit = init;
        if (timeoutMs !== undefined) sendInit = { ...init, signal: attemptSignal(timeoutMs, request.signal) };
        // A followed 301/302/303 turns a POST into a GET of another URL whose answer would pass for the
        // write's success: a write's redirect is returned as an error instead.
        if (!read) sendInit = { ...sendInit, redirect: 'manual' };
        // The slot is held until the answer's headers: its body is read by openapi-fetch right after.
        let response: Response | undefined;
        let failure: unknown;
        try {
          response = await baseFetch(outgoing, sendInit);
        } catch (err) {
          failure = err;
        } finally {
          slots.release();
        }
        pacer?.release(group, response?.headers, counted);
        if (!response && request.signal.aborted) throw failure; // the caller's cancellation
        if (response?.ok) {
          // A write's success may not parse or arrive whole (see readBody): its error needs the method and path.
          if (!read) rememberResponse(response, { method, path, redact });
          return response;
        }
        const decision = retryDecision({
          method,
          status: response?.status,
          error: response ? undefined : failure,
          headers: response?.headers,
          attempt,
          maxRetries,
          maxDelayMs,
          baseDelayMs,
          now: now(),
          random: random(),
        });
        if (decision.retry) {
          const { delayMs, reason } = decision;
          const status = response?.status;
          // The answer is not wanted: free its connection now rather than at garbage collection.
          await response?.body?.cancel().catch(() => undefined);
          if (status === 429) pacer?.block(group, delayMs, parseRateLimit(response?.headers ?? new Headers())?.limit);
          onRetry?.({ method, path, retry: attempt + 1, reason, ...(status === undefined ? {} : { status }), delayMs });
          await cancellable(
            abortableWait(sleep, delayMs, signal),
            attempt + 1,
            reason === 'rate-limited' ? 'rate-limited' : 'backoff',
          );
          continue;
        }
        if (!response) {
          // Deliberately conservative: a failed write is always `outcomeUnknown`, even when the cause looks
          // like "never sent" (ECONNREFUSED, ENOTFOUND, a connect timeout). The error only describes the last
          // thing that went wrong below fetch, not every attempt: undici's RetryAgent (if installed as the
          // global dispatcher) retries PUT and DELETE by default on ECONNRESET/ECONNREFUSED, so a PUT reset
          // after being written can end in ECONNREFUSED on its retry; a custom `fetch`, a proxy or a
          // service mesh can do the same. No cause code proves that no attempt reached Close.
          throw new CloseNetworkError(
            { method, path, attempts: attempt + 1, outcomeUnknown: !read, cause: failure },
            redact,
          );
        }
        if (decision.why === 'too-long' && response.status === 429) {
          await response.body?.cancel().catch(() => undefined);
          throw new CloseRateLimitError(
            {
              method,
              path,
              askedMs: decision.askedMs ?? 0,
              maxDelayMs,
              phase: 'rate-limited',
              attempts: attempt + 1,
              headers: response.headers,
            },
            redact,
          );
        }
        // Errors need the method and path later (unwrap, paginate). A server may echo the credentials
        // into an error's body or headers, which the caller gets as `error`/`response`: redact them.
        const clean = await redactResponse(response, redact);
        rememberResponse(clean, { method, path, redact });
        return clean;
      }
    } finally {
      request.headers.delete('Authorization');
    }
  }

  const client = createClient<paths, Media>({
    baseUrl,
    fetch: transport,
    // Every array query parameter in the spec is `style: form, explode: false` (`_fields=id,name`);
    // openapi-fetch's default would repeat the parameter instead.
    querySerializer: { array: { style: 'form', explode: false } },
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
  if (options.middleware?.length) client.use(...options.middleware);

  type Loose = { parseAs?: string; fetch?: typeof transport; signal?: AbortSignal; [k: string]: unknown } | undefined;
  type LooseResult = { data?: unknown; error?: unknown; response: Response };
  type Send = (init: Loose) => Promise<LooseResult>;

  /**
   * Sends through openapi-fetch and classifies a failure while it reads a 2xx body (cut off: `TypeError:
   * terminated`; stalled past `timeoutMs`: a timeout `DOMException`). The transport has returned by then,
   * so it cannot see it: a per-call `fetch` notes the answer. A write answered 2xx was processed, so it
   * throws CloseResponseParseError (`writeSucceeded: true`); a read is retried as `retryDecision` says,
   * like a network failure. The body is not buffered in the transport: that would cost every call a
   * copied Response.
   */
  const guarded = async (method: string, init: Loose, send: Send): Promise<LooseResult> => {
    const inner = init?.fetch ?? transport;
    for (let attempt = 0; ; attempt++) {
      let answered: Response | undefined;
      const tracked = (req: Request, ext?: RequestInit): Promise<Response> =>
        inner(req, ext).then((r) => {
          answered = r;
          return r;
        });
      try {
        return await send({ ...init, fetch: tracked });
      } catch (err) {
        // Failures before an answer are the transport's (typed there); a 2xx body that is not JSON is a
        // SyntaxError, which re-reading would not fix; a cancelled call is the caller's.
        if (!answered?.ok || err instanceof SyntaxError || init?.signal?.aborted) throw err;
        const path = recallResponse(answered)?.path ?? pathOf(answered.url);
        if (!isRead(method)) {
          const { status, headers } = answered;
          throw new CloseResponseParseError(
            { status, method, path, headers, cause: err, problem: 'unreadable' },
            redact,
          );
        }
        const decision = retryDecision({
          method,
          error: err,
          attempt,
          maxRetries,
          maxDelayMs,
          baseDelayMs,
          now: now(),
          random: random(),
        });
        if (!decision.retry)
          throw new CloseNetworkError(
            { method, path, attempts: attempt + 1, outcomeUnknown: false, cause: err },
            redact,
          );
        onRetry?.({ method, path, retry: attempt + 1, reason: decision.reason, delayMs: decision.delayMs });
        try {
          await abortableWait(sleep, decision.delayMs, init?.signal);
        } catch (waitErr) {
          if (init?.signal?.aborted)
            throw new CloseAbortError(
              { method, path, attempts: attempt + 1, phase: 'backoff', reason: init.signal.reason },
              redact,
            );
          throw waitErr;
        }
      }
    }
  };

  // A 2xx write whose body does not parse would reject with openapi-fetch's bare SyntaxError, which reads
  // like a failure, and a retry could duplicate the write. Write methods therefore read the body as text
  // and parse it here, throwing CloseResponseParseError (`writeSucceeded: true`) instead. Error results and
  // a caller's own `parseAs` (text, blob, stream…) are left exactly as openapi-fetch returns them.
  const readOnlyPosts = new Set(
    Object.values<OperationInfo>(operations)
      .filter((op) => op.method === 'post' && op.safety === 'read')
      .map((op) => op.path),
  );
  const parsedWrite = async (method: string, url: string, init: Loose, send: Send): Promise<LooseResult> => {
    if (init?.parseAs !== undefined && init.parseAs !== 'json') return send(init);
    // A search sent as POST (`POST /data/search/`, safety `read` in the operations list) writes nothing.
    if (readOnlyPosts.has(url)) return send(init);
    const result = await guarded(method, { ...init, parseAs: 'text' }, send);
    if (!result.response.ok || typeof result.data !== 'string') return result;
    if (result.data === '') return { data: undefined, response: result.response };
    try {
      return { data: JSON.parse(result.data) as unknown, response: result.response };
    } catch (err) {
      const meta = recallResponse(result.response);
      const { status, headers } = result.response;
      throw new CloseResponseParseError(
        { status, method: meta?.method ?? method, path: meta?.path ?? url, headers, cause: err },
        redact,
      );
    }
  };
  const loose = client as unknown as Record<string, (...args: unknown[]) => Promise<LooseResult>>;
  for (const name of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
    const send = client[name].bind(client) as (...args: unknown[]) => Promise<LooseResult>;
    loose[name] = (url: unknown, init?: unknown) => parsedWrite(name, String(url), init as Loose, (i) => send(url, i));
  }
  const get = client.GET.bind(client) as (...args: unknown[]) => Promise<LooseResult>;
  loose.GET = (url: unknown, init?: unknown) => guarded('GET', init as Loose, (i) => get(url, i));
  const request = client.request.bind(client) as (...args: unknown[]) => Promise<LooseResult>;
  loose.request = (method: unknown, url: unknown, init?: unknown) => {
    const upper = String(method).toUpperCase();
    if (isRead(upper)) return guarded(upper, init as Loose, (i) => request(method, url, i));
    return parsedWrite(upper, String(url), init as Loose, (i) => request(method, url, i));
  };
  loose.call = makeCall(loose as unknown as Sender) as (...args: unknown[]) => Promise<LooseResult>;
  return client as CloseClient;
}
