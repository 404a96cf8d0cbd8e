// What the sandbox does to be fast must not change what it answers: lead renderings are cached as JSON
// (store.cachedJson) and dropped on every write and at midnight UTC, so after each kind of write that
// shows in a lead, the cached answers (GET /lead/{id}/, GET /lead/) must equal a fresh rendering (the
// same request with `_fields` naming every key, which is never cached). Whole pages of GET /lead/ are
// cached too (store.cachedPage): a write between two identical requests, a reset and a new UTC day
// must show in the second answer. Request bodies taken straight from the stream's buffer must still be
// whole however they arrive (split over packets, chunked, pipelined). Also: rendering does not move
// the store's clock, a `_limit=0` page does not claim there is more, and the HTTP layer's fast parse of
// plain request targets gives what the general one does.
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { parseRequestTarget, type RequestTarget } from '../src/lib/http-guard.js';
import { handlers, JsonBody, QueryValues } from '../src/sandbox/handlers/index.js';
import { requestTarget } from '../src/sandbox/http.js';
import { createSeed } from '../src/sandbox/seed.js';
import { type LeadRecord, naive, PAGES_KEPT, Store, seededRandom, stamp } from '../src/sandbox/store.js';
import { leadJson, leadView } from '../src/sandbox/views.js';
import { basic, type Harness, startHarness } from './support/sandbox.js';

type Obj = Record<string, unknown>;

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

async function ok(method: string, path: string, body?: unknown): Promise<Obj> {
  const a = await h.call(method, path, body === undefined ? {} : { body });
  expect(a.status, `${method} ${path}: ${JSON.stringify(a.body)}`).toBeLessThan(300);
  return (a.body ?? {}) as Obj;
}

/** The cached answers for `leadId` (its GET and its row in the list) against fresh renderings. */
async function expectFresh(leadId: string, what: string): Promise<Obj> {
  const cached = await ok('GET', `/lead/${leadId}/`);
  const fields = Object.keys(cached).join(',');
  const fresh = await ok('GET', `/lead/${leadId}/?_fields=${encodeURIComponent(fields)}`);
  expect(cached, `${what}: GET /lead/{id}/`).toEqual(fresh);
  const list = (await ok('GET', '/lead/?_limit=100')).data as Obj[];
  const freshList = (await ok('GET', `/lead/?_limit=100&_fields=${encodeURIComponent(fields)}`)).data as Obj[];
  expect(list, `${what}: GET /lead/`).toEqual(freshList);
  expect(
    list.find((l) => l.id === leadId),
    `${what}: the lead in the list`,
  ).toEqual(cached);
  return cached;
}

describe('cached lead renderings never go stale', () => {
  test('after every kind of write that shows in a lead', async () => {
    const leads = (await ok('GET', '/lead/?_limit=100')).data as Obj[];
    const lead = leads.find((l) => (l.opportunities as Obj[]).length > 0 && (l.contacts as Obj[]).length > 0);
    const other = leads.find((l) => l.id !== lead?.id);
    if (!lead || !other) throw new Error('the demo seed has no lead with an opportunity and a contact');
    const id = lead.id as string;
    const oppo = (lead.opportunities as Obj[])[0] as Obj;
    const contact = (lead.contacts as Obj[])[0] as Obj;
    const pipelines = (await ok('GET', '/pipeline/')).data as Obj[];
    const pipeline = pipelines.find((p) => p.id === oppo.pipeline_id) as Obj;
    const won = (pipeline.statuses as Obj[]).find((s) => s.type === 'won') as Obj;
    const source = ((await ok('GET', '/custom_field/lead/')).data as Obj[]).find((f) => f.name === 'Source') as Obj;
    await expectFresh(id, 'before any write');

    const writes: [string, () => Promise<unknown>, (view: Obj) => void][] = [
      [
        'PUT /lead/',
        () => ok('PUT', `/lead/${id}/`, { name: 'Renamed' }),
        (v) => expect(v.display_name).toBe('Renamed'),
      ],
      [
        'PUT /lead/ custom field',
        () => ok('PUT', `/lead/${id}/`, { [`custom.${source.id}`]: 'Referral' }),
        (v) => expect(v[`custom.${source.id}`]).toBe('Referral'),
      ],
      [
        'POST /contact/',
        () => ok('POST', '/contact/', { lead_id: id, name: 'New Person' }),
        (v) => expect((v.contacts as Obj[]).map((c) => c.name)).toContain('New Person'),
      ],
      [
        'PUT /contact/',
        () => ok('PUT', `/contact/${contact.id}/`, { title: 'Chief Tester' }),
        (v) => expect((v.contacts as Obj[]).find((c) => c.id === contact.id)?.title).toBe('Chief Tester'),
      ],
      [
        'PUT /opportunity/ (status)',
        () => ok('PUT', `/opportunity/${oppo.id}/`, { status_id: won.id }),
        (v) => expect((v.opportunities as Obj[]).find((o) => o.id === oppo.id)?.status_type).toBe('won'),
      ],
      [
        'PUT /pipeline/ (renamed)',
        () => ok('PUT', `/pipeline/${pipeline.id}/`, { name: 'Renamed pipeline' }),
        (v) => expect((v.opportunities as Obj[])[0]?.pipeline_name).toBe('Renamed pipeline'),
      ],
      [
        'POST /task/',
        () => ok('POST', '/task/', { lead_id: id, text: 'Call back' }),
        (v) => expect((v.tasks as Obj[]).map((t) => t.text)).toContain('Call back'),
      ],
      [
        'PUT /task/ (completed)',
        async () => {
          const task = ((await ok('GET', `/lead/${id}/`)).tasks as Obj[]).find((t) => t.text === 'Call back');
          return ok('PUT', `/task/${task?.id}/`, { is_complete: true });
        },
        (v) => expect((v.tasks as Obj[]).map((t) => t.text)).not.toContain('Call back'),
      ],
      [
        'POST /lead/merge/',
        () => ok('POST', '/lead/merge/', { source: other.id, destination: id }),
        (v) =>
          expect((v.contacts as Obj[]).length).toBe(
            (lead.contacts as Obj[]).length + 1 + (other.contacts as Obj[]).length,
          ),
      ],
      [
        'DELETE /custom_field/lead/',
        () => ok('DELETE', `/custom_field/lead/${source.id}/`),
        (v) => expect(v).not.toHaveProperty(`custom.${source.id}`),
      ],
    ];
    for (const [what, write, check] of writes) {
      await write();
      check(await expectFresh(id, `after ${what}`));
    }
    // A failed write (a 400) changes nothing and answers the same as before.
    const before = await expectFresh(id, 'before a failed write');
    expect((await h.call('PUT', `/lead/${id}/`, { body: { status_id: 'stat_doesnotexist' } })).status).toBe(400);
    expect(await expectFresh(id, 'after a failed write')).toEqual(before);
  });

  test('a new UTC day renders again: a task due tomorrow moves from future to inbox', () => {
    let now = Date.parse('2026-03-10T23:59:00Z');
    const store = new Store(createSeed('demo'), () => new Date(now));
    const lead = store
      .leadsNewestFirst()
      .find((l) => store.childrenOf('tasks', l.id).some((t) => !t.is_complete)) as LeadRecord;
    const task = store.childrenOf('tasks', lead.id).find((t) => !t.is_complete);
    if (!task) throw new Error('the demo seed has no open task');
    Object.assign(task, { date: '2026-03-11', is_dateless: false });
    store.changed(); // written directly, not through a handler
    const view = () => (JSON.parse(Buffer.from(leadJson(store, lead)).toString('utf8')) as { tasks: Obj[] }).tasks;
    expect(view().find((t) => t.id === task.id)?.view).toBe('future');
    now += 2 * 60_000; // 00:01 the next day
    expect(view().find((t) => t.id === task.id)?.view).toBe('inbox');
    expect(JSON.parse(Buffer.from(leadJson(store, lead)).toString('utf8'))).toEqual(leadView(store, lead));
  });
});

describe('whole cached pages of GET /lead/ never go stale', () => {
  const names = async (path: string): Promise<string[]> =>
    ((await ok('GET', path)).data as Obj[]).map((l) => String(l.display_name));

  test('a write between two identical requests shows in the second answer', async () => {
    const path = '/lead/?_limit=25';
    const before = await names(path);
    expect(await names(path)).toEqual(before); // now answered from the cached page
    const created = await ok('POST', '/lead/', { name: 'Written in between' });
    const after = await names(path);
    expect(after[0]).toBe('Written in between');
    expect(after.slice(1)).toEqual(before.slice(0, 24));
    await ok('PUT', `/lead/${created.id}/`, { name: 'Renamed in between' });
    expect((await names(path))[0]).toBe('Renamed in between');
    await ok('DELETE', `/lead/${created.id}/`);
    expect(await names(path)).toEqual(before);
    // A search page too (cached under its query).
    const q = `/lead/?query=${encodeURIComponent('name:"in between"')}`;
    expect((await ok('GET', q)).total_results).toBe(0);
    await ok('POST', '/lead/', { name: 'Found in between' });
    expect(await names(q)).toEqual(['Found in between']);
    h.sandbox.reset();
    expect(await names(path)).toEqual(before);
  });

  test('pages of other bounds and queries are their own; more of them than are kept all answer right', async () => {
    const all = await names('/lead/?_limit=100');
    for (let round = 0; round < 2; round++) {
      for (let skip = 0; skip < PAGES_KEPT + 5; skip++) {
        expect(await names(`/lead/?_skip=${skip}&_limit=3`)).toEqual(all.slice(skip, skip + 3));
      }
    }
    const first = all[0] as string;
    expect(await names(`/lead/?query=${encodeURIComponent(`name:"${first}"`)}&_limit=100`)).toContain(first);
    // The same query text at other bounds is another page.
    expect(await names(`/lead/?query=${encodeURIComponent(`name:"${first}"`)}&_limit=0`)).toEqual([]);
  });

  test('a new UTC day builds the page again: a task due tomorrow moves from future to inbox', () => {
    let now = Date.parse('2026-03-10T23:59:00Z');
    const store = new Store(createSeed('demo'), () => new Date(now));
    const leads = store.leadsNewestFirst();
    const at = leads.findIndex((l) => store.childrenOf('tasks', l.id).some((t) => !t.is_complete));
    const lead = leads[at] as LeadRecord;
    const task = store.childrenOf('tasks', lead.id).find((t) => !t.is_complete);
    if (!task) throw new Error('the demo seed has no open task');
    Object.assign(task, { date: '2026-03-11', is_dateless: false });
    store.changed(); // written directly, not through a handler
    const ctx = {
      method: 'GET',
      path: '/lead/',
      store,
      operationId: 'listLeads' as const,
      params: {},
      query: new QueryValues(new Map([['_limit', 100]])),
      body: undefined,
      requestId: 'req_test',
    };
    const view = () => {
      const { body } = handlers.listLeads(ctx);
      if (!(body instanceof JsonBody)) throw new Error('GET /lead/ did not answer with cached JSON');
      const page = JSON.parse(Buffer.concat(body.parts).toString('utf8')) as { data: { tasks: Obj[] }[] };
      return page.data[at]?.tasks.find((t) => t.id === task.id)?.view;
    };
    expect(view()).toBe('future');
    expect(view()).toBe('future');
    now += 2 * 60_000; // 00:01 the next day
    expect(view()).toBe('inbox');
  });
});

describe('request bodies are read whole however they arrive (bodies already buffered are taken at once)', () => {
  /**
   * Writes `parts` to a fresh connection (a pause between them), and resolves with the raw answer text
   * once `answers` HTTP answers have arrived (counted by their status lines).
   */
  function raw(parts: string[], answers: number, pauseMs = 60): Promise<string> {
    const { port } = new URL(h.sandbox.url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      let text = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no ${answers} answers within 2 s: ${text.slice(0, 600)}`));
      }, 2000);
      socket.on('data', (d) => {
        text += d.toString('utf8');
        // An answer's status line follows the previous answer's body directly (no line break).
        if ((text.match(/HTTP\/1\.1 \d{3} /g) ?? []).length >= answers && /\}\s*$/.test(text)) {
          clearTimeout(timer);
          socket.end();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.on('connect', async () => {
        for (const [i, part] of parts.entries()) {
          if (i > 0) await new Promise((r) => setTimeout(r, pauseMs));
          socket.write(part);
        }
      });
    });
  }
  const head = (length: number | 'chunked') =>
    `POST /api/v1/lead/ HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('k')}\r\nContent-Type: application/json\r\n` +
    (length === 'chunked' ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${length}\r\n\r\n`);
  const names = (answer: string) => [...answer.matchAll(/"display_name":"([^"]*)"/g)].map((m) => m[1]);

  test('in one packet with the headers, split over packets, chunked, and two requests in one write', async () => {
    const body = (name: string) => JSON.stringify({ name });
    const one = body('In one packet');
    expect(names(await raw([head(Buffer.byteLength(one)) + one], 1))).toEqual(['In one packet']);
    const split = body('Split over packets');
    expect(names(await raw([head(Buffer.byteLength(split)) + split.slice(0, 9), split.slice(9)], 1))).toEqual([
      'Split over packets',
    ]);
    const late = body('Body after the headers');
    expect(names(await raw([head(Buffer.byteLength(late)), late], 1))).toEqual(['Body after the headers']);
    const chunked = body('Chunked');
    const chunk = (t: string) => `${Buffer.byteLength(t).toString(16)}\r\n${t}\r\n`;
    expect(
      names(await raw([head('chunked') + chunk(chunked.slice(0, 5)), `${chunk(chunked.slice(5))}0\r\n\r\n`], 1)),
    ).toEqual(['Chunked']);
    const [a, b] = [body('Pipelined first'), body('Pipelined second')];
    expect(names(await raw([head(Buffer.byteLength(a)) + a + head(Buffer.byteLength(b)) + b], 2))).toEqual([
      'Pipelined first',
      'Pipelined second',
    ]);
    const listed = ((await ok('GET', '/lead/?_limit=6')).data as Obj[]).map((l) => l.display_name);
    expect(listed.slice(0, 6)).toEqual([
      'Pipelined second',
      'Pipelined first',
      'Chunked',
      'Body after the headers',
      'Split over packets',
      'In one packet',
    ]);
  });
});

test('rendering reads the clock without moving it on (timestamps of later writes stay true)', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  const store = new Store(createSeed('demo'), () => new Date(now));
  const withTasks = store.leadsNewestFirst().filter((l) => store.childrenOf('tasks', l.id).length > 0);
  expect(withTasks.length).toBeGreaterThan(0);
  for (let i = 0; i < 200; i++) for (const l of withTasks) leadView(store, l);
  // Before: each rendered task took a millisecond from now(), so reads pushed the clock into the future.
  expect(store.now().getTime() - now).toBeLessThanOrEqual(1);
});

describe('_limit=0', () => {
  test('answers no items and has_more false (a loop on has_more ends); total_results with a query', async () => {
    for (const path of ['/lead/', '/contact/', '/opportunity/', '/activity/', '/task/']) {
      const page = await ok('GET', `${path}?_limit=0`);
      expect(page, path).toMatchObject({ has_more: false, data: [] });
    }
    expect(await ok('GET', '/lead/?_limit=0&query=*')).toMatchObject({ has_more: false, total_results: 30, data: [] });
    const next = await ok('GET', '/lead/?_limit=1');
    expect(next.has_more).toBe(true);
  });
});

describe('the plain-target fast path parses as parseRequestTarget does', () => {
  const view = (t: RequestTarget | null) =>
    t && { pathname: t.pathname, search: t.search, segments: t.segments, query: [...t.query] };
  test('hand-picked and random targets', () => {
    const targets = [
      '/',
      '/api/v1/lead/',
      '/api/v1/lead/?_limit=25',
      '/api/v1/lead/?',
      '/api/v1/lead/?_limit=25&_skip=0&_fields=id,name',
      '/api/v1/lead/?query=name:Acme+Corp&x=%41',
      '/api/v1/lead/?a=1&a=2',
      '/api/v1/lead',
      '//lead/',
      '/lead//',
      '/lead/%ff/',
      '/lead/./x/',
      '/lead/../x/',
      '/lead/?q=a b',
      '/lead/?q=%zz',
      'http://example.com/lead/',
    ];
    const random = seededRandom(9);
    const alphabet = 'aZ09_-/.?=&,+*:~%# \u00e9\'"';
    for (let i = 0; i < 3000; i++) {
      let t = '/';
      const n = Math.floor(random() * 24);
      for (let j = 0; j < n; j++) t += alphabet[Math.floor(random() * alphabet.length)];
      targets.push(t);
    }
    let fast = 0;
    for (const t of targets) {
      expect(view(requestTarget(t)), t).toEqual(view(parseRequestTarget(t)));
      if (/^[/A-Za-z0-9_-]*\/(\?[A-Za-z0-9_\-.,=&+*:~]*)?$/.test(t) && !t.includes('//')) fast++;
    }
    expect(fast).toBeGreaterThan(100); // the random targets reach the fast path too
  });
});

test('under a burst of writes the store clock keeps to real time: each timestamp a microsecond later, not a millisecond', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  const store = new Store(createSeed('empty'), () => new Date(now));
  const stamps = Array.from({ length: 3000 }, () => stamp(store.now()));
  expect(stamps[0]).toBe('2026-03-10T12:00:00.000000+00:00');
  expect(stamps[1]).toBe('2026-03-10T12:00:00.000001+00:00');
  expect(stamps.at(-1)).toBe('2026-03-10T12:00:00.002999+00:00');
  expect([...stamps].sort()).toEqual(stamps); // strictly in order as strings too
  expect(new Set(stamps).size).toBe(stamps.length);
  expect(naive(store.now())).toBe('2026-03-10T12:00:00.003000');
});

describe('the validated-target cache (per method and URL) changes no answer', () => {
  test('a URL that passed once still needs credentials, and a bad one is refused every time', async () => {
    const url = '/lead/?_limit=3&_fields=id,display_name';
    expect((await h.call('GET', url)).status).toBe(200);
    expect((await h.call('GET', url, { auth: null })).status).toBe(401);
    expect((await h.call('GET', url)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await h.call('GET', '/lead/?_limit=abc')).status).toBe(400);
    // The same URL with another method is another operation (or none).
    expect((await h.call('DELETE', '/lead/')).status).toBeGreaterThanOrEqual(400);
  });

  test('a cached target is re-read against the current data: a deleted lead is a 404 at the same URL', async () => {
    const created = await ok('POST', '/lead/', { name: 'Cache Check' });
    const url = `/lead/${String(created.id)}/`;
    expect((await h.call('GET', url)).status).toBe(200);
    expect((await h.call('DELETE', url)).status).toBe(200);
    expect((await h.call('GET', url)).status).toBe(404);
  });

  test('more distinct URLs than the cache holds are all answered correctly', async () => {
    for (let i = 0; i < 1_100; i++) {
      // A key per 500 requests: the default rate limit (1,000 a second per key) is not what is tested here.
      const a = await h.call('GET', `/lead/?_limit=1&_skip=${i}`, { auth: basic(`cache-key-${Math.floor(i / 500)}`) });
      expect(a.status).toBe(200);
      expect((a.body as { data: unknown[] }).data.length).toBe(i < 30 ? 1 : 0);
    }
    expect((await h.call('GET', '/lead/?_limit=1')).status).toBe(200);
  });
});

describe('a lead update answers the view its `updated` event keeps (built and serialized once)', () => {
  test('the answer equals a fresh rendering and the event, also when the status change adds an activity', async () => {
    const lead = (await ok('GET', '/lead/?_limit=1')).data as Obj[];
    const id = String(lead[0]?.id);
    const statuses = (await ok('GET', '/status/lead/')).data as Obj[];
    const other = statuses.find((s) => s.id !== lead[0]?.status_id);
    const answer = await ok('PUT', `/lead/${id}/`, { name: 'Renamed Ltd', status_id: other?.id });
    expect(answer.name).toBe('Renamed Ltd');
    expect(answer.status_id).toBe(other?.id);
    const fields = Object.keys(answer).join(',');
    expect(answer).toEqual(await ok('GET', `/lead/${id}/?_fields=${encodeURIComponent(fields)}`));
    const events = (await ok('GET', `/event/?object_id=${id}&action=updated`)).data as Obj[];
    expect(events[0]?.data).toEqual(answer);
    // The request id every event of the request records: `req_` and 22 hex digits.
    expect(String(events[0]?.request_id)).toMatch(/^req_[0-9a-f]{22}$/);
    const activities = (await ok('GET', `/activity/?lead_id=${id}`)).data as Obj[];
    expect(activities.some((a) => a._type === 'LeadStatusChange' && a.new_status_id === other?.id)).toBe(true);
  });
});
