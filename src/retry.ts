/**
 * The client's retry policy, in one place: `retryDecision()` says, for one failed attempt, whether the
 * request is sent again and after how long. It is pure (the clock and the random draw are inputs), so a
 * table of cases tests it completely (test/client-retry.test.ts); the transport in client.ts only carries
 * its decisions out. In the spirit of stripe-node's `_shouldRetry` / `_getSleepTimeInMS`.
 *
 * Close has no idempotency keys, so a write is only re-sent when the server said it did not process it
 * (a 429). A read is re-sent after a 429, a 502/503/504, a network error or a body that failed mid-way.
 */
import { parseRetryAfter, rateLimitWaitMs } from './rate-limit.js';

/** Safe methods (RFC 9110): sending one again changes nothing on the server. Everything else is a write. */
export function isRead(method: string): boolean {
  if (method === 'GET') return true; // the hot path: no case folding
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD' || m === 'OPTIONS' || m === 'TRACE';
}

/** Statuses of a gateway or an overloaded server: the request may be sent again if it is a read. */
const RETRYABLE_STATUS = new Set([502, 503, 504]);

export interface RetryInput {
  method: string;
  /** The answer's status; absent when the attempt failed without one (`error`). */
  status?: number | undefined;
  /** The attempt failed with no usable answer: a network error, a timeout, a body cut off or stalled. */
  error?: unknown;
  /** The answer's headers (`RateLimit`, `Retry-After`). */
  headers?: Headers | undefined;
  /** Retries already made (0 after the first attempt). */
  attempt: number;
  maxRetries: number;
  maxDelayMs: number;
  baseDelayMs: number;
  /** Clock time (ms since the epoch), for `Retry-After` dates. */
  now: number;
  /** A random draw in [0, 1), for jitter. */
  random: number;
}

export type RetryReason = 'rate-limited' | 'server-error' | 'network-error';

export type RetryDecision =
  /** Send again after `delayMs` (a whole number of milliseconds, at most `maxDelayMs`). */
  | { retry: true; delayMs: number; reason: RetryReason }
  /**
   * Give up. `too-long`: the server asked for a wait (`askedMs`) longer than `maxDelayMs`;
   * `outcome-unknown`: a write failed without an answer and may have been processed;
   * `max-retries`: the retries are spent; `final`: the answer is not one to retry (a success, a 4xx…).
   */
  | { retry: false; why: 'too-long' | 'outcome-unknown' | 'max-retries' | 'final'; askedMs?: number };

/** Exponential backoff from `baseDelayMs`, doubled per retry, halved at random (equal jitter). */
function backoff(i: RetryInput): number {
  return i.baseDelayMs * 2 ** i.attempt * (0.5 + i.random / 2);
}

/** Jitter is only ever added to the wait the server asked for, never taken off it. */
function jitter(i: RetryInput, askedMs: number): number {
  return i.random * Math.min(1000, Math.max(25, askedMs * 0.05));
}

function wait(i: RetryInput, ms: number, reason: RetryReason): RetryDecision {
  return { retry: true, delayMs: Math.ceil(Math.min(i.maxDelayMs, ms)), reason };
}

/** Whether and when to send a request again after one failed attempt. Pure. */
export function retryDecision(i: RetryInput): RetryDecision {
  const read = isRead(i.method);
  const rateLimited = i.status === 429;
  const serverError = i.status !== undefined && RETRYABLE_STATUS.has(i.status);
  const failed = i.status === undefined && i.error !== undefined;
  if (!rateLimited && !(read && (serverError || failed))) {
    return { retry: false, why: failed ? 'outcome-unknown' : 'final' };
  }
  // With retries spent (or switched off) the caller gets the answer itself.
  if (i.attempt >= i.maxRetries) return { retry: false, why: 'max-retries' };
  if (rateLimited || serverError) {
    // The server's own ask decides: one longer than the cap is never shortened into an early retry.
    const headers = i.headers ?? new Headers();
    const asked = rateLimited ? rateLimitWaitMs(headers, i.now) : parseRetryAfter(headers.get('retry-after'), i.now);
    if (asked !== undefined && asked > i.maxDelayMs) return { retry: false, why: 'too-long', askedMs: asked };
    const reason = rateLimited ? 'rate-limited' : 'server-error';
    return asked === undefined ? wait(i, backoff(i), reason) : wait(i, asked + jitter(i, asked), reason);
  }
  return wait(i, backoff(i), 'network-error');
}
