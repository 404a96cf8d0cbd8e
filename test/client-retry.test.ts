// The retry policy as a table: retryDecision() is pure, so each row is one complete case.
import { describe, expect, it } from 'vitest';
import { isRead, type RetryDecision, type RetryInput, retryDecision } from '../src/retry.js';

const base: RetryInput = {
  method: 'GET',
  attempt: 0,
  maxRetries: 5,
  maxDelayMs: 60_000,
  baseDelayMs: 500,
  now: 0,
  random: 0.5,
};
const h = (o: Record<string, string>) => new Headers(o);
const netErr = new TypeError('fetch failed');

const rows: Array<[string, Partial<RetryInput>, RetryDecision]> = [
  [
    'GET 429 with Retry-After',
    { status: 429, headers: h({ 'retry-after': '2' }) },
    { retry: true, delayMs: 2050, reason: 'rate-limited' },
  ],
  [
    'POST 429 (not processed)',
    { method: 'POST', status: 429, headers: h({ 'retry-after': '2' }) },
    { retry: true, delayMs: 2050, reason: 'rate-limited' },
  ],
  [
    '429: precise RateLimit reset',
    { status: 429, headers: h({ ratelimit: 'limit=10, remaining=0, reset=0.25', 'retry-after': '1' }) },
    { retry: true, delayMs: 263, reason: 'rate-limited' },
  ],
  ['429 without headers: backoff', { status: 429 }, { retry: true, delayMs: 375, reason: 'rate-limited' }],
  [
    '429 asking beyond maxDelayMs',
    { status: 429, headers: h({ 'retry-after': '120' }) },
    { retry: false, why: 'too-long', askedMs: 120_000 },
  ],
  ['429 with retries spent', { status: 429, attempt: 5 }, { retry: false, why: 'max-retries' }],
  ['GET 503: backoff', { status: 503 }, { retry: true, delayMs: 375, reason: 'server-error' }],
  [
    'GET 502, third retry: doubled twice',
    { status: 502, attempt: 2 },
    { retry: true, delayMs: 1500, reason: 'server-error' },
  ],
  [
    'GET 504 asking beyond maxDelayMs',
    { status: 504, headers: h({ 'retry-after': '600' }) },
    { retry: false, why: 'too-long', askedMs: 600_000 },
  ],
  [
    'backoff capped at maxDelayMs',
    { status: 503, attempt: 10, maxRetries: 20 },
    { retry: true, delayMs: 60_000, reason: 'server-error' },
  ],
  ['POST 503: never', { method: 'POST', status: 503 }, { retry: false, why: 'final' }],
  ['PUT 502: never', { method: 'PUT', status: 502 }, { retry: false, why: 'final' }],
  ['GET network error', { error: netErr }, { retry: true, delayMs: 375, reason: 'network-error' }],
  [
    'HEAD network error',
    { method: 'HEAD', error: netErr, attempt: 1 },
    { retry: true, delayMs: 750, reason: 'network-error' },
  ],
  ['POST network error: outcome unknown', { method: 'POST', error: netErr }, { retry: false, why: 'outcome-unknown' }],
  [
    'DELETE network error: outcome unknown',
    { method: 'DELETE', error: netErr },
    { retry: false, why: 'outcome-unknown' },
  ],
  ['GET network error, retries spent', { error: netErr, attempt: 5 }, { retry: false, why: 'max-retries' }],
  ['retries off', { status: 429, maxRetries: 0 }, { retry: false, why: 'max-retries' }],
  ['GET 404: final', { status: 404 }, { retry: false, why: 'final' }],
  ['GET 500: final', { status: 500 }, { retry: false, why: 'final' }],
];

describe('retryDecision', () => {
  it.each(rows)('%s', (_name, input, expected) => {
    expect(retryDecision({ ...base, ...input })).toEqual(expected);
  });

  it('waits are whole milliseconds, never below the ask, never above maxDelayMs', () => {
    for (const random of [0, 0.3, 0.999]) {
      for (const retryAfter of ['1', '7', '59', '60']) {
        const d = retryDecision({ ...base, random, status: 429, headers: h({ 'retry-after': retryAfter }) });
        if (!d.retry) throw new Error('expected a retry');
        expect(Number.isInteger(d.delayMs)).toBe(true);
        expect(d.delayMs).toBeGreaterThanOrEqual(Math.min(60_000, Number(retryAfter) * 1000));
        expect(d.delayMs).toBeLessThanOrEqual(60_000);
      }
    }
  });
});

describe('isRead', () => {
  it('is true for the safe methods only', () => {
    expect(['GET', 'get', 'HEAD', 'OPTIONS', 'TRACE'].map(isRead)).toEqual([true, true, true, true, true]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(isRead)).toEqual([false, false, false, false]);
  });
});
