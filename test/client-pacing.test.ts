import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  abortableWait,
  Pacer,
  PacingWaitTooLong,
  parseRateLimit,
  parseRetryAfter,
  rateLimitWaitMs,
  timerSleep,
} from '../src/rate-limit.js';

function fake() {
  const c = { t: 0, sleeps: [] as number[] };
  const pacer = new Pacer({
    now: () => c.t,
    sleep: (ms) => {
      c.sleeps.push(ms);
      c.t += ms;
      return Promise.resolve();
    },
    marginMs: 10,
  });
  return { c, pacer };
}
const rl = (v: string) => new Headers({ ratelimit: v });

describe('rate-limit headers', () => {
  it('parses RateLimit, its spacing variants, and the deprecated X-Rate-Limit-* headers', () => {
    expect(parseRateLimit(rl('limit=100, remaining=0, reset=1'))).toEqual({
      limit: 100,
      remaining: 0,
      resetSeconds: 1,
    });
    expect(parseRateLimit(rl('limit=40,remaining=7,reset=0.870663'))).toEqual({
      limit: 40,
      remaining: 7,
      resetSeconds: 0.870663,
    });
    expect(
      parseRateLimit(
        new Headers({ 'x-rate-limit-limit': '320', 'x-rate-limit-remaining': '3', 'x-rate-limit-reset': '7.27' }),
      ),
    ).toEqual({ limit: 320, remaining: 3, resetSeconds: 7.27 });
    expect(parseRateLimit(rl('limit=100'))).toBeUndefined();
    expect(parseRateLimit(rl('limit=10, remaining=0, reset=1e10'))).toBeUndefined();
    expect(parseRateLimit(rl('limit=10, remaining=0, reset="2"'))?.resetSeconds).toBe(2);
    expect(parseRateLimit(new Headers())).toBeUndefined();
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('prefers the precise reset when Retry-After is its rounding, and the longer wait otherwise', () => {
    expect(
      rateLimitWaitMs(new Headers({ ratelimit: 'limit=40, remaining=0, reset=0.25', 'retry-after': '1' }), 0),
    ).toBe(250);
    expect(
      rateLimitWaitMs(new Headers({ ratelimit: 'limit=40, remaining=0, reset=0.25', 'retry-after': '30' }), 0),
    ).toBe(30_000);
    expect(rateLimitWaitMs(new Headers({ 'retry-after': '3' }), 0)).toBe(3000);
    expect(rateLimitWaitMs(new Headers(), 0)).toBeUndefined();
  });
});

describe('Pacer', () => {
  it('lets only a few requests out in a group with no reading, then learns from the first answer', async () => {
    const { pacer } = fake();
    expect(pacer.acquire('POST /lead/')).toBe(true);
    expect(pacer.acquire('POST /lead/')).toBe(true);
    const third = pacer.acquire('POST /lead/');
    expect(third).toBeInstanceOf(Promise);
    let started = false;
    void (third as Promise<boolean>).then(() => (started = true));
    await Promise.resolve();
    expect(started).toBe(false);
    // the first answer reports 96 left while one more of ours is in flight: 95 may go out at once
    pacer.release('POST /lead/', rl('limit=100, remaining=96, reset=1'), true);
    await expect(third).resolves.toBe(true);
    for (let i = 0; i < 94; i++) expect(pacer.acquire('POST /lead/')).toBe(true);
    expect(pacer.acquire('POST /lead/')).toBeInstanceOf(Promise);
  });

  it('stops pacing a group whose answers carry no reading', async () => {
    const { pacer } = fake();
    expect(pacer.acquire('GET /x/')).toBe(true);
    expect(pacer.acquire('GET /x/')).toBe(true);
    const third = pacer.acquire('GET /x/');
    pacer.release('GET /x/', new Headers(), true);
    await expect(third).resolves.toBe(false);
    for (let i = 0; i < 50; i++) expect(pacer.acquire('GET /x/')).toBe(false);
  });

  it('spends the reported budget, then waits for the window to reset', async () => {
    const { c, pacer } = fake();
    pacer.release('POST /lead/', rl('limit=3, remaining=2, reset=1'), false);
    expect(pacer.acquire('POST /lead/')).toBe(true);
    expect(pacer.acquire('POST /lead/')).toBe(true);
    const third = pacer.acquire('POST /lead/');
    expect(third).toBeInstanceOf(Promise);
    await expect(third).resolves.toBe(true);
    expect(c.t).toBeGreaterThanOrEqual(1000 + 10);
    // other groups are unaffected (a cold group lets its first requests out)
    expect(pacer.acquire('GET /lead/')).toBe(true);
  });

  it('counts requests in flight against the budget', async () => {
    const { c, pacer } = fake();
    pacer.release('g', rl('limit=10, remaining=10, reset=0.05'), false);
    for (let i = 0; i < 6; i++) expect(pacer.acquire('g')).toBe(true);
    c.t += 100; // a new window: the first answer in it says 5 left, but 5 of ours are still in flight
    pacer.release('g', rl('limit=10, remaining=5, reset=1'), true);
    const next = pacer.acquire('g');
    expect(next).toBeInstanceOf(Promise);
    await next;
    expect(c.t).toBeGreaterThanOrEqual(100 + 1000);
  });

  it('does not spend a stale budget left over from a window that has already reset', async () => {
    const { c, pacer } = fake();
    pacer.release('g', rl('limit=3, remaining=2, reset=0.15'), false);
    c.t += 200; // the window ended; the server starts a fresh one of 3 with the next request
    for (let i = 0; i < 3; i++) expect(pacer.acquire('g')).toBe(true);
    // a 4th would be the server's 4th in its new window: it waits for an answer with a reading
    const fourth = pacer.acquire('g');
    expect(fourth).toBeInstanceOf(Promise);
    let started = false;
    void (fourth as Promise<boolean>).then(() => (started = true));
    await Promise.resolve();
    expect(started).toBe(false);
    pacer.release('g', rl('limit=3, remaining=0, reset=0.1'), true);
    await fourth;
    expect(c.t).toBeGreaterThanOrEqual(200 + 100);
  });

  it('keeps the most pessimistic reading within a window (answers arrive out of order)', () => {
    const { pacer } = fake();
    pacer.release('g', rl('limit=10, remaining=1, reset=1'), false);
    pacer.release('g', rl('limit=10, remaining=6, reset=1'), false);
    expect(pacer.acquire('g')).toBe(true);
    expect(pacer.acquire('g')).toBeInstanceOf(Promise);
  });

  it('after a 429 holds the group for the wait; without a reading it stops pacing afterwards', async () => {
    const { c, pacer } = fake();
    pacer.block('g', 2000, undefined);
    const held = pacer.acquire('g');
    expect(held).toBeInstanceOf(Promise);
    await held;
    expect(c.t).toBeGreaterThanOrEqual(2000);
    for (let i = 0; i < 50; i++) expect(pacer.acquire('g')).toBe(true);
  });
});

describe('bounded waits', () => {
  const bounded = (maxWaitMs: number) => {
    const c = { t: 0 };
    const pacer = new Pacer({
      now: () => c.t,
      sleep: (ms) => {
        c.t += ms;
        return Promise.resolve();
      },
      marginMs: 10,
      maxWaitMs,
    });
    return { c, pacer };
  };

  it('rejects at once with PacingWaitTooLong when the window resets later than maxWaitMs', async () => {
    const { c, pacer } = bounded(60_000);
    pacer.release('g', rl('limit=10, remaining=0, reset=3600'), false);
    const held = pacer.acquire('g');
    await expect(held).rejects.toBeInstanceOf(PacingWaitTooLong);
    await expect(held).rejects.toMatchObject({ askedMs: 3_600_010 });
    expect(c.t).toBe(0);
  });

  it('stops waiting for an answer that does not come after maxWaitMs, and lets the request go', async () => {
    const { c, pacer } = bounded(5000);
    expect(pacer.acquire('g')).toBe(true);
    expect(pacer.acquire('g')).toBe(true);
    await expect(pacer.acquire('g')).resolves.toBe(true);
    expect(c.t).toBe(5000);
  });
});

describe('cancellable waits', () => {
  it('a paced wait rejects when its signal aborts and stops its timer; the group still works afterwards', async () => {
    const signals: (AbortSignal | undefined)[] = [];
    let t = 0;
    const pacer = new Pacer({
      now: () => t,
      sleep: (_ms, signal) => {
        signals.push(signal);
        return new Promise(() => undefined);
      },
      marginMs: 10,
    });
    pacer.release('g', rl('limit=1, remaining=0, reset=30'), false);
    const controller = new AbortController();
    const held = pacer.acquire('g', controller.signal);
    expect(held).toBeInstanceOf(Promise);
    await Promise.resolve();
    controller.abort(new Error('stop'));
    await expect(held).rejects.toThrow('stop');
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    t = 31_000; // the window reset: a fresh request goes out at once
    expect(pacer.acquire('g')).toBe(true);
  });

  it('a finished wait leaves no listener on the signal, and timerSleep clears its timer on abort', async () => {
    const controller = new AbortController();
    await abortableWait((ms) => new Promise((r) => setTimeout(r, ms)), 1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await timerSleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const started = performance.now();
    const long = timerSleep(60_000, controller.signal);
    controller.abort();
    await expect(long).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
