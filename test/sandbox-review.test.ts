// Regressions from a review of the sandbox: bounded query work, failed writes that leave no trace,
// answers that stay within the spec. Every answer is checked against the spec by the harness.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { expectFieldError, type Harness, startHarness } from './support/sandbox.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ seed: 'demo' });
});
afterAll(async () => {
  await h.sandbox.close();
});
beforeEach(() => {
  h.sandbox.reset();
});

describe('bounded query work', () => {
  test('POST /data/search/ with more query nodes than the limit is a 400 on query naming it', async () => {
    const queries = Array.from({ length: 50_000 }, () => ({ type: 'text', value: 'zzzq' }));
    const r = await h.call('POST', '/data/search/', { body: { query: { type: 'or', queries } } });
    expectFieldError(r, 'query');
    expect(JSON.stringify(r.body)).toContain('1000');
  });

  test('a term condition with a huge list of values counts against the limit', async () => {
    const values = Array.from({ length: 5000 }, (_, i) => `v${i}`);
    const query = {
      type: 'field_condition',
      field: { type: 'regular_field', object_type: 'lead', field_name: 'display_name' },
      condition: { type: 'term', values },
    };
    expectFieldError(await h.call('POST', '/data/search/', { body: { query } }), 'query');
  });

  test('a search with many text nodes under the limit still answers', async () => {
    const queries = Array.from({ length: 900 }, () => ({ type: 'text', value: 'zzzq' }));
    const r = await h.call('POST', '/data/search/', { body: { query: { type: 'or', queries } } });
    expect(r.status).toBe(200);
    expect((r.body as { data: unknown[] }).data).toEqual([]);
  });

  test('GET /lead/?query= with more terms than the limit is a 400 on query', async () => {
    const query = Array.from({ length: 500 }, (_, i) => `w${i}`).join(' ');
    const r = await h.call('GET', `/lead/?query=${encodeURIComponent(query)}`);
    expectFieldError(r, 'query');
    expect(JSON.stringify(r.body)).toContain('100 terms');
  });
});
