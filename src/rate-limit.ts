/**
 * Rate-limit headers and request pacing.
 *
 * Close limits requests per API key and per endpoint group and reports the window closest to being
 * exhausted in `RateLimit: limit=<n>, remaining=<n>, reset=<seconds>` (since July 2023; before that in
 * `X-Rate-Limit-Limit`/`-Remaining`/`-Reset`). Every 429 also carries `Retry-After` (seconds).
 */

/** One reading of the rate-limit window, as reported by a response. */
export interface RateLimitInfo {
  /** Requests allowed in the window. */
  limit: number;
  /** Requests left in the window. */
  remaining: number;
  /** Seconds until the window resets (may be fractional). */
  resetSeconds: number;
}

// A value must end where the parameter ends: `reset=1e10` or `limit=5x` is no reading, not `1` or `5`.
const RATE_LIMIT_RE = /(?:^|[,;\s])(limit|remaining|reset)\s*=\s*"?(\d+(?:\.\d+)?)"?(?=$|[,;\s])/gi;
const CANONICAL_RE = /^limit=(\d+), ?remaining=(\d+), ?reset=(\d+(?:\.\d+)?)$/;

/**
 * The longest window reset taken seriously (s). Close's windows last seconds to minutes; a reset beyond a
 * day (`reset=1e10`) is a broken header, and as a timer it would overflow and fire at once, in a loop.
 */
/** The longest timer Node and browsers can set (ms); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const MAX_RESET_SECONDS = 86_400;

/**
 * A reading that makes sense, or undefined: a window of at least one request (`limit=0` would leave a
 * group with no budget forever), `0 <= remaining <= limit`, and `0 <= reset <= MAX_RESET_SECONDS`.
 */
function plausible(limit: number, remaining: number, resetSeconds: number): RateLimitInfo | undefined {
  if (!Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(resetSeconds)) return undefined;
  if (limit < 1 || remaining < 0 || remaining > limit || resetSeconds < 0 || resetSeconds > MAX_RESET_SECONDS)
    return undefined;
  return { limit, remaining, resetSeconds };
}

/** A header's value as a number; undefined when absent or blank (`Number('')` is 0). */
function numberHeader(headers: Headers, name: string): number | undefined {
  const v = headers.get(name)?.trim();
  return v ? Number(v) : undefined;
}

/**
 * Parses the `RateLimit` header (falling back to the deprecated `X-Rate-Limit-*` headers). Readings that
 * make no sense (see `plausible`) are ignored, as if the header were absent.
 */
export function parseRateLimit(headers: Headers): RateLimitInfo | undefined {
  const combined = headers.get('ratelimit');
  if (combined) {
    const c = CANONICAL_RE.exec(combined);
    if (c) return plausible(Number(c[1]), Number(c[2]), Number(c[3]));
    const found: Record<string, number> = {};
    for (const [, key = '', value] of combined.matchAll(RATE_LIMIT_RE)) found[key.toLowerCase()] = Number(value);
    if (found.limit !== undefined && found.remaining !== undefined && found.reset !== undefined) {
      return plausible(found.limit, found.remaining, found.reset);
    }
  }
  const limit = numberHeader(headers, 'x-rate-limit-limit');
  const remaining = numberHeader(headers, 'x-rate-limit-remaining');
  const reset = numberHeader(headers, 'x-rate-limit-reset');
  if (limit !== undefined && remaining !== undefined && reset !== undefined) return plausible(limit, remaining, reset);
  return undefined;
}

/** Parses `Retry-After` (delta-seconds or an HTTP-date) into milliseconds; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const ms = Number(trimmed) * 1000;
    return Number.isFinite(ms) ? ms : undefined;
  }
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * How long a 429 asks the client to wait, in milliseconds. The `RateLimit` reset is preferred because it
 * is precise (Close rounds `Retry-After` up to whole seconds); `Retry-After` is used when it is the only
 * signal or when it asks for more.
 */
export function rateLimitWaitMs(headers: Headers, now: number): number | undefined {
  const info = parseRateLimit(headers);
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  const fromReset = info && info.remaining === 0 ? info.resetSeconds * 1000 : undefined;
  if (fromReset !== undefined && retryAfter !== undefined) {
    // Retry-After is the reset rounded up to whole seconds: when they agree, take the precise one.
    return retryAfter - fromReset <= 1000 ? fromReset : retryAfter;
  }
  return fromReset ?? retryAfter ?? (info ? info.resetSeconds * 1000 : undefined);
}

interface GroupState {
  limit: number;
  /** Requests we may still start in the current window (estimate). */
  budget: number;
  /** Clock time at which the server's window resets; infinite while waiting for an answer to tell. */
  windowEnd: number;
  /** Requests started and not yet answered. */
  inFlight: number;
  /** Requests waiting for a place, in order. */
  waiters: Waiter[];
  /** The one timer of the group (for the reset, or the earliest waiter's deadline), and when it fires. */
  timer: AbortController | undefined;
  timerAt: number;
  /** No reading yet: only `coldStart` requests go out until the first answer says how many may. */
  cold: boolean;
  /** The server answered without a reading: the group is not paced until one arrives. */
  unpaced: boolean;
}

interface Waiter {
  /** Clock time after which this request waits no longer. */
  deadline: number;
  settle: (outcome: boolean | Error) => void;
}

/** A pacing wait would take longer than the client's `maxDelayMs`: the request is not sent. */
export class PacingWaitTooLong extends Error {
  constructor(readonly askedMs: number) {
    super(`the rate-limit window resets in ${Math.ceil(askedMs)} ms`);
  }
}

/**
 * The default wait: a timer that is cleared as soon as `signal` aborts (rejecting with the signal's reason),
 * so a cancelled wait keeps nothing alive.
 */
export function timerSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as unknown);
  // A longer timer would fire at once; callers loop or bound their waits, so waking early is harmless.
  const delay = Math.min(Math.max(0, ms), MAX_TIMER_MS);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as unknown);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delay);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as `signal` aborts; the abort
 * listener is removed either way.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as unknown);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as unknown);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Waits `ms` with `sleep`, rejecting promptly when `signal` aborts even if an injected `sleep` ignores the
 * signal it is given. The signal `sleep` gets is aborted once the wait is over, so its timer is cleared.
 */
export async function abortableWait(
  sleep: PacerOptions['sleep'],
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const timer = new AbortController();
  try {
    await untilAborted(sleep(ms, timer.signal), signal);
  } finally {
    timer.abort();
  }
}

export interface PacerOptions {
  now: () => number;
  /** Waits `ms`; should stop waiting (and may reject) when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Extra wait after a window's reset before spending its budget again (ms). */
  marginMs: number;
  /**
   * Longest wait (ms): `acquire` rejects with `PacingWaitTooLong` rather than wait longer for a window,
   * and stops waiting for an answer that does not come. Default: no bound.
   */
  maxWaitMs?: number;
  /** Requests let out in a group with no reading yet, before the first answer (default 2). */
  coldStart?: number;
}

/**
 * Paces requests per endpoint group from the `RateLimit` readings of earlier responses: requests go out
 * freely while the window has budget left, and wait for the window's reset once it is spent, so a bulk job
 * runs at the allowed rate instead of bouncing off 429s. A group with no reading yet lets only a few
 * requests out (`coldStart`) and learns the window from their answers, so a cold burst does not bounce off
 * the limit either; a group whose answers carry no reading is not paced. No wait exceeds `maxWaitMs`.
 */
export class Pacer {
  readonly #groups = new Map<string, GroupState>();
  readonly #opts: PacerOptions;
  readonly #maxWaitMs: number;
  readonly #coldStart: number;

  constructor(opts: PacerOptions) {
    this.#opts = opts;
    // Without a bound (tests of the pacing itself), waiting for an answer has no deadline.
    this.#maxWaitMs = opts.maxWaitMs === undefined ? Number.POSITIVE_INFINITY : Math.min(opts.maxWaitMs, MAX_TIMER_MS);
    this.#coldStart = Math.max(1, opts.coldStart ?? 2);
  }

  #state(group: string): GroupState {
    let s = this.#groups.get(group);
    if (!s) {
      const n = this.#coldStart;
      s = {
        limit: n,
        budget: n,
        windowEnd: Number.POSITIVE_INFINITY,
        inFlight: 0,
        waiters: [],
        timer: undefined,
        timerAt: 0,
        cold: true,
        unpaced: false,
      };
      this.#groups.set(group, s);
    }
    return s;
  }

  /**
   * Waits until a request of `group` may start. Resolves `true` when the request was counted (pass it to
   * `release`), `false` when the group is not paced. Synchronous when no wait is needed. A wait rejects
   * with the signal's reason as soon as `signal` aborts, and then holds no place in the group; it rejects
   * with `PacingWaitTooLong` at once when the window resets later than `maxWaitMs` from now.
   */
  acquire(group: string, signal?: AbortSignal): boolean | Promise<boolean> {
    const s = this.#state(group);
    if (s.unpaced) return false;
    if (this.#tryTake(s)) return true;
    return this.#wait(s, signal);
  }

  /**
   * Queues a request. Waiters are served in order by `#pump`, which runs on every change (an answer, a
   * 429, the group's timer): one timer per group, not one per waiter, so a burst of hundreds of waiting
   * requests costs nothing per answer beyond the places it hands out.
   */
  #wait(s: GroupState, signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted) return Promise.reject(signal.reason as unknown);
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = (): void => {
        const i = s.waiters.indexOf(waiter);
        if (i !== -1) s.waiters.splice(i, 1);
        if (s.waiters.length === 0) this.#clearTimer(s);
        reject(signal?.reason as unknown);
      };
      const waiter: Waiter = {
        deadline: this.#opts.now() + this.#maxWaitMs,
        settle: (outcome) => {
          signal?.removeEventListener('abort', onAbort);
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        },
      };
      s.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pump(s);
    });
  }

  /** Hands out places to waiters while the group allows, fails those the reset comes too late for. */
  #pump(s: GroupState): void {
    while (s.waiters.length > 0) {
      if (s.unpaced) {
        (s.waiters.shift() as Waiter).settle(false);
        continue;
      }
      if (!this.#tryTake(s)) break;
      (s.waiters.shift() as Waiter).settle(true);
    }
    if (s.waiters.length === 0) {
      this.#clearTimer(s);
      return;
    }
    // Waiters queue in arrival order with the same bound, so their deadlines only grow: the earliest is first.
    const now = this.#opts.now();
    let at: number;
    if (s.windowEnd !== Number.POSITIVE_INFINITY) {
      at = s.windowEnd + this.#opts.marginMs;
      // The reset comes later than these may wait: fail them now rather than at their deadline.
      while (s.waiters.length > 0 && (s.waiters[0] as Waiter).deadline < at)
        (s.waiters.shift() as Waiter).settle(new PacingWaitTooLong(at - now));
    } else {
      // Waiting for an answer to tell the new window: those past their deadline go rather than wait on.
      while (s.waiters.length > 0 && (s.waiters[0] as Waiter).deadline <= now) {
        s.inFlight += 1;
        (s.waiters.shift() as Waiter).settle(true);
      }
      at = s.waiters[0]?.deadline ?? Number.POSITIVE_INFINITY;
    }
    if (s.waiters.length === 0 || at === Number.POSITIVE_INFINITY) {
      this.#clearTimer(s);
      return;
    }
    if (s.timer && s.timerAt === at) return;
    this.#clearTimer(s);
    const timer = new AbortController();
    s.timer = timer;
    s.timerAt = at;
    this.#opts.sleep(Math.max(0, at - now), timer.signal).then(
      () => {
        if (s.timer !== timer) return;
        s.timer = undefined;
        this.#pump(s);
      },
      () => undefined,
    );
  }

  #clearTimer(s: GroupState): void {
    s.timer?.abort();
    s.timer = undefined;
  }

  #tryTake(s: GroupState): boolean {
    if (s.windowEnd === Number.POSITIVE_INFINITY) {
      // Nothing in flight and no reading (every earlier attempt failed without an answer): try again.
      if (s.budget <= 0 && s.inFlight === 0) s.budget = s.limit;
    } else if (this.#opts.now() >= s.windowEnd + this.#opts.marginMs) {
      // The window has reset (whatever was left of its budget is stale): assume a full budget until an
      // answer says otherwise, less the requests still in flight (sent late, they may land in the new
      // window). The new window's end is unknown until then, so requests beyond it wait for an answer.
      s.budget = s.limit - s.inFlight;
      s.windowEnd = Number.POSITIVE_INFINITY;
    }
    if (s.budget > 0) {
      s.budget -= 1;
      s.inFlight += 1;
      return true;
    }
    return false;
  }

  /**
   * Records the outcome of a request of `group` (call once per `acquire`): its answer's headers, or
   * `undefined` when it failed without an answer.
   */
  release(group: string, headers: Headers | undefined, acquired: boolean): void {
    const s = this.#state(group);
    const info = headers ? parseRateLimit(headers) : undefined;
    if (acquired) s.inFlight = Math.max(0, s.inFlight - 1);
    if (info) {
      const now = this.#opts.now();
      const end = now + info.resetSeconds * 1000;
      const estimate = info.remaining - s.inFlight;
      if (now < s.windowEnd && s.windowEnd !== Number.POSITIVE_INFINITY) {
        // Same window: answers arrive out of order, so keep the most pessimistic estimate.
        s.budget = Math.min(s.budget, estimate);
      } else {
        s.budget = estimate;
      }
      s.limit = info.limit;
      s.windowEnd = end;
      s.cold = false;
      s.unpaced = false;
    } else if (headers && s.cold) {
      // Answered without a reading: this server does not report its limit, so there is nothing to pace by.
      s.cold = false;
      s.unpaced = true;
    }
    this.#pump(s);
  }

  /** After a 429: nothing more goes out in `group` for `waitMs`. */
  block(group: string, waitMs: number, limit: number | undefined): void {
    const s = this.#state(group);
    if (s.cold || s.unpaced) {
      // Without a RateLimit reading the window's size is unknown: after the wait, do not pace.
      s.limit = limit ?? Number.MAX_SAFE_INTEGER;
      s.cold = false;
      s.unpaced = false;
      s.windowEnd = 0;
    }
    s.budget = 0;
    s.windowEnd = Math.max(s.windowEnd === Number.POSITIVE_INFINITY ? 0 : s.windowEnd, this.#opts.now() + waitMs);
    this.#pump(s);
  }
}
