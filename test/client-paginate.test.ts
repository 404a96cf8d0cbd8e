import { describe, expect, it } from 'vitest';
import { operations } from '../generated/operations.js';
import {
  CloseApiError,
  CloseResponseParseError,
  createCloseClient,
  customFieldKey,
  customFields,
  customFieldsOf,
  getCustomField,
  paginate,
} from '../src/index.js';
import { CURSOR_MEMORY } from '../src/paginate.js';
import { parseRecorded, serverPerTest } from './client-server.js';

const serve = serverPerTest();

const noWait = { sleep: () => Promise.resolve(), now: () => 0 };
const leads = Array.from({ length: 250 }, (_, i) => ({ id: `lead_${i}`, name: `Lead ${i}` }));

describe('paginate', () => {
  it('takes each path’s style from the spec’s x-pagination (through the operations list)', () => {
    expect(operations.listLeads).toMatchObject({ method: 'get', path: '/lead/', pagination: 'offset' });
    expect(operations.listEvents).toMatchObject({ method: 'get', path: '/event/', pagination: 'cursor' });
    expect(operations.searchData).toMatchObject({ method: 'post', path: '/data/search/', pagination: 'body-cursor' });
  });

  it('offset: walks _skip until has_more is false, keeping the other query parameters', async () => {
    const server = await serve((req) => {
      const { query } = parseRecorded(req.url);
      const skip = Number(query.get('_skip') ?? 0);
      const limit = Number(query.get('_limit') ?? 100);
      return { body: { has_more: skip + limit < leads.length, data: leads.slice(skip, skip + limit) } };
    });
    const close = createCloseClient({ apiKey: 'k_test1234', baseUrl: server.baseUrl, ...noWait });
    const seen: (string | undefined)[] = [];
    for await (const lead of paginate(close, '/lead/', { params: { query: { query: 'name:Lead', _limit: 100 } } }))
      seen.push(lead.id);
    expect(seen).toEqual(leads.map((l) => l.id));
    const asked = server.requests.map((r) => parseRecorded(r.url).query);
    expect(asked.map((q) => q.get('_skip'))).toEqual([null, '100', '200']);
    expect(asked.every((q) => q.get('query') === 'name:Lead' && q.get('_limit') === '100')).toBe(true);
  });

  it('offset: stops early when the consumer breaks, without fetching more pages', async () => {
    const server = await serve((req) => {
      const skip = Number(parseRecorded(req.url).query.get('_skip') ?? 0);
      return { body: { has_more: true, data: leads.slice(skip, skip + 10) } };
    });
    const close = createCloseClient({ apiKey: 'k_test1234', baseUrl: server.baseUrl, ...noWait });
    let n = 0;
    for await (const _ of paginate(close, '/lead/')) if (++n === 15) break;
    expect(server.requests).toHaveLength(2);
  });

  it('cursor: follows cursor_next of the event log until it is null', async () => {
    const pages: Record<string, { data: Array<{ id: string }>; cursor_next: string | null }> = {
      '': { data: [{ id: 'ev_1' }, { id: 'ev_2' }], cursor_next: 'c2' },
      c2: { data: [{ id: 'ev_3' }, { id: 'ev_4' }], cursor_next: 'c3' },
      c3: { data: [{ id: 'ev_5' }], cursor_next: null },
    };
    const server = await serve((req) => ({ body: pages[parseRecorded(req.url).query.get('_cursor') ?? ''] }));
    const close = createCloseClient({ apiKey: 'k_test1234', baseUrl: server.baseUrl, ...noWait });
    const ids: (string | undefined)[] = [];
    for await (const ev of paginate(close, '/event/', { params: { query: { _limit: 2 } } })) ids.push(ev.id);
    expect(ids).toEqual(['ev_1', 'ev_2', 'ev_3', 'ev_4', 'ev_5']);
    expect(server.requests.map((r) => parseRecorded(r.url).query.get('_cursor'))).toEqual([null, 'c2', 'c3']);
    expect(server.requests.every((r) => r.method === 'GET' && parseRecorded(r.url).query.get('_limit') === '2')).toBe(
      true,
    );
  });

  it('body-cursor: sends the cursor in the POST body of /data/search/', async () => {
    const server = await serve((req) => {
      const body = JSON.parse(req.body) as { cursor?: string | null };
      if (!body.cursor) return { body: { data: [{ id: 'lead_a', __object_type: 'lead' }], cursor: 'p2' } };
      if (body.cursor === 'p2') return { body: { data: [{ id: 'lead_b', __object_type: 'lead' }], cursor: 'p3' } };
      return { body: { data: [{ id: 'lead_c', __object_type: 'lead' }], cursor: null } };
    });
    const close = createCloseClient({ apiKey: 'k_test1234', baseUrl: server.baseUrl, ...noWait });
    const query = { type: 'and' as const, queries: [{ type: 'object_type' as const, object_type: 'lead' }] };
    const ids: (string | undefined)[] = [];
    for await (const item of paginate(close, '/data/search/', { body: { query, _limit: 1 } })) ids.push(item.id);
    expect(ids).toEqual(['lead_a', 'lead_b', 'lead_c']);
    const bodies = server.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies.map((b) => b.cursor)).toEqual([undefined, 'p2', 'p3']);
    expect(bodies.every((b) => JSON.stringify(b.query) === JSON.stringify(query) && b._limit === 1)).toBe(true);
    expect(server.requests.every((r) => r.method === 'POST')).toBe(true);
  });

  it('a failed page throws CloseApiError after the items before it', async () => {
    const server = await serve((req) => {
      const skip = Number(parseRecorded(req.url).query.get('_skip') ?? 0);
      if (skip >= 100) return { status: 400, body: { error: 'max_skip = 100 exceeded' } };
      return { body: { has_more: true, data: leads.slice(skip, skip + 100) } };
    });
    const close = createCloseClient({ apiKey: 'k_test1234', baseUrl: server.baseUrl, ...noWait });
    let n = 0;
    const err = await (async () => {
      for await (const _ of paginate(close, '/lead/', { params: { query: { _limit: 100 } } })) n++;
    })().catch((e: unknown) => e);
    expect(n).toBe(100);
    expect(err).toBeInstanceOf(CloseApiError);
    expect(err).toMatchObject({ status: 400, method: 'GET', path: '/lead/' });
    expect((err as Error).message).toContain('max_skip = 100');
  });

  it('stops on an empty-string cursor, on an empty last page, and on a cursor page without items', async () => {
    const events = await serve(() => ({ body: { data: [{ id: 'ev_1' }], cursor_next: '' } }));
    const ec = createCloseClient({ apiKey: 'k_test1234', baseUrl: events.baseUrl, ...noWait });
    const evIds: (string | undefined)[] = [];
    for await (const ev of paginate(ec, '/event/')) evIds.push(ev.id);
    expect(evIds).toEqual(['ev_1']);
    expect(events.requests).toHaveLength(1);

    const offset = await serve(() => ({ body: { has_more: false, data: [] } }));
    const oc = createCloseClient({ apiKey: 'k_test1234', baseUrl: offset.baseUrl, ...noWait });
    let n = 0;
    for await (const _ of paginate(oc, '/lead/')) n++;
    expect(n).toBe(0);
    expect(offset.requests).toHaveLength(1);

    const search = await serve((req) => ({
      body: {
        data: (JSON.parse(req.body) as { cursor?: string }).cursor ? [] : [{ id: 'lead_a', __object_type: 'lead' }],
        cursor: 'again',
      },
    }));
    const sc = createCloseClient({ apiKey: 'k_test1234', baseUrl: search.baseUrl, ...noWait });
    const ids: (string | undefined)[] = [];
    for await (const item of paginate(sc, '/data/search/', { body: { query: { type: 'and', queries: [] } } }))
      ids.push(item.id);
    expect(ids).toEqual(['lead_a']);
    expect(search.requests).toHaveLength(2);
  });

  it('throws on a repeated cursor, counting the caller’s starting cursor, without repeating items', async () => {
    // A server that keeps answering with the cursor it was asked for would loop forever.
    const events = await serve((req) => {
      const cursor = parseRecorded(req.url).query.get('_cursor');
      return { body: { data: [{ id: `ev_${cursor}` }], cursor_next: cursor } };
    });
    const ec = createCloseClient({ apiKey: 'k_test1234', baseUrl: events.baseUrl, ...noWait });
    const ids: (string | undefined)[] = [];
    const err = await (async () => {
      for await (const ev of paginate(ec, '/event/', { params: { query: { _cursor: 'start' } } })) ids.push(ev.id);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/same cursor twice/);
    expect(ids).toEqual(['ev_start']);
    expect(events.requests).toHaveLength(1);

    const search = await serve((req) => ({
      body: {
        data: [{ id: 'lead_x', __object_type: 'lead' }],
        cursor: (JSON.parse(req.body) as { cursor?: string }).cursor ?? 'p1',
      },
    }));
    const sc = createCloseClient({ apiKey: 'k_test1234', baseUrl: search.baseUrl, ...noWait });
    let n = 0;
    const err2 = await (async () => {
      for await (const _ of paginate(sc, '/data/search/', {
        body: { query: { type: 'and', queries: [] }, cursor: 'p1' },
      }))
        n++;
    })().catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/same cursor twice/);
    expect(n).toBe(1);
    expect(search.requests).toHaveLength(1);
  });

  it('guards against repeated cursors in bounded memory: forgets old cursors, yet stops any loop', async () => {
    // A fake client: thousands of pages without a socket. `next(cursor)` is the server's cursor function.
    const walk = async (next: (cursor: string | undefined, page: number) => string | null, maxPages = 10_000) => {
      let pages = 0;
      const fake = {
        request: (_method: string, _path: string, init: { params?: { query?: { _cursor?: string } } }) => {
          if (++pages > maxPages) throw new Error('runaway pagination');
          const cursor = init.params?.query?._cursor;
          return Promise.resolve({
            data: { data: [{ id: `ev_${cursor ?? 'first'}` }], cursor_next: next(cursor, pages) },
            response: new Response(null, { status: 200 }),
          });
        },
      } as unknown as Parameters<typeof paginate>[0];
      const ids: (string | undefined)[] = [];
      const err = await (async () => {
        for await (const ev of paginate(fake, '/event/')) ids.push(ev.id);
      })().catch((e: unknown) => e as Error);
      return { ids, err, pages };
    };
    // Memory is bounded: a cursor used more than CURSOR_MEMORY pages ago is no longer remembered
    // (the old Set kept every cursor and threw here).
    const revisit = await walk((_c, page) => (page <= 40 ? `c${page}` : page === 41 ? 'c1' : null));
    expect(revisit.err).toBeUndefined();
    expect(revisit.ids).toHaveLength(42);
    expect(CURSOR_MEMORY).toBeLessThan(40);
    // A loop within the window stops before any item repeats.
    const short = await walk((c) => `c${(Number(c?.slice(1) ?? 0) + 1) % CURSOR_MEMORY}`);
    expect(short.err?.message).toMatch(/same cursor twice/);
    expect(new Set(short.ids).size).toBe(short.ids.length);
    // A loop far longer than the window still ends, after at most a few turns of the loop.
    const loop = 1000;
    const long = await walk((c) => `c${(Number(c?.slice(1) ?? 0) + 1) % loop}`);
    expect(long.err?.message).toMatch(/same cursor twice/);
    expect(long.pages).toBeLessThanOrEqual(3 * loop);
  });

  it('a search (POST /data/search/) with a 2xx body that does not parse is a read: no "write succeeded" error', async () => {
    const server = await serve(() => ({ body: '<html>not json</html>' }));
    const close = createCloseClient({ apiKey: 'k_test1234', baseUrl: server.baseUrl, ...noWait });
    const err = await (async () => {
      for await (const _ of paginate(close, '/data/search/', { body: { query: { type: 'and', queries: [] } } })) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyntaxError);
    expect(err).not.toBeInstanceOf(CloseResponseParseError);
    const direct = await close
      .POST('/data/search/', { body: { query: { type: 'and', queries: [] } } })
      .catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(SyntaxError);
  });

  it('rejects a path that is not a paginated list', async () => {
    const close = createCloseClient({ apiKey: 'k_test1234', baseUrl: 'http://127.0.0.1:9/api/v1' });
    // @ts-expect-error not a list operation
    const it = paginate(close, '/lead/{lead_id}/');
    await expect(it.next()).rejects.toThrow(/not a paginated list operation/);
  });
});

describe('custom fields', () => {
  it('builds and reads custom.cf_* keys', () => {
    expect(customFieldKey('cf_abc123')).toBe('custom.cf_abc123');
    expect(() => customFieldKey('source' as 'cf_x')).toThrow(/not a custom field id/);
    const body = { name: 'Acme', ...customFields({ cf_src: 'Website', lcf_old: 3 }) };
    expect(body).toEqual({ name: 'Acme', 'custom.cf_src': 'Website', 'custom.lcf_old': 3 });
    const lead = {
      id: 'lead_1',
      'custom.cf_src': 'Website',
      'custom.cf_tags': ['a', 'b'],
      custom: { Source: 'Website' },
    };
    expect(getCustomField(lead, 'cf_src')).toBe('Website');
    expect(getCustomField(lead, 'cf_none')).toBeUndefined();
    expect([...customFieldsOf(lead)]).toEqual([
      ['cf_src', 'Website'],
      ['cf_tags', ['a', 'b']],
    ]);
  });
});
