// search_operations on phrasings as agents type them. The tuning set (test/fixtures/mcp-phrasings.json)
// must meet the goal: the right operation first for >= 95% and in the top three for >= 99%. The
// held-out set (mcp-phrasings-holdout.json, written before any tuning and never tuned on) is the
// honest estimate for unseen phrasings; it is held to a regression floor below the goal, and its
// figures are printed here and by `npm run bench`.
import { describe, expect, it } from 'vitest';
import { operations } from '../generated/operations.js';
import { loadBundledSpec } from '../src/lib/spec-validator.js';
import { OperationSearch, toolName } from '../src/mcp/search.js';
import { loadPhrasings, score } from './support/mcp-search-eval.js';

const search = new OperationSearch(loadBundledSpec());

describe('search_operations ranking', () => {
  it('has at least 150 tuning phrasings covering every operation, several each', () => {
    const set = loadPhrasings('tuning');
    expect(set.length).toBeGreaterThanOrEqual(150);
    const per = new Map<string, number>();
    for (const [, id] of set) per.set(id, (per.get(id) ?? 0) + 1);
    for (const id of Object.keys(operations)) expect(per.get(id) ?? 0, id).toBeGreaterThanOrEqual(3);
    for (const id of per.keys()) expect(Object.keys(operations)).toContain(id);
  });

  it('meets the goal on the tuning set (top-1 >= 95%, top-3 >= 99%)', () => {
    const s = score(search, loadPhrasings('tuning'));
    expect(s.top1, JSON.stringify(s.misses, null, 1)).toBeGreaterThanOrEqual(0.95);
    expect(s.top3).toBeGreaterThanOrEqual(0.99);
  });

  it('holds on the held-out set (regression floor: top-1 >= 88%, top-3 >= 97%)', () => {
    const s = score(search, loadPhrasings('holdout'));
    console.log(
      `held-out: ${s.count} phrasings, top-1 ${(s.top1 * 100).toFixed(1)}%, top-3 ${(s.top3 * 100).toFixed(1)}%`,
    );
    expect(s.top1).toBeGreaterThanOrEqual(0.88);
    expect(s.top3).toBeGreaterThanOrEqual(0.97);
  });

  it('returns tool names and honours limit and scope', () => {
    const r = search.search('log a call', 2);
    expect(r).toHaveLength(2);
    expect(r[0]).toEqual({
      operationId: 'createCallActivity',
      tool: 'create_call_activity',
      method: 'POST',
      path: '/activity/call/',
      summary: operations.createCallActivity.summary,
    });
    const readOnly = new OperationSearch(
      loadBundledSpec(),
      Object.values(operations).filter((o) => o.safety === 'read'),
    );
    expect(
      readOnly
        .search('log a call', 5)
        .every((x) => operations[x.operationId as keyof typeof operations].safety === 'read'),
    ).toBe(true);
    expect(search.search('', 5)).toEqual([]);
    expect(toolName('listOpportunityStatuses')).toBe('list_opportunity_statuses');
  });
});
