// The sandbox (src/sandbox/) through its HTTP API: state per resource, merges, status types, task
// completion, custom fields, pagination and cursors that end, the lead search string, the Advanced
// Filtering subset, Smart Views, Close's errors, credentials, both base paths and CORS. Every answer
// is checked against the spec by the harness (test/support/sandbox.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { components } from '../generated/schema.js';
import {
  type CustomFieldId,
  customFieldKey,
  type LeadId,
  type OrganizationId,
  paginate,
  type SavedSearchId,
  type UserId,
  unwrap,
} from '../src/index.js';
import { basic, expectFieldError, type Harness, startHarness } from './support/sandbox.js';

type Obj = Record<string, unknown>;
type SearchRequest = components['schemas']['SearchRequest'];

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

const ids = (list: { id?: string }[]): string[] => list.map((x) => x.id ?? '');

async function pipeline() {
  const pipes = unwrap(await h.client.GET('/pipeline/'));
  const sales = pipes.data.find((p) => p.name === 'Sales');
  const status = (label: string) => {
    const s = sales?.statuses?.find((x) => x.label === label);
    if (!s?.id) throw new Error(`no status ${label}`);
    return s.id;
  };
  return { sales, status };
}

async function newLead(name: string, extra: Obj = {}): Promise<LeadId> {
  const lead = unwrap(await h.client.POST('/lead/', { body: { name, ...extra } }));
  return lead.id;
}

describe('the demo seed', () => {
  test('a small organisation: two users, lead statuses, the Sales pipeline, Source, leads, two Smart Views', async () => {
    const me = unwrap(await h.client.GET('/me/'));
    const users = unwrap(await h.client.GET('/user/'));
    expect(users.data).toHaveLength(2);
    expect(ids(users.data)).toContain(me.id);
    const org = unwrap(
      await h.client.GET('/organization/{organization_id}/', {
        params: { path: { organization_id: me.organizations?.[0]?.id as OrganizationId } },
      }),
    );
    expect(org.memberships).toHaveLength(2);
    const statuses = unwrap(await h.client.GET('/status/lead/'));
    expect(statuses.data.map((s) => s.label)).toEqual(['Potential', 'Bad Fit', 'Qualified', 'Customer']);
    const { sales } = await pipeline();
    expect(sales?.statuses?.map((s) => [s.label, s.type])).toEqual([
      ['Discovery', 'active'],
      ['Proposal Sent', 'active'],
      ['Negotiation', 'active'],
      ['Closed Won', 'won'],
      ['Closed Lost', 'lost'],
    ]);
    const fields = unwrap(await h.client.GET('/custom_field/lead/'));
    expect(fields.data.find((f) => f.name === 'Source')?.type).toBe('text');
    const leads = unwrap(await h.client.GET('/lead/', { params: { query: { _limit: 0, query: '*' } } }));
    expect(leads.total_results).toBe(30);
    const lead = unwrap(await h.client.GET('/lead/', { params: { query: { _limit: 1 } } })).data[0];
    expect(lead?.contacts?.length).toBeGreaterThan(0);
    const opps = unwrap(await h.client.GET('/opportunity/', { params: { query: { _limit: 1 } } }));
    expect(opps.total_results).toBeGreaterThan(10);
    const tasks = unwrap(await h.client.GET('/task/', { params: { query: { is_complete: false } } }));
    expect(tasks.data.length).toBeGreaterThan(5);
    const activities = unwrap(
      await h.client.GET('/activity/', { params: { query: { lead_id: lead?.id as LeadId, _limit: 50 } } }),
    );
    expect(activities.data.length).toBeGreaterThan(0);
    const views = unwrap(await h.client.GET('/saved_search/'));
    expect(views.data.map((v) => v.name)).toEqual(['Website leads', 'Qualified leads']);
  });

  test('is deterministic: the same ids and names on every start', async () => {
    const other = await startHarness({ seed: 'demo' });
    try {
      const a = unwrap(await h.client.GET('/lead/', { params: { query: { _fields: ['id', 'name'] } } }));
      const b = unwrap(await other.client.GET('/lead/', { params: { query: { _fields: ['id', 'name'] } } }));
      expect(b.data).toEqual(a.data);
    } finally {
      await other.sandbox.close();
    }
  });

  test('the empty seed has the organisation, one user, statuses and a pipeline, and no leads', async () => {
    const empty = await startHarness({ seed: 'empty' });
    try {
      expect(unwrap(await empty.client.GET('/lead/')).data).toEqual([]);
      expect(unwrap(await empty.client.GET('/user/')).data).toHaveLength(1);
      expect(unwrap(await empty.client.GET('/pipeline/')).data[0]?.statuses?.map((s) => s.type)).toEqual([
        'active',
        'won',
        'lost',
      ]);
      expect(unwrap(await empty.client.GET('/saved_search/')).data).toEqual([]);
    } finally {
      await empty.sandbox.close();
    }
  });
});

describe('state, resource by resource', () => {
  test('leads: create with contacts and an address, get, list, update, delete (with what is on them)', async () => {
    const created = unwrap(
      await h.client.POST('/lead/', {
        body: {
          name: 'Wayne Enterprises',
          description: 'Gotham',
          status: 'Qualified',
          contacts: [{ name: 'Bruce Wayne', title: 'CEO', emails: [{ email: 'bruce@wayne.example', type: 'office' }] }],
          addresses: [{ city: 'Gotham', country: 'US' }],
        },
      }),
    );
    const id = created.id;
    expect(created.status_label).toBe('Qualified');
    const got = unwrap(await h.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: id } } }));
    expect(got).toMatchObject({ name: 'Wayne Enterprises', display_name: 'Wayne Enterprises', description: 'Gotham' });
    expect(got.contacts?.[0]?.emails?.[0]?.email).toBe('bruce@wayne.example');
    expect(got.addresses?.[0]?.city).toBe('Gotham');
    expect(got.html_url).toBe(`https://app.close.com/lead/${id}/`);
    const list = unwrap(await h.client.GET('/lead/', { params: { query: { _limit: 1 } } }));
    expect(ids(list.data)).toEqual([id]); // newest first

    const updated = unwrap(
      await h.client.PUT('/lead/{lead_id}/', { params: { path: { lead_id: id } }, body: { name: 'Wayne Corp' } }),
    );
    expect(updated.name).toBe('Wayne Corp');
    const contactId = got.contacts?.[0]?.id as string;
    unwrap(await h.client.POST('/activity/note/', { body: { lead_id: id, note: 'hello' } }));
    unwrap(await h.client.POST('/task/', { body: { lead_id: id, text: 'call back' } }));

    const del = await h.client.DELETE('/lead/{lead_id}/', { params: { path: { lead_id: id } } });
    expect(del.response.status).toBe(200);
    expect(del.data).toEqual({});
    const gone = await h.call('GET', `/lead/${id}/`);
    expect(gone.status).toBe(404);
    expect((await h.call('GET', `/contact/${contactId}/`)).status).toBe(404);
    expect(unwrap(await h.client.GET('/task/', { params: { query: { lead_id: id } } })).data).toEqual([]);
    expect(unwrap(await h.client.GET('/activity/', { params: { query: { lead_id: id } } })).data).toEqual([]);
  });

  test('contacts: create on a lead and without one (a new lead named after it), get, list, update', async () => {
    const leadId = await newLead('Stark Industries');
    const c = unwrap(
      await h.client.POST('/contact/', {
        body: { lead_id: leadId, name: 'Pepper Potts', phones: [{ phone: '+16505550100', type: 'office' }] },
      }),
    );
    const got = unwrap(await h.client.GET('/contact/{contact_id}/', { params: { path: { contact_id: c.id } } }));
    expect(got).toMatchObject({ lead_id: leadId, name: 'Pepper Potts', display_name: 'Pepper Potts' });
    const updated = unwrap(
      await h.client.PUT('/contact/{contact_id}/', {
        params: { path: { contact_id: c.id } },
        body: { emails: [{ email: 'pepper@stark.example' }] },
      }),
    );
    expect(updated.emails?.map((e) => e.email)).toEqual(['pepper@stark.example']);
    expect(updated.phones?.[0]?.phone).toBe('+16505550100');
    const list = unwrap(await h.client.GET('/contact/', { params: { query: { lead_id: leadId } } }));
    expect(ids(list.data)).toEqual([c.id]);

    const orphan = unwrap(await h.client.POST('/contact/', { body: { name: 'Happy Hogan' } }));
    const lead = unwrap(
      await h.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: orphan.lead_id as LeadId } } }),
    );
    expect(lead.name).toBe('Happy Hogan');
    expect(lead.contact_ids).toEqual([orphan.id]);
  });

  test('opportunities: status_type, pipeline and date_won follow the status; aggregates over every match', async () => {
    const { status, sales } = await pipeline();
    const leadId = await newLead('Acme Rockets');
    const opp = unwrap(
      await h.client.POST('/opportunity/', {
        body: {
          lead_id: leadId,
          status_id: status('Negotiation'),
          value: 500000,
          value_period: 'annual',
          confidence: 50,
        },
      }),
    );
    expect(opp).toMatchObject({
      status_label: 'Negotiation',
      status_type: 'active',
      pipeline_id: sales?.id,
      pipeline_name: 'Sales',
      expected_value: 250000,
      date_won: null,
    });
    const id = opp.id;
    const won = unwrap(
      await h.client.PUT('/opportunity/{opportunity_id}/', {
        params: { path: { opportunity_id: id } },
        body: { status_id: status('Closed Won'), confidence: 100 },
      }),
    );
    expect(won).toMatchObject({ status_type: 'won', status_label: 'Closed Won', confidence: 100 });
    expect(won.date_won).toBe(new Date().toISOString().slice(0, 10));
    const lost = unwrap(
      await h.client.PUT('/opportunity/{opportunity_id}/', {
        params: { path: { opportunity_id: id } },
        body: { status_id: status('Closed Lost') },
      }),
    );
    expect(lost.status_type).toBe('lost');
    expect(lost.date_lost).toBeTruthy();
    const got = unwrap(
      await h.client.GET('/opportunity/{opportunity_id}/', { params: { path: { opportunity_id: id } } }),
    );
    expect(got.status_type).toBe('lost');
    // The move was recorded on the lead's timeline.
    const changes = unwrap(
      await h.client.GET('/activity/', { params: { query: { lead_id: leadId, _type: 'OpportunityStatusChange' } } }),
    );
    expect(changes.data).toHaveLength(2);

    const byType = unwrap(
      await h.client.GET('/opportunity/', { params: { query: { status_type: 'lost', _limit: 1 } } }),
    );
    expect(byType.data.every((o) => o.status_type === 'lost')).toBe(true);
    expect(byType.total_results).toBeGreaterThan(1);
    const mine = unwrap(await h.client.GET('/opportunity/', { params: { query: { lead_id: leadId } } }));
    expect(mine).toMatchObject({ total_results: 1, total_value_annual: 500000, count_by_value_period: { annual: 1 } });
  });

  test('activities of each type, listed per lead and filtered by _type', async () => {
    const leadId = await newLead('Timeline Inc');
    const note = unwrap(
      await h.client.POST('/activity/note/', { body: { lead_id: leadId, note: 'Line 1\nLine <2>' } }),
    );
    expect(note).toMatchObject({ _type: 'Note', note_html: '<body><p>Line 1<br />Line &lt;2&gt;</p></body>' });
    unwrap(
      await h.client.POST('/activity/call/', {
        body: { lead_id: leadId, direction: 'outbound', status: 'completed', duration: 900, phone: '+16505550150' },
      }),
    );
    unwrap(await h.client.POST('/activity/email/', { body: { lead_id: leadId, status: 'draft', subject: 'Hi' } }));
    unwrap(await h.client.POST('/activity/sms/', { body: { lead_id: leadId, status: 'draft', text: 'Hi' } }));
    const all = unwrap(await h.client.GET('/activity/', { params: { query: { lead_id: leadId } } }));
    expect(all.data.map((a) => a._type).sort()).toEqual(['Call', 'Email', 'Note', 'SMS']);
    const calls = unwrap(
      await h.client.GET('/activity/', { params: { query: { lead_id: leadId, _type__in: ['Call', 'SMS'] } } }),
    );
    expect(calls.data.map((a) => a._type).sort()).toEqual(['Call', 'SMS']);
    // A received email needs a sender (Close enforces it since 2025-12-17).
    expectFieldError(
      await h.call('POST', '/activity/email/', { body: { lead_id: leadId, status: 'inbox' } }),
      'sender',
    );
    // _type without a lead_id is refused, as Close documents.
    expectFieldError(await h.call('GET', '/activity/?_type=Call'), '_type');
  });

  test('tasks: created open, completed by PUT (a TaskCompleted activity), then only in the archive', async () => {
    const leadId = await newLead('Task Corp');
    const users = unwrap(await h.client.GET('/user/')).data;
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const task = unwrap(
      await h.client.POST('/task/', { body: { lead_id: leadId, text: 'Send proposal', date: tomorrow } }),
    );
    expect(task).toMatchObject({ is_complete: false, view: 'future', date: tomorrow, _type: 'lead' });
    const id = task.id;
    const assigned = unwrap(
      await h.client.PUT('/task/{task_id}/', {
        params: { path: { task_id: id } },
        body: { assigned_to: users[1]?.id as UserId },
      }),
    );
    expect(assigned.assigned_to).toBe(users[1]?.id);
    const done = unwrap(
      await h.client.PUT('/task/{task_id}/', { params: { path: { task_id: id } }, body: { is_complete: true } }),
    );
    expect(done).toMatchObject({ is_complete: true, view: 'archive', object_type: 'taskcompleted' });
    const completed = unwrap(
      await h.client.GET('/activity/', { params: { query: { lead_id: leadId, _type: 'TaskCompleted' } } }),
    );
    expect(completed.data.map((a) => a.id)).toEqual([done.object_id]);
    const lead = unwrap(await h.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: leadId } } }));
    expect(lead.tasks ?? []).toEqual([]); // a lead embeds only open tasks
    const archive = unwrap(await h.client.GET('/task/', { params: { query: { lead_id: leadId, view: 'archive' } } }));
    expect(ids(archive.data)).toEqual([id]);
    expect(
      unwrap(await h.client.GET('/task/', { params: { query: { lead_id: leadId, is_complete: false } } })).data,
    ).toEqual([]);
  });

  test('pipelines and statuses: create, add a status, reorder; a status can move between pipelines', async () => {
    const created = await h.client.POST('/pipeline/', { body: { name: 'Renewals' } });
    expect(created.response.status).toBe(201);
    const pipe = unwrap(created);
    const st = unwrap(
      await h.client.POST('/status/opportunity/', {
        body: { label: 'Up for renewal', type: 'active', pipeline_id: pipe.id },
      }),
    );
    const won = unwrap(
      await h.client.POST('/status/opportunity/', { body: { label: 'Renewed', type: 'won', pipeline_id: pipe.id } }),
    );
    const reordered = unwrap(
      await h.client.PUT('/pipeline/{pipeline_id}/', {
        params: { path: { pipeline_id: pipe.id } },
        body: { name: 'Renewals 2026', statuses: [{ id: won.id }, { id: st.id }] },
      }),
    );
    expect(reordered.name).toBe('Renewals 2026');
    expect(reordered.statuses?.map((s) => s.label)).toEqual(['Renewed', 'Up for renewal']);
    const statuses = unwrap(await h.client.GET('/status/opportunity/'));
    expect(statuses.data.find((s) => s.id === st.id)?.pipeline_id).toBe(pipe.id);
  });

  test('custom fields: values round-trip as custom.cf_… keys; checked against the field type', async () => {
    const field = unwrap(
      await h.client.POST('/custom_field/lead/', {
        body: { name: 'Tier', type: 'choices', choices: ['Gold', 'Silver'], accepts_multiple_values: true },
      }),
    );
    const key = customFieldKey(field.id as `cf_${string}`);
    const body: components['schemas']['LeadCreate'] = { name: 'Custom Co' };
    body[key] = ['Gold'];
    const lead = unwrap(await h.client.POST('/lead/', { body }));
    expect(lead[key]).toEqual(['Gold']);
    expect(lead.custom).toMatchObject({ Tier: ['Gold'] });
    const id = lead.id;
    const added = unwrap(
      await h.client.PUT('/lead/{lead_id}/', { params: { path: { lead_id: id } }, body: { [`${key}.add`]: 'Silver' } }),
    );
    expect(added[key]).toEqual(['Gold', 'Silver']);
    const subset = unwrap(
      await h.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: id }, query: { _fields: ['id', key] } } }),
    );
    expect(subset).toEqual({ id, [key]: ['Gold', 'Silver'] });
    const unset = unwrap(
      await h.client.PUT('/lead/{lead_id}/', { params: { path: { lead_id: id } }, body: { [key]: null } }),
    );
    expect(unset[key]).toBeUndefined();
    expectFieldError(await h.call('PUT', `/lead/${id}/`, { body: { [key]: 'Bronze' } }), key);
    expectFieldError(
      await h.call('POST', '/lead/', { body: { 'custom.cf_doesNotExist': 'x' } }),
      'custom.cf_doesNotExist',
    );
  });

  test('merge: the source is gone, its contacts, activities, opportunities and tasks are on the destination', async () => {
    const { status } = await pipeline();
    const dest = await newLead('Globex', { contacts: [{ name: 'Hank Scorpio' }] });
    const source = await newLead('Globex Corporation', { contacts: [{ name: 'Hank S.' }] });
    const opp = unwrap(
      await h.client.POST('/opportunity/', { body: { lead_id: source, status_id: status('Discovery') } }),
    );
    const note = unwrap(
      await h.client.POST('/activity/note/', { body: { lead_id: source, note: 'from the duplicate' } }),
    );
    const task = unwrap(await h.client.POST('/task/', { body: { lead_id: source, text: 'dedupe' } }));
    const merged = await h.client.POST('/lead/merge/', { body: { source, destination: dest } });
    expect(merged.response.status).toBe(200);
    expect(merged.data).toEqual({ status: 'ok' });
    expect((await h.call('GET', `/lead/${source}/`)).status).toBe(404);
    const after = unwrap(await h.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: dest } } }));
    expect(after.contacts?.map((c) => c.name).sort()).toEqual(['Hank S.', 'Hank Scorpio']);
    expect(ids(after.opportunities ?? [])).toEqual([opp.id]);
    expect(ids(after.tasks ?? [])).toEqual([task.id]);
    const timeline = unwrap(await h.client.GET('/activity/', { params: { query: { lead_id: dest } } }));
    expect(ids(timeline.data)).toContain(note.id);
    const events = unwrap(
      await h.client.GET('/event/', { params: { query: { lead_id: dest, action: 'merged', object_type: 'lead' } } }),
    );
    expect(events.data[0]?.meta).toMatchObject({ merge_source_lead_id: source, merge_destination_lead_id: dest });
    const missing = await h.call('POST', '/lead/merge/', { body: { source, destination: dest } });
    expect(missing).toMatchObject({ status: 404, body: { errors: ['Source lead does not exist.'] } });
  });
});

describe('pagination ends', () => {
  test('offset pages: has_more is false on the last page, and paginate() stops', async () => {
    const all = unwrap(await h.client.GET('/lead/', { params: { query: { _limit: 100 } } }));
    expect(all.has_more).toBe(false);
    const pages: boolean[] = [];
    let skip = 0;
    for (;;) {
      const page = unwrap(await h.client.GET('/lead/', { params: { query: { _limit: 7, _skip: skip } } }));
      pages.push(page.has_more);
      if (!page.has_more) break;
      skip += 7;
    }
    expect(pages).toEqual([true, true, true, true, false]);
    const seen: string[] = [];
    for await (const l of paginate(h.client, '/lead/', { params: { query: { _limit: 8 } } })) seen.push(l.id);
    expect(new Set(seen).size).toBe(30);
  });

  test('event log cursors: cursor_next walks to the oldest event and is then null; cursor_previous finds newer ones', async () => {
    const leadId = await newLead('Eventful', { contacts: [{ name: 'Eve' }] });
    unwrap(await h.client.POST('/activity/note/', { body: { lead_id: leadId, note: 'one' } }));
    const seen: string[] = [];
    let cursor: string | undefined;
    let first: { cursor_previous?: string | null } | undefined;
    for (let i = 0; i < 10; i++) {
      const page = unwrap(
        await h.client.GET('/event/', {
          params: { query: { lead_id: leadId, _limit: 1, ...(cursor ? { _cursor: cursor } : {}) } },
        }),
      );
      first ??= page;
      seen.push(...ids(page.data));
      if (!page.cursor_next) break;
      cursor = page.cursor_next;
    }
    expect(seen).toHaveLength(3); // lead, contact, note
    expect(new Set(seen).size).toBe(3);
    unwrap(await h.client.POST('/activity/note/', { body: { lead_id: leadId, note: 'two' } }));
    const newer = unwrap(
      await h.client.GET('/event/', {
        params: { query: { lead_id: leadId, _cursor: first?.cursor_previous as string } },
      }),
    );
    expect(newer.data).toHaveLength(1);
    expect(newer.data[0]?.object_type).toBe('activity.note');
    const viaPaginate: string[] = [];
    for await (const e of paginate(h.client, '/event/', { params: { query: { lead_id: leadId, _limit: 2 } } }))
      viaPaginate.push(e.id);
    expect(viaPaginate).toHaveLength(4);
    expectFieldError(await h.call('GET', '/event/?_cursor=garbage'), '_cursor');
    expect((await h.call('GET', '/event/?object_type=lead')).status).toBe(400); // not a documented filter combination
  });

  test('search cursors: the same body with the cursor gives the next page; null on the last', async () => {
    const body: SearchRequest = {
      query: { type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, { type: 'match_all' }] },
      _limit: 12,
      include_counts: true,
    };
    const found: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = unwrap(await h.client.POST('/data/search/', { body: { ...body, cursor: cursor ?? null } }));
      pages++;
      expect(page.count).toEqual({ limited: 30, total: 30 });
      found.push(...page.data.map((r) => r.id as string));
      cursor = page.cursor;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(found).size).toBe(30);
    const viaPaginate: string[] = [];
    for await (const r of paginate(h.client, '/data/search/', { body })) viaPaginate.push(r.id as string);
    expect(viaPaginate.sort()).toEqual([...found].sort());
    const first = unwrap(await h.client.POST('/data/search/', { body }));
    const other = await h.call('POST', '/data/search/', {
      body: { query: { type: 'object_type', object_type: 'contact' }, cursor: first.cursor },
    });
    expectFieldError(other, 'cursor');
  });
});

describe('GET /lead/?query=', () => {
  const search = async (query: string) =>
    unwrap(await h.client.GET('/lead/', { params: { query: { query, _limit: 100 } } }));

  test('plain words and quoted phrases match the name, contact names, emails and phones', async () => {
    await newLead('Umbrella Corporation', {
      contacts: [
        { name: 'Albert Wesker', emails: [{ email: 'wesker@umbrella.example' }], phones: [{ phone: '+15555550123' }] },
      ],
    });
    for (const q of ['umbrella', 'WESKER', 'wesker@umbrella', '5550123', '"Umbrella Corp"', 'umbrella wesker']) {
      const r = await search(q);
      expect(
        r.data.map((l) => l.name),
        q,
      ).toEqual(['Umbrella Corporation']);
      expect(r.total_results).toBe(1);
    }
    expect((await search('umbrella nobody')).data).toEqual([]);
    expect((await search('*')).total_results).toBe(31);
  });

  test('name: and status: (with quotes for spaces), combined with spaces or AND', async () => {
    await newLead('Initech Software', { status: 'Bad Fit' });
    await newLead('Initech Hardware', { status: 'Customer' });
    expect((await search('name:initech')).total_results).toBe(2);
    expect((await search('name:"Initech Soft"')).data.map((l) => l.name)).toEqual(['Initech Software']);
    expect((await search('name:initech status:"bad fit"')).data.map((l) => l.name)).toEqual(['Initech Software']);
    expect((await search('initech AND status:Customer')).data.map((l) => l.name)).toEqual(['Initech Hardware']);
    const qualified = await search('status:Qualified');
    expect(qualified.data.every((l) => l.status_label === 'Qualified')).toBe(true);
    expect(qualified.total_results).toBe(9);
  });

  test('anything else is a 400 on `query` that says what the sandbox supports', async () => {
    for (const q of ['acme OR globex', 'company:"Acme"', 'date_updated>="2024-01-01"', 'sort:date_updated', '"open']) {
      const answer = await h.call('GET', `/lead/?query=${encodeURIComponent(q)}`);
      expectFieldError(answer, 'query');
      expect(JSON.stringify(answer.body)).toContain('The sandbox supports');
    }
  });
});

describe('POST /data/search/ and Smart Views', () => {
  const run = async (query: SearchRequest['query'], fields = ['id', 'display_name']) =>
    unwrap(
      await h.client.POST('/data/search/', {
        body: { query, _fields: { lead: fields, contact: fields }, _limit: 100 },
      }),
    );

  test('field conditions on lead fields and custom fields, text modes, and/or/negate', async () => {
    const fields = unwrap(await h.client.GET('/custom_field/lead/')).data;
    const source = fields.find((f) => f.name === 'Source')?.id as CustomFieldId;
    const website = await run({
      type: 'and',
      queries: [
        { type: 'object_type', object_type: 'lead' },
        {
          type: 'field_condition',
          field: { type: 'custom_field', custom_field_id: source },
          condition: { type: 'term', values: ['Website'] },
        },
      ],
    });
    expect(website.data).toHaveLength(6);
    const notWebsite = await run({
      type: 'field_condition',
      field: { type: 'custom_field', custom_field_id: source },
      condition: { type: 'term', values: ['Website'] },
      negate: true,
    });
    expect(notWebsite.data).toHaveLength(24);
    const text = await run({ type: 'text', value: 'north', mode: 'beginning_of_words' });
    expect(text.data.map((r) => r.display_name)).toEqual(['Northwind Traders']);
    expect((await run({ type: 'text', value: 'north', mode: 'full_words' })).data).toEqual([]);
    const either = await run({
      type: 'or',
      queries: [
        {
          type: 'field_condition',
          field: { type: 'regular_field', object_type: 'lead', field_name: 'display_name' },
          condition: { type: 'text', value: 'Bluebird' },
        },
        { type: 'id', value: website.data[0]?.id as string },
      ],
    });
    expect(either.data).toHaveLength(2);
  });

  test('contacts, and leads by their contacts (has_related)', async () => {
    const ceos = await run(
      {
        type: 'and',
        queries: [
          { type: 'object_type', object_type: 'contact' },
          {
            type: 'field_condition',
            field: { type: 'regular_field', object_type: 'contact', field_name: 'title' },
            condition: { type: 'text', value: 'CEO' },
          },
        ],
      },
      ['id', 'name', 'lead_id'],
    );
    expect(ceos.data.length).toBeGreaterThan(0);
    expect(ceos.data.every((r) => r.__object_type === 'contact' && r.lead_id?.startsWith('lead_'))).toBe(true);
    const leads = await run({
      type: 'has_related',
      this_object_type: 'lead',
      related_object_type: 'contact',
      related_query: {
        type: 'field_condition',
        field: { type: 'regular_field', object_type: 'contact', field_name: 'title' },
        condition: { type: 'text', value: 'CEO' },
      },
    });
    expect(new Set(leads.data.map((r) => r.id))).toEqual(
      new Set(ceos.data.map((r) => (r.__object_type === 'contact' ? r.lead_id : undefined))),
    );
  });

  test('unsupported nodes and conditions are a 400 naming the subset', async () => {
    const answer = await h.call('POST', '/data/search/', {
      body: {
        query: {
          type: 'has_related',
          this_object_type: 'lead',
          related_object_type: 'activity.email',
          related_query: { type: 'match_all' },
        },
      },
    });
    expectFieldError(answer, 'query');
    expect(JSON.stringify(answer.body)).toContain('The sandbox supports');
    const moment = await h.call('POST', '/data/search/', {
      body: {
        query: {
          type: 'field_condition',
          field: { type: 'regular_field', object_type: 'lead', field_name: 'date_created' },
          condition: { type: 'moment_range', on_or_after: { type: 'offset', direction: 'past' } },
        },
      },
    });
    expectFieldError(moment, 'query');
  });

  test('Smart Views run: their s_query through /data/search/ and as lead_saved_search_id', async () => {
    const views = unwrap(await h.client.GET('/saved_search/')).data;
    const viewQuery = (name: string): SearchRequest['query'] => {
      const s = views.find((v) => v.name === name)?.s_query as { query?: SearchRequest['query'] } | null | undefined;
      if (!s?.query) throw new Error(`no Smart View ${name} with a query`);
      return s.query;
    };
    const qualifiedView = views.find((v) => v.name === 'Qualified leads');
    const query = viewQuery('Qualified leads');
    const result = unwrap(
      await h.client.POST('/data/search/', { body: { query, _fields: { lead: ['id', 'status_label'] } } }),
    );
    expect(result.data).toHaveLength(9);
    expect(result.data.every((r) => (r as Obj).status_label === 'Qualified')).toBe(true);
    const opps = unwrap(
      await h.client.GET('/opportunity/', {
        params: { query: { lead_saved_search_id: qualifiedView?.id as SavedSearchId } },
      }),
    );
    const leadIds = new Set(result.data.map((r) => r.id));
    expect(opps.data.length).toBeGreaterThan(0);
    expect(opps.data.every((o) => leadIds.has(o.lead_id))).toBe(true);
    const w = unwrap(
      await h.client.POST('/data/search/', {
        body: { query: viewQuery('Website leads'), include_counts: true },
      }),
    );
    expect(w.count?.total).toBe(6);
  });
});

describe("Close's errors", () => {
  test('404 with Close body for unknown ids, and for ids that cannot exist', async () => {
    for (const [path, model] of [
      ['/lead/lead_doesnotexist/', 'Lead'],
      ['/lead/not-a-lead-id/', 'Lead'],
      ['/contact/cont_nope/', 'Contact'],
      ['/opportunity/oppo_nope/', 'Opportunity'],
    ] as const) {
      const answer = await h.call('GET', path);
      expect(answer, path).toMatchObject({
        status: 404,
        body: { error: `Empty query: ${model} matching query does not exist.` },
      });
    }
    const task = await h.call('PUT', '/task/task_nope/', { body: { is_complete: true } });
    expect(task.body).toEqual({ error: 'Empty query: Task matching query does not exist.' });
    const unknownPath = await h.call('GET', '/nothing/here/');
    expect(unknownPath.status).toBe(404);
  });

  test('400 field-errors for bad bodies, bad references and bad query parameters', async () => {
    const bad = await h.call('POST', '/lead/', {
      body: { name: 5, nmae: 'x', contacts: [{ emails: [{ type: 'office' }] }] },
    });
    expect(bad).toMatchObject({
      status: 400,
      body: {
        errors: [],
        'field-errors': {
          name: 'Must be string.',
          nmae: 'Unknown field.',
          'contacts.0.emails.0.email': 'This field is required.',
        },
      },
    });
    expectFieldError(await h.call('POST', '/opportunity/', { body: { value_period: 'weekly' } }), 'value_period');
    expectFieldError(await h.call('POST', '/task/', { body: { lead_id: 'lead_nope', text: 'x' } }), 'lead');
    expectFieldError(await h.call('GET', '/lead/?_limit=abc'), '_limit');
    expectFieldError(await h.call('GET', '/lead/?_skip=-1'), '_skip');
    expectFieldError(await h.call('GET', '/task/?is_complete=maybe'), 'is_complete');
    expectFieldError(await h.call('GET', '/event/?_limit=51'), '_limit');
    expectFieldError(await h.call('GET', '/opportunity/?status_type=pending'), 'status_type');
    expectFieldError(await h.call('GET', '/lead/?_fields=id&_fields=name'), '_fields'); // explode: false
    const notJson = await h.call('POST', '/lead/', {
      raw: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ errors: [expect.stringMatching(/^Invalid JSON/)], 'field-errors': {} });
    const noBody = await h.call('POST', '/lead/merge/');
    expect(noBody).toMatchObject({ status: 400, body: { errors: [expect.any(String)] } });
  });

  test('401 without credentials; any key (Basic) or token (Bearer) is accepted', async () => {
    const none = await h.call('GET', '/lead/', { auth: null });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: expect.stringContaining('could not verify') });
    expect((await h.call('GET', '/me/', { auth: 'Basic Og==' })).status).toBe(401); // ":" has no user name
    expect((await h.call('GET', '/me/', { auth: basic('whatever-key') })).status).toBe(200);
    expect((await h.call('GET', '/me/', { auth: 'Bearer some.oauth.token' })).status).toBe(200);
  });

  test('405 for a known path with another method', async () => {
    const answer = await h.call('PATCH', '/lead/');
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, POST, HEAD');
  });
});

describe('base paths, CORS', () => {
  test('served at /api/v1/… and at /…; a path without its trailing slash is a 404 that says so', async () => {
    const withPrefix = await h.call('GET', '/lead/?_limit=1');
    const without = await h.call('GET', '/lead/?_limit=1', { prefix: '' });
    expect(withPrefix.status).toBe(200);
    expect(without.body).toEqual(withPrefix.body);
    const created = await h.call('POST', '/lead/', { prefix: '', body: { name: 'No prefix' } });
    const id = (created.body as Obj).id as string;
    expect((await h.call('GET', `/lead/${id}/`)).status).toBe(200);
    const noSlash = await h.call('GET', '/lead');
    expect(noSlash.status).toBe(404);
    expect(JSON.stringify(noSlash.body)).toContain('/api/v1/lead/');
  });

  test('any origin, no credentials; preflight answered', async () => {
    const origin = h.sandbox.url.replace(/\/api\/v1$/, '');
    const pre = await fetch(`${origin}/api/v1/lead/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    const get = await h.call('GET', '/me/', { headers: { origin: 'https://app.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
    expect(get.headers.get('access-control-expose-headers')).toContain('RateLimit');
    expect(get.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

test('reset() goes back to the seed', async () => {
  const id = await newLead('Temporary');
  expect((await h.call('GET', `/lead/${id}/`)).status).toBe(200);
  h.sandbox.reset();
  expect((await h.call('GET', `/lead/${id}/`)).status).toBe(404);
  expect(unwrap(await h.client.GET('/lead/', { params: { query: { query: '*', _limit: 0 } } })).total_results).toBe(30);
  expect(unwrap(await h.client.GET('/event/')).data).toEqual([]);
});

test('every answer above was checked against the spec', () => {
  expect(h.checked()).toBeGreaterThan(150);
});
