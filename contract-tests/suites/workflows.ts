// The seven workflows users build on the Close API, each one test that runs in both modes. In live
// mode every workflow reads back what it wrote (state, not just shape); in mock mode the answers are
// the spec's examples, validated by the recorder like any response.
import { expect, test } from 'vitest';
import type { components } from '../../generated/schema.js';
import { customFieldKey, type LeadId, paginate, unwrap } from '../../src/index.js';
import { type Contract, eventually } from '../support/context.js';
import type { Fixtures } from '../support/fixtures.js';

type LeadCreate = components['schemas']['LeadCreate'];
const HTML_URL = /^https:\/\/app\.close\.(com|io)\/lead\/lead_[A-Za-z0-9]+\/?$/;

export function workflowTests(c: Contract, fx: Fixtures): void {
  const sameId = (got: unknown, want: unknown): void => {
    if (c.live) expect(got).toBe(want);
    else expect(got).toMatch(/^[a-z]+_[A-Za-z0-9]+$/);
  };
  test('form submission to lead: a lead with a contact and a `source` custom field', async () => {
    // The form's backend: find the organisation's "source" text field (create one for this run if absent).
    const fields = unwrap(await c.client.GET('/custom_field/lead/', { params: { query: { _limit: 100 } } }));
    let source = fields.data.find(
      (f) => f.name?.toLowerCase() === 'source' && f.type === 'text' && f.accepts_multiple_values !== true,
    );
    source ??= unwrap(await c.client.POST('/custom_field/lead/', { body: { name: c.name('source'), type: 'text' } }));
    const sourceKey = customFieldKey(source.id as `cf_${string}`);
    const form = {
      company: c.name('Acme Rockets'),
      person: c.name('Wile E. Coyote'),
      email: c.email('wile'),
      phone: '+16505550142',
      source: 'Website form',
    };

    const body: LeadCreate = {
      name: form.company,
      contacts: [
        {
          name: form.person,
          title: 'Founder',
          emails: [{ email: form.email, type: 'office' }],
          phones: [{ phone: form.phone, type: 'mobile' }],
        },
      ],
    };
    body[sourceKey] = form.source;
    const created = unwrap(await c.client.POST('/lead/', { body }));
    const leadId = created.id;
    expect(leadId).toMatch(/^lead_/);

    if (c.live) {
      const lead = unwrap(await c.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: leadId } } }));
      expect(lead.name).toBe(form.company);
      expect(lead[sourceKey]).toBe(form.source);
      expect(lead.contacts).toHaveLength(1);
      const contact = lead.contacts?.[0];
      expect(contact?.name).toBe(form.person);
      expect(contact?.emails?.map((e) => e.email)).toEqual([form.email]);
      expect(contact?.phones?.[0]?.phone).toBe(form.phone);
      expect(lead.html_url).toMatch(HTML_URL);
    }
  });

  test('pipeline stage automation: move an opportunity to a won status with a final value', async () => {
    const lead = unwrap(await c.client.POST('/lead/', { body: { name: c.name('Stage automation') } }));
    const opp = unwrap(
      await c.client.POST('/opportunity/', {
        body: {
          lead_id: lead.id,
          status_id: fx.activeStatusId,
          value: 500000,
          value_period: 'one_time',
          confidence: 50,
          note: c.name('Pilot'),
        },
      }),
    );
    const won = unwrap(
      await c.client.PUT('/opportunity/{opportunity_id}/', {
        params: { path: { opportunity_id: opp.id } },
        body: { status_id: fx.wonStatusId, value: 725000, confidence: 100 },
      }),
    );
    sameId(won.id, opp.id);

    if (c.live) {
      const after = unwrap(
        await c.client.GET('/opportunity/{opportunity_id}/', {
          params: { path: { opportunity_id: opp.id } },
        }),
      );
      expect(after.status_id).toBe(fx.wonStatusId);
      expect(after.status_type).toBe('won');
      expect(after.value).toBe(725000);
      expect(after.confidence).toBe(100);
      expect(after.date_won, 'a move to a won status sets date_won').toMatch(/^\d{4}-\d{2}-\d{2}/);
      const wonList = unwrap(
        await c.client.GET('/opportunity/', { params: { query: { lead_id: lead.id, status_type: 'won' } } }),
      );
      expect(wonList.data.map((o) => o.id)).toEqual([opp.id]);
    }
  });

  test('activity logging: a note with a body and timestamp, and a 15-minute outbound call', async () => {
    const lead = unwrap(await c.client.POST('/lead/', { body: { name: c.name('Activity logging') } }));
    const leadId = lead.id;
    const at = new Date(Date.now() - 3_600_000);
    at.setUTCMilliseconds(0);
    const noteText = `Discovery call notes (${c.target.runId}): budget approved, decision in Q3.`;
    const note = unwrap(
      await c.client.POST('/activity/note/', {
        body: { lead_id: leadId, note: noteText, activity_at: at.toISOString().replace('.000Z', '+00:00') },
      }),
    );
    const call = unwrap(
      await c.client.POST('/activity/call/', {
        body: {
          lead_id: leadId,
          direction: 'outbound',
          status: 'completed',
          duration: 900,
          phone: '+16505550150',
          note: c.name('Follow-up call'),
        },
      }),
    );
    expect(note.id).toMatch(/^acti_/);
    expect(call.id).toMatch(/^acti_/);

    if (c.live) {
      const timeline = unwrap(await c.client.GET('/activity/', { params: { query: { lead_id: leadId, _limit: 50 } } }));
      const gotNote = timeline.data.find((a) => a.id === note.id);
      const gotCall = timeline.data.find((a) => a.id === call.id);
      expect(gotNote?._type).toBe('Note');
      expect(gotCall?._type).toBe('Call');
      if (gotNote?._type === 'Note') {
        expect(gotNote.note).toBe(noteText);
        expect(Date.parse(String(gotNote.activity_at))).toBe(at.getTime());
      }
      if (gotCall?._type === 'Call') {
        expect(gotCall.duration).toBe(900);
        expect(gotCall.direction).toBe('outbound');
      }
    }
  });

  test('smart-view digest: list Smart Views, run one, list the leads with their html_url', async () => {
    const lead = unwrap(await c.client.POST('/lead/', { body: { name: c.name('Digest lead') } }));
    const views = unwrap(await c.client.GET('/saved_search/', { params: { query: { type: 'lead', _limit: 50 } } }));
    expect(Array.isArray(views.data)).toBe(true);

    // Run the first view whose stored query this spec can express; legacy views carry a text query.
    const digest: { id: string; html_url: string; display_name?: string }[] = [];
    const pickLeads = async (ids: LeadId[]) => {
      for (const id of ids.slice(0, 3)) {
        const l = unwrap(
          await c.client.GET('/lead/{lead_id}/', {
            params: { path: { lead_id: id }, query: { _fields: ['id', 'display_name', 'html_url'] } },
          }),
        );
        digest.push({ id: l.id, html_url: l.html_url, display_name: l.display_name });
      }
    };
    let ran = false;
    for (const view of views.data) {
      // A Smart View's s_query is a search body as it is (with the fields to return added). The field list
      // is typed as names, not string[], so the result rows are typed with those fields.
      const lead: ('id' | 'display_name')[] = ['id', 'display_name'];
      const body = view.s_query && {
        ...view.s_query,
        _fields: { lead },
        _limit: 10,
        results_limit: 10,
      };
      if (body && c.spec.validateRequestBody('searchData', body).valid) {
        const result = unwrap(await c.client.POST('/data/search/', { body }));
        await pickLeads(result.data.flatMap((r) => (r.__object_type === 'lead' ? [r.id] : [])));
        ran = true;
        break;
      }
      if (typeof view.query === 'string' && view.query) {
        const page = unwrap(
          await c.client.GET('/lead/', {
            params: { query: { query: view.query, _limit: 3, _fields: ['id', 'display_name', 'html_url'] } },
          }),
        );
        for (const l of page.data) digest.push({ id: l.id, html_url: l.html_url, display_name: l.display_name });
        ran = true;
        break;
      }
    }
    if (c.live && !ran)
      console.warn('[contract] no Smart View with a query this spec can express; only the run digest was checked');
    for (const row of digest) expect(row.html_url).toMatch(HTML_URL);

    if (c.live) {
      // The run's own digest, by the deprecated text query, page by page: the lead created above is in it.
      await eventually(async () => {
        const mine: { id: string; html_url: string }[] = [];
        for await (const l of paginate(c.client, '/lead/', {
          params: { query: { query: `"${c.target.runId}"`, _limit: 2, _fields: ['id', 'display_name', 'html_url'] } },
        })) {
          mine.push({ id: l.id, html_url: l.html_url });
          if (mine.length >= 40) break;
        }
        expect(mine.map((m) => m.id)).toContain(lead.id);
        for (const m of mine) expect(m.html_url).toMatch(HTML_URL);
      });
    }
  });

  test('task lifecycle: create, assign, complete', async () => {
    const lead = unwrap(await c.client.POST('/lead/', { body: { name: c.name('Task lifecycle') } }));
    const due = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const task = unwrap(
      await c.client.POST('/task/', {
        body: {
          _type: 'lead',
          lead_id: lead.id,
          text: c.name('Send the proposal'),
          date: due,
          assigned_to: fx.userId,
        },
      }),
    );
    const taskId = task.id;
    const assigned = unwrap(
      await c.client.PUT('/task/{task_id}/', {
        params: { path: { task_id: taskId } },
        body: { assigned_to: fx.otherUserId },
      }),
    );
    const done = unwrap(
      await c.client.PUT('/task/{task_id}/', { params: { path: { task_id: taskId } }, body: { is_complete: true } }),
    );
    sameId(assigned.id, taskId);
    sameId(done.id, taskId);

    if (c.live) {
      expect(task.is_complete).toBe(false);
      expect(task.date).toBe(due);
      expect(assigned.assigned_to).toBe(fx.otherUserId);
      expect(done.is_complete).toBe(true);
      const completed = unwrap(
        await c.client.GET('/task/', { params: { query: { lead_id: lead.id, is_complete: true } } }),
      );
      const found = completed.data.find((t) => t.id === taskId);
      expect(found?.is_complete).toBe(true);
      expect(found?.assigned_to).toBe(fx.otherUserId);
      // Since 2024-06-07 a lead embeds only incomplete tasks.
      const after = unwrap(await c.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: lead.id } } }));
      expect((after.tasks ?? []).map((t) => t.id)).not.toContain(taskId);
    }
  });

  test('merging two duplicate leads', async () => {
    const name = c.name('Globex Duplicate');
    const a = unwrap(
      await c.client.POST('/lead/', {
        body: {
          name,
          contacts: [{ name: c.name('Hank Scorpio'), emails: [{ email: c.email('hank'), type: 'office' }] }],
        },
      }),
    );
    const b = unwrap(
      await c.client.POST('/lead/', {
        body: { name, contacts: [{ name: c.name('Hank S.'), emails: [{ email: c.email('hank.s'), type: 'office' }] }] },
      }),
    );
    const result = await c.client.POST('/lead/merge/', {
      body: { source: b.id, destination: a.id },
    });
    expect(result.response.status).toBe(200);

    if (c.live) {
      await eventually(async () => {
        const gone = await c.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: b.id } } });
        expect(gone.response.status, 'the source lead is deleted by the merge').toBe(404);
      });
      await eventually(async () => {
        const dest = unwrap(await c.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: a.id } } }));
        const emails = (dest.contacts ?? []).flatMap((ct) => (ct.emails ?? []).map((e) => e.email));
        expect(emails.sort()).toEqual([c.email('hank'), c.email('hank.s')].sort());
      });
    }
  });

  test('reading the event log page by page', async () => {
    const lead = unwrap(
      await c.client.POST('/lead/', { body: { name: c.name('Event log'), contacts: [{ name: c.name('Eve Log') }] } }),
    );
    const leadId = lead.id;
    unwrap(await c.client.POST('/activity/note/', { body: { lead_id: leadId, note: c.name('Event log note') } }));

    type Page = { ids: string[]; dates: string[]; next: string | null | undefined };
    const readPages = async (maxPages: number): Promise<Page[]> => {
      const pages: Page[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < maxPages; i++) {
        const page = unwrap(
          await c.client.GET('/event/', {
            params: { query: { lead_id: leadId, _limit: 1, ...(cursor ? { _cursor: cursor } : {}) } },
          }),
        );
        if (c.live) expect(page.data.length).toBeLessThanOrEqual(1);
        pages.push({
          ids: page.data.map((e) => e.id),
          dates: page.data.map((e) => String(e.date_updated)),
          next: page.cursor_next,
        });
        if (!page.cursor_next) break;
        cursor = page.cursor_next;
      }
      return pages;
    };

    if (!c.live) {
      // The mock answers every page with the same example; following its cursor must keep validating.
      const pages = await readPages(3);
      expect(pages).toHaveLength(3);
      return;
    }
    // Lead created, contact created, note created: at least three events for this lead, one per page.
    const pages = await eventually(async () => {
      const p = await readPages(20);
      expect(p.flatMap((x) => x.ids).length).toBeGreaterThanOrEqual(3);
      return p;
    });
    const ids = pages.flatMap((p) => p.ids);
    expect(new Set(ids).size, 'no event appears on two pages').toBe(ids.length);
    const dates = pages
      .flatMap((p) => p.dates)
      .map((d) => Date.parse(d.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(d) ? d : `${d}Z`));
    for (let i = 1; i < dates.length; i++) expect(dates[i] as number).toBeLessThanOrEqual(dates[i - 1] as number);
    // The client's paginate() follows the same cursors to the same events.
    const viaPaginate: string[] = [];
    for await (const e of paginate(c.client, '/event/', { params: { query: { lead_id: leadId, _limit: 1 } } })) {
      viaPaginate.push(e.id);
      if (viaPaginate.length > 50) break;
    }
    expect(viaPaginate).toEqual(expect.arrayContaining(ids));
  });
}
