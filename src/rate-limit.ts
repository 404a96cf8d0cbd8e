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

const RATE_LIMIT_RE = /(?:^|[,;\s])(limit|remaining|reset)\s*=\s*"?(\d+(?:\.\d+)?)"?/gi;
const CANONICAL_RE = /^limit=(\d+), ?remaining=(\d+), ?reset=(\d+(?:\.\d+)?)$/;

/** Parses the `RateLimit` header (falling back to the deprecated `X-Rate-Limit-*` headers). */
export function parseRateLimit(headers: Headers): RateLimitInfo | undefined {
  const combined = headers.get('ratelimit');
  if (combined) {
    const c = CANONICAL_RE.exec(combined);
    if (c) return { limit: Number(c[1]), remaining: Number(c[2]), resetSeconds: Number(c[3]) };
    const found: Record<string, number> = {};
    for (const [, key = '', value] of combined.matchAll(RATE_LIMIT_RE)) found[key.toLowerCase()] = Number(value);
    if (found.limit !== undefined && found.remaining !== undefined && found.reset !== undefined) {
      return { limit: found.limit, remaining: found.remaining, resetSeconds: found.reset };
    }
  }
  const limit = headers.get('x-rate-limit-limit');
  const remaining = headers.get('x-rate-limit-remaining');
  const reset = headers.get('x-rate-limit-reset');
  if (limit !== null && remaining !== null && reset !== null) {
    const info = { limit: Number(limit), remaining: Number(remaining), resetSeconds: Number(reset) };
    if (Number.isFinite(info.limit) && Number.isFinite(info.remaining) && Number.isFinite(info.resetSeconds))
      return info;
  }
  return undefined;
}

/** Parses `Retry-After` (delta-seconds or an HTTP-date) into milliseconds; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
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
  /** Clock time at which the server's window resets. */
  windowEnd: number;
  /** Requests started and not yet answered. */
  inFlight: number;
  /** Waiters for a change of state (an answer arriving). */
  waiters: Array<() => void>;
}

/**
 * The default wait: a timer that is cleared as soon as `signal` aborts (rejecting with the signal's reason),
 * so a cancelled wait keeps nothing alive.
 */
export function timerSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as unknown);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as unknown);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
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
}

/**
 * Paces requests per endpoint group from the `RateLimit` readings of earlier responses: requests go out
 * freely while the window has budget left, and wait for the window's reset once it is spent, so a bulk job
 * runs at the allowed rate instead of bouncing off 429s. Groups with no reading yet are not paced.
 */
export class Pacer {
  readonly #groups = new Map<string, GroupState>();
  readonly #opts: PacerOptions;

  constructor(opts: PacerOptions) {
    this.#opts = opts;
  }

  /**
   * Waits until a request of `group` may start. Resolves `true` when the request was counted (pass it to
   * `release`), `false` when the group is not paced yet. Synchronous when no wait is needed. A wait
   * rejects with the signal's reason as soon as `signal` aborts, and then holds no place in the group.
   */
  acquire(group: string, signal?: AbortSignal): boolean | Promise<boolean> {
    const s = this.#groups.get(group);
    if (s === undefined) return false;
    if (this.#tryTake(s)) return true;
    return this.#wait(s, signal);
  }

  async #wait(s: GroupState, signal: AbortSignal | undefined): Promise<boolean> {
    for (;;) {
      let wake: () => void = () => undefined;
      const answer = new Promise<void>((r) => {
        wake = r;
        s.waiters.push(r);
      });
      const timer = new AbortController();
      try {
        // The new window's end is unknown until an answer arrives (one is in flight, see #tryTake);
        // otherwise wait for the reset, or for an answer that may bring better news, whichever comes first.
        const reset =
          s.windowEnd === Number.POSITIVE_INFINITY
            ? []
            : [
                this.#opts
                  .sleep(Math.max(0, s.windowEnd + this.#opts.marginMs - this.#opts.now()), timer.signal)
                  .catch(() => undefined),
              ];
        await untilAborted(Promise.race([answer, ...reset]), signal);
      } finally {
        // Whichever way the wait ended, its timer and its place among the waiters go.
        timer.abort();
        const i = s.waiters.indexOf(wake);
        if (i !== -1) s.waiters.splice(i, 1);
      }
      if (this.#tryTake(s)) return true;
    }
  }

  #tryTake(s: GroupState): boolean {
    if (s.windowEnd === Number.POSITIVE_INFINITY) {
      // Answers came back without a reading: nothing to pace by until one arrives.
      if (s.budget <= 0 && s.inFlight === 0) s.budget = s.limit;
    } else if (this.#opts.now() >= s.windowEnd + this.#opts.marginMs) {
      // The window has reset (whatever was left of its budget is stale): assume a full budget until an
      // answer says otherwise. The new window's end is unknown until then, so requests beyond the
      // budget wait for an answer.
      s.budget = s.limit;
      s.windowEnd = Number.POSITIVE_INFINITY;
    }
    if (s.budget > 0) {
      s.budget -= 1;
      s.inFlight += 1;
      return true;
    }
    return false;
  }

  /** Records the answer to a request of `group` (call once per `acquire`d or unpaced request). */
  release(group: string, headers: Headers | undefined, acquired: boolean): void {
    let s = this.#groups.get(group);
    const info = headers ? parseRateLimit(headers) : undefined;
    if (s && acquired) s.inFlight = Math.max(0, s.inFlight - 1);
    if (info) {
      const now = this.#opts.now();
      if (!s) {
        s = { limit: info.limit, budget: 0, windowEnd: 0, inFlight: 0, waiters: [] };
        this.#groups.set(group, s);
      }
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
    }
    if (s?.waiters.length) {
      const waiters = s.waiters;
      s.waiters = [];
      for (const w of waiters) w();
    }
  }

  /** After a 429: nothing more goes out in `group` for `waitMs`. */
  block(group: string, waitMs: number, limit: number | undefined): void {
    let s = this.#groups.get(group);
    if (!s) {
      // Without a RateLimit reading the window's size is unknown: after the wait, do not pace.
      s = { limit: limit ?? Number.MAX_SAFE_INTEGER, budget: 0, windowEnd: 0, inFlight: 0, waiters: [] };
      this.#groups.set(group, s);
    }
    s.budget = 0;
    s.windowEnd = Math.max(s.windowEnd === Number.POSITIVE_INFINITY ? 0 : s.windowEnd, this.#opts.now() + waitMs);
  }
}
