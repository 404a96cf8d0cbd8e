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

type Obj = Record<string, unknown>;

/** The state without the parts a failed request may legitimately move (the save time). */
function state(): unknown {
  return h.sandbox.snapshot().state;
}

async function first(path: string): Promise<Obj> {
  const r = await h.call('GET', `${path}?_limit=1`);
  const item = (r.body as { data: Obj[] }).data[0];
  if (!item) throw new Error(`nothing at ${path}`);
  return item;
}

async function fieldId(name: string): Promise<string> {
  const r = await h.call('GET', '/custom_field/lead/');
  const f = (r.body as { data: Obj[] }).data.find((x) => x.name === name);
  if (!f) throw new Error(`no custom field ${name}`);
  return f.id as string;
}

describe('a failed write leaves no trace', () => {
  const cases: Array<[string, () => Promise<[string, string, Obj]>]> = [
    [
      'POST /opportunity/ without lead_id, bad user_id',
      async () => ['POST', '/opportunity/', { user_id: 'user_nope' }],
    ],
    [
      'POST /opportunity/ without lead_id, bad contact_id',
      async () => ['POST', '/opportunity/', { contact_id: 'cont_nope' }],
    ],
    [
      'POST /opportunity/ without lead_id, bad date_created',
      async () => ['POST', '/opportunity/', { date_created: '2025-13-45T99:99' }],
    ],
    [
      'POST /contact/ without lead_id, bad date_created',
      async () => ['POST', '/contact/', { name: 'Orphan2', date_created: '2025-13-45T99:99' }],
    ],
    [
      'POST /lead/ with a bad contact',
      async () => ['POST', '/lead/', { name: 'Half', contacts: [{ name: 'X', date_created: 'nope' }] }],
    ],
    [
      'PUT /lead/{id} with a bad custom value',
      async () => {
        const lead = await first('/lead/');
        const industry = await fieldId('Industry');
        return [
          'PUT',
          `/lead/${lead.id}/`,
          { name: 'Changed Name', status: 'Customer', [`custom.${industry}`]: 'Not a choice' },
        ];
      },
    ],
    [
      'PUT /opportunity/{id} with a bad contact_id',
      async () => ['PUT', `/opportunity/${(await first('/opportunity/')).id}/`, { note: 'x', contact_id: 'cont_nope' }],
    ],
    [
      'PUT /opportunity/{id} with a bad user_id',
      async () => ['PUT', `/opportunity/${(await first('/opportunity/')).id}/`, { note: 'x', user_id: 'user_nope' }],
    ],
    [
      'PUT /task/{id} with a bad lead_id',
      async () => ['PUT', `/task/${(await first('/task/')).id}/`, { text: 'changed', lead_id: 'lead_nope' }],
    ],
    [
      'PUT /task/{id} with a bad contact_id',
      async () => ['PUT', `/task/${(await first('/task/')).id}/`, { text: 'changed', contact_id: 'cont_nope' }],
    ],
    [
      'PUT /contact/{id} with a bad lead_id',
      async () => ['PUT', `/contact/${(await first('/contact/')).id}/`, { name: 'changed', lead_id: 'lead_nope' }],
    ],
    [
      'PUT /pipeline/{id} with an unknown status',
      async () => [
        'PUT',
        `/pipeline/${(await first('/pipeline/')).id}/`,
        { name: 'Renamed', statuses: [{ id: 'stat_nope' }] },
      ],
    ],
  ];
  test.each(cases)('%s', async (_name, make) => {
    const [method, path, body] = await make();
    const before = state();
    const r = await h.call(method, path, { body });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(state()).toEqual(before);
  });
});

describe('answers stay within the spec', () => {
  test('custom.<id>.add of a number on a contact stores a string; later GETs of it and its lead conform', async () => {
    const c = await first('/contact/');
    const r = await h.call('PUT', `/contact/${c.id}/`, { body: { 'custom.cf_abc.add': 5 } });
    expect(r.status).toBe(200);
    expect((r.body as Obj)['custom.cf_abc']).toEqual(['5']);
    expect((await h.call('GET', `/contact/${c.id}/`)).status).toBe(200);
    expect((await h.call('GET', `/lead/${c.lead_id}/`)).status).toBe(200);
    const o = await first('/opportunity/');
    const r2 = await h.call('PUT', `/opportunity/${o.id}/`, { body: { 'custom.cf_abc.add': 7 } });
    expect((r2.body as Obj)['custom.cf_abc']).toEqual(['7']);
  });

  test('impossible dates are a 400 on the field, not stored rolled over or sliced', async () => {
    const o = await first('/opportunity/');
    const before = state();
    expectFieldError(
      await h.call('PUT', `/opportunity/${o.id}/`, { body: { date_won: '2025-02-30T10:00:00Z' } }),
      'date_won',
    );
    expectFieldError(
      await h.call('POST', '/opportunity/', { body: { lead_id: o.lead_id, date_won: '2025-02-30' } }),
      'date_won',
    );
    expectFieldError(
      await h.call('POST', '/activity/note/', {
        body: { lead_id: o.lead_id, note: 'x', date_created: '2025-02-30T10:00:00Z' },
      }),
      'date_created',
    );
    expectFieldError(
      await h.call('POST', '/contact/', { body: { lead_id: o.lead_id, date_created: '2025-04-31T10:00:00Z' } }),
      'date_created',
    );
    expectFieldError(
      await h.call('POST', '/task/', { body: { lead_id: o.lead_id, text: 'x', date: '2025-02-29' } }),
      'date',
    );
    expect(state()).toEqual(before);
    const ok = await h.call('PUT', `/opportunity/${o.id}/`, { body: { date_won: '2024-02-29T10:00:00Z' } });
    expect((ok.body as Obj).date_won).toBe('2024-02-29');
  });
});

describe('custom field .add / .remove follow the field', () => {
  test('.add on a single-value lead field is a 400 on that key and changes nothing', async () => {
    const lead = await first('/lead/');
    const industry = await fieldId('Industry');
    const before = state();
    expectFieldError(
      await h.call('PUT', `/lead/${lead.id}/`, { body: { [`custom.${industry}.add`]: 'Software' } }),
      `custom.${industry}.add`,
    );
    expect(state()).toEqual(before);
  });

  test('.add of a value already present does not duplicate it (lead multi-value field and contact)', async () => {
    const f = await h.call('POST', '/custom_field/lead/', {
      body: { name: 'Tags', type: 'choices', choices: ['a', 'b'], accepts_multiple_values: true },
    });
    const id = (f.body as Obj).id as string;
    const lead = await first('/lead/');
    await h.call('PUT', `/lead/${lead.id}/`, { body: { [`custom.${id}`]: ['a'] } });
    const r = await h.call('PUT', `/lead/${lead.id}/`, { body: { [`custom.${id}.add`]: 'a' } });
    expect((r.body as Obj)[`custom.${id}`]).toEqual(['a']);
    const r2 = await h.call('PUT', `/lead/${lead.id}/`, { body: { [`custom.${id}.add`]: 'b' } });
    expect((r2.body as Obj)[`custom.${id}`]).toEqual(['a', 'b']);
    const c = await first('/contact/');
    await h.call('PUT', `/contact/${c.id}/`, { body: { 'custom.cf_x.add': 'v' } });
    const r3 = await h.call('PUT', `/contact/${c.id}/`, { body: { 'custom.cf_x.add': 'v' } });
    expect((r3.body as Obj)['custom.cf_x']).toEqual(['v']);
  });
});

describe('Advanced Filtering refuses unknown fields', () => {
  const search = (query: Obj) => h.call('POST', '/data/search/', { body: { query } });
  test('an unknown regular field is a 400 on query naming it, negated or not', async () => {
    for (const negate of [false, true]) {
      const r = await search({
        type: 'field_condition',
        negate,
        field: { type: 'regular_field', object_type: 'lead', field_name: 'statuz' },
        condition: { type: 'exists' },
      });
      expectFieldError(r, 'query');
      expect(JSON.stringify(r.body)).toContain('statuz');
    }
  });
  test('an unknown custom field is a 400 on query naming it; a known one still works', async () => {
    const r = await search({
      type: 'field_condition',
      field: { type: 'custom_field', custom_field_id: 'cf_nope' },
      condition: { type: 'exists' },
    });
    expectFieldError(r, 'query');
    expect(JSON.stringify(r.body)).toContain('cf_nope');
    const ok = await search({
      type: 'field_condition',
      field: { type: 'custom_field', custom_field_id: await fieldId('Industry') },
      condition: { type: 'exists' },
    });
    expect(ok.status).toBe(200);
  });
});

describe('state that stays consistent', () => {
  test('won → lost → active → won: date_lost only while lost; date_won is kept (Close does not clear it)', async () => {
    const pipes = (await h.call('GET', '/pipeline/')).body as { data: Array<{ statuses: Obj[] }> };
    const statuses = pipes.data[0]?.statuses ?? [];
    const of = (type: string) => statuses.find((s) => s.type === type)?.id as string;
    const lead = await first('/lead/');
    const o = (await h.call('POST', '/opportunity/', { body: { lead_id: lead.id, status_id: of('active') } }))
      .body as Obj;
    const put = async (status: string) =>
      (await h.call('PUT', `/opportunity/${o.id}/`, { body: { status_id: of(status) } })).body as Obj;
    const won = await put('won');
    expect(won.date_won).toEqual(expect.any(String));
    expect(won.date_lost).toBeNull();
    const lost = await put('lost');
    expect(lost.date_lost).toEqual(expect.any(String));
    const active = await put('active');
    expect(active.date_lost).toBeNull();
    const again = await put('won');
    expect(again.date_lost).toBeNull();
    expect(again.date_won).toBe(won.date_won);
  });

  test('moving a contact to another lead clears contact_id on the old lead’s opportunities and tasks', async () => {
    const leads = ((await h.call('GET', '/lead/?_limit=2')).body as { data: Obj[] }).data;
    const [a, b] = leads as [Obj, Obj];
    const contact = (await h.call('POST', '/contact/', { body: { lead_id: a.id, name: 'Mover' } })).body as Obj;
    const o = (await h.call('POST', '/opportunity/', { body: { lead_id: a.id, contact_id: contact.id } })).body as Obj;
    const t = (await h.call('POST', '/task/', { body: { lead_id: a.id, text: 'call', contact_id: contact.id } }))
      .body as Obj;
    expect(o.contact_id).toBe(contact.id);
    const moved = await h.call('PUT', `/contact/${contact.id}/`, { body: { lead_id: b.id } });
    expect((moved.body as Obj).lead_id).toBe(b.id);
    expect(((await h.call('GET', `/opportunity/${o.id}/`)).body as Obj).contact_id).toBeNull();
    const tasks = ((await h.call('GET', `/task/?lead_id=${a.id}`)).body as { data: Obj[] }).data;
    expect(tasks.find((x) => x.id === t.id)?.contact_id).toBeNull();
  });
});

describe('HEAD', () => {
  test('HEAD on a GET endpoint answers like GET without a body; Allow names HEAD with GET', async () => {
    const r = await h.call('HEAD', '/lead/');
    expect(r.status).toBe(200);
    expect(r.body).toBeUndefined();
    expect(r.headers.get('content-type')).toMatch(/json/);
    const wrong = await h.call('PATCH', '/lead/');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('HEAD');
  });
});
