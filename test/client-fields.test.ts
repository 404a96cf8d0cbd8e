// `_fields` end to end against the sandbox: the harness validates every answer, relaxing `required` to the
// asked fields (test/support/sandbox.ts); the same trimmed body is not a valid default response; and the
// typed results carry exactly the asked fields (their types are in test/types.test-d.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paginate, unwrap } from '../src/index.js';
import { type Harness, spec, startHarness } from './support/sandbox.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sandbox.close();
});

describe('_fields against the sandbox', () => {
  it('a trimmed list passes the harness; as a default response it would fail', async () => {
    const before = h.checked();
    const page = unwrap(
      await h.client.GET('/lead/', { params: { query: { _fields: ['id', 'html_url'], _limit: 3 } } }),
    );
    expect(h.checked()).toBe(before + 1);
    expect(page.data).toHaveLength(3);
    for (const row of page.data) expect(Object.keys(row).sort()).toEqual(['html_url', 'id']);
    const asDefault = spec.validateResponse('listLeads', 200, page);
    expect(asDefault.valid).toBe(false);
    expect(asDefault.errors.map((e) => e.property)).toContain('display_name');
    expect(spec.validateResponse('listLeads', 200, page, { fields: ['id', 'html_url'] }).valid).toBe(true);
  });

  it('by operationId, for one object, through paginate, and in a search body', async () => {
    const first = unwrap(await h.client.GET('/lead/', { params: { query: { _limit: 1 } } })).data[0];
    if (!first) throw new Error('the demo seed has leads');
    const one = await h.client.call('getLead', {
      params: { path: { lead_id: first.id }, query: { _fields: ['id', 'display_name'] } },
    });
    expect(one).toEqual({ id: first.id, display_name: first.display_name });
    const names: string[] = [];
    for await (const c of paginate(h.client, '/contact/', { params: { query: { _fields: ['name'], _limit: 10 } } })) {
      expect(Object.keys(c)).toEqual(['name']);
      names.push(String(c.name));
      if (names.length === 12) break;
    }
    expect(names).toHaveLength(12);
    const found = unwrap(
      await h.client.POST('/data/search/', {
        body: { query: { type: 'object_type', object_type: 'lead' }, _fields: { lead: ['id', 'html_url'] }, _limit: 5 },
      }),
    );
    expect(found.data.length).toBeGreaterThan(0);
    for (const row of found.data) {
      if (row.__object_type !== 'lead') throw new Error(`a lead search returned ${row.__object_type}`);
      expect(row.html_url).toBe(`https://app.close.com/lead/${row.id}/`);
    }
  });
});
