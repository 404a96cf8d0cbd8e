// Every operation called with a valid request, resource by resource: one group per test, typed by the
// generated OperationId union so that an operation added to the spec fails the type check until a group
// here calls it. In live mode each write is read back; in mock mode the answers are the spec's examples,
// so only their shape is checked (by the recorder) plus a few invariants that hold for any valid response.
import { expect, test } from 'vitest';
import type { OperationId } from '../../generated/operations.js';
import type { components } from '../../generated/schema.js';
import { customFieldKey, unwrap } from '../../src/index.js';
import { type Contract, eventually } from '../support/context.js';
import type { Fixtures } from '../support/fixtures.js';

/** Operations one contract test calls with valid requests, each expected to answer 2xx. */
interface OperationGroup {
  readonly name: string;
  readonly covers: readonly OperationId[];
  readonly run: () => Promise<void>;
}
/** Compiles only when `Missing` is `never`: every OperationId is covered by a group. */
function everyOperation<Missing extends never>(): readonly Missing[] {
  return [];
}

export function operationTests(c: Contract, fx: Fixtures): void {
  // The mock answers with the spec's examples, whose ids differ between operations; the live API must echo them.
  const sameId = (got: unknown, want: unknown): void => {
    if (c.live) expect(got).toBe(want);
    else expect(got).toMatch(/^[a-z]+_[A-Za-z0-9]+$/);
  };
  const newLead = async (label: string) =>
    unwrap(
      await c.client.POST('/lead/', {
        body: {
          name: c.name(label),
          status_id: fx.leadStatusId,
          description: 'Created by the close-crm-openapi contract tests.',
        },
      }),
    );

  const groups = [
    {
      name: 'users and organization',
      covers: ['getMe', 'listUsers', 'getOrganization'],
      run: async () => {
        const me = unwrap(await c.client.GET('/me/'));
        expect(me.id).toMatch(/^user_/);
        const users = unwrap(await c.client.GET('/user/', { params: { query: { _limit: 10 } } }));
        expect(Array.isArray(users.data)).toBe(true);
        const org = unwrap(
          await c.client.GET('/organization/{organization_id}/', {
            params: { path: { organization_id: fx.organizationId } },
          }),
        );
        expect(org.id).toMatch(/^orga_/);
        if (c.live) {
          sameId(org.id, fx.organizationId);
          expect(users.data.map((u) => u.id)).toContain(me.id);
        }
      },
    },

    {
      name: 'statuses and pipelines',
      covers: [
        'listLeadStatuses',
        'listOpportunityStatuses',
        'listPipelines',
        'createPipeline',
        'updatePipeline',
        'createOpportunityStatus',
      ],
      run: async () => {
        const leadStatuses = unwrap(await c.client.GET('/status/lead/'));
        expect(leadStatuses.data.length).toBeGreaterThan(0);
        const oppStatuses = unwrap(await c.client.GET('/status/opportunity/'));
        expect(oppStatuses.data.length).toBeGreaterThan(0);
        const pipelines = unwrap(await c.client.GET('/pipeline/'));
        expect(pipelines.data.length).toBeGreaterThan(0);

        const created = unwrap(await c.client.POST('/pipeline/', { body: { name: c.name('Contract pipeline') } }));
        expect(created.id).toMatch(/^pipe_/);
        const status = unwrap(
          await c.client.POST('/status/opportunity/', {
            body: { label: c.name('Contract stage'), type: 'active', pipeline_id: created.id },
          }),
        );
        expect(status.id).toMatch(/^stat_/);
        const renamed = unwrap(
          await c.client.PUT('/pipeline/{pipeline_id}/', {
            params: { path: { pipeline_id: created.id } },
            body: { name: c.name('Contract pipeline renamed') },
          }),
        );
        sameId(renamed.id, created.id);
        if (c.live) {
          expect(created.name).toBe(c.name('Contract pipeline'));
          expect(status.pipeline_id).toBe(created.id);
          expect(renamed.name).toBe(c.name('Contract pipeline renamed'));
          expect(renamed.statuses?.map((s) => s.id)).toContain(status.id);
          const after = unwrap(await c.client.GET('/pipeline/'));
          expect(after.data.find((p) => p.id === created.id)?.name).toBe(c.name('Contract pipeline renamed'));
        }
      },
    },

    {
      name: 'lead custom fields',
      covers: ['listLeadCustomFields', 'createLeadCustomField'],
      run: async () => {
        const field = unwrap(
          await c.client.POST('/custom_field/lead/', { body: { name: c.name('Contract field'), type: 'text' } }),
        );
        expect(field.id).toMatch(/^(cf|lcf)_/);
        const list = unwrap(await c.client.GET('/custom_field/lead/', { params: { query: { _limit: 100 } } }));
        expect(Array.isArray(list.data)).toBe(true);
        if (c.live) {
          expect(field.name).toBe(c.name('Contract field'));
          expect(field.type).toBe('text');
          expect(list.data.map((f) => f.id)).toContain(field.id);
        }
      },
    },

    {
      name: 'leads',
      covers: ['createLead', 'getLead', 'updateLead', 'listLeads', 'deleteLead'],
      run: async () => {
        const lead = await newLead('Contract lead');
        expect(lead.id).toMatch(/^lead_/);
        const id = lead.id;
        const got = unwrap(await c.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: id } } }));
        sameId(got.id, id);
        const updated = unwrap(
          await c.client.PUT('/lead/{lead_id}/', {
            params: { path: { lead_id: id } },
            body: { description: `Updated by run ${c.target.runId}` },
          }),
        );
        sameId(updated.id, id);
        const page = unwrap(
          await c.client.GET('/lead/', {
            params: { query: { _limit: 5, _fields: ['id', 'display_name', 'html_url'] } },
          }),
        );
        expect(Array.isArray(page.data)).toBe(true);
        const gone = await newLead('Contract lead to delete');
        const del = await c.client.DELETE('/lead/{lead_id}/', { params: { path: { lead_id: gone.id } } });
        expect(del.response.status).toBe(200);
        if (c.live) {
          expect(got.name).toBe(c.name('Contract lead'));
          expect(got.status_id).toBe(fx.leadStatusId);
          const reread = unwrap(await c.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: id } } }));
          expect(reread.description).toBe(`Updated by run ${c.target.runId}`);
          const after = await c.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: gone.id } } });
          expect(after.response.status).toBe(404);
        }
      },
    },

    {
      name: 'lead merge',
      covers: ['mergeLeads'],
      run: async () => {
        const destination = await newLead('Contract merge destination');
        const source = await newLead('Contract merge source');
        const merged = await c.client.POST('/lead/merge/', {
          body: { source: source.id, destination: destination.id },
        });
        expect(merged.response.status).toBe(200);
        if (c.live) {
          await eventually(async () => {
            const gone = await c.client.GET('/lead/{lead_id}/', {
              params: { path: { lead_id: source.id } },
            });
            expect(gone.response.status, 'the source lead is deleted by the merge').toBe(404);
          });
        }
      },
    },
    {
      name: 'contacts',
      covers: ['createContact', 'getContact', 'updateContact', 'listContacts'],
      run: async () => {
        const lead = await newLead('Contract contacts');
        const contact = unwrap(
          await c.client.POST('/contact/', {
            body: {
              lead_id: lead.id,
              name: c.name('Ada Lovelace'),
              title: 'CTO',
              emails: [{ email: c.email('ada'), type: 'office' }],
              phones: [{ phone: '+16505550101', type: 'mobile' }],
            },
          }),
        );
        expect(contact.id).toMatch(/^cont_/);
        const cid = contact.id;
        const got = unwrap(await c.client.GET('/contact/{contact_id}/', { params: { path: { contact_id: cid } } }));
        sameId(got.id, cid);
        const updated = unwrap(
          await c.client.PUT('/contact/{contact_id}/', {
            params: { path: { contact_id: cid } },
            body: { title: 'CEO' },
          }),
        );
        sameId(updated.id, cid);
        const list = unwrap(await c.client.GET('/contact/', { params: { query: { lead_id: lead.id, _limit: 10 } } }));
        expect(Array.isArray(list.data)).toBe(true);
        if (c.live) {
          expect(got.lead_id).toBe(lead.id);
          expect(got.emails?.[0]?.email).toBe(c.email('ada'));
          expect(updated.title).toBe('CEO');
          expect(list.data.map((x) => x.id)).toContain(cid);
        }
      },
    },

    {
      name: 'opportunities',
      covers: ['createOpportunity', 'getOpportunity', 'updateOpportunity', 'listOpportunities'],
      run: async () => {
        const lead = await newLead('Contract opportunities');
        const opp = unwrap(
          await c.client.POST('/opportunity/', {
            body: {
              lead_id: lead.id,
              status_id: fx.activeStatusId,
              value: 120000,
              value_period: 'annual',
              confidence: 40,
              note: c.name('Contract deal'),
            },
          }),
        );
        expect(opp.id).toMatch(/^oppo_/);
        const oid = opp.id;
        const got = unwrap(
          await c.client.GET('/opportunity/{opportunity_id}/', { params: { path: { opportunity_id: oid } } }),
        );
        sameId(got.id, oid);
        const updated = unwrap(
          await c.client.PUT('/opportunity/{opportunity_id}/', {
            params: { path: { opportunity_id: oid } },
            body: { confidence: 60 },
          }),
        );
        sameId(updated.id, oid);
        const list = unwrap(await c.client.GET('/opportunity/', { params: { query: { lead_id: lead.id } } }));
        expect(Array.isArray(list.data)).toBe(true);
        if (c.live) {
          expect(got.value).toBe(120000);
          expect(got.value_period).toBe('annual');
          expect(got.status_id).toBe(fx.activeStatusId);
          expect(updated.confidence).toBe(60);
          expect(list.data.map((o) => o.id)).toEqual([oid]);
        }
      },
    },

    {
      name: 'activities',
      covers: [
        'createNoteActivity',
        'createCallActivity',
        'createEmailActivity',
        'createSmsActivity',
        'listActivities',
      ],
      run: async () => {
        const lead = await newLead('Contract activities');
        const leadId = lead.id;
        const note = unwrap(
          await c.client.POST('/activity/note/', { body: { lead_id: leadId, note: c.name('Contract note') } }),
        );
        const call = unwrap(
          await c.client.POST('/activity/call/', {
            body: {
              lead_id: leadId,
              direction: 'inbound',
              status: 'completed',
              duration: 60,
              phone: '+16505550102',
              note: c.name('Contract call'),
            },
          }),
        );
        const email = unwrap(
          await c.client.POST('/activity/email/', {
            body: {
              lead_id: leadId,
              status: 'draft',
              to: [c.email('draft-recipient')],
              subject: c.name('Contract draft'),
              body_text: 'Never sent: a draft created by the contract tests.',
            },
          }),
        );
        const sms = unwrap(
          await c.client.POST('/activity/sms/', {
            body: {
              lead_id: leadId,
              status: 'draft',
              remote_phone: '+16505550103',
              text: c.name('Contract SMS draft'),
            },
          }),
        );
        for (const a of [note, call, email, sms]) expect(a.id).toMatch(/^acti_/);
        const list = unwrap(await c.client.GET('/activity/', { params: { query: { lead_id: leadId, _limit: 50 } } }));
        expect(Array.isArray(list.data)).toBe(true);
        if (c.live) {
          const ids = list.data.map((a) => a.id);
          for (const a of [note, call, email, sms]) expect(ids).toContain(a.id);
          const byId = new Map(list.data.map((a) => [a.id, a]));
          expect(byId.get(note.id)?._type).toBe('Note');
          expect(byId.get(call.id)?._type).toBe('Call');
          expect(byId.get(email.id)?._type).toBe('Email');
          expect(byId.get(sms.id)?._type).toBe('SMS');
        }
      },
    },

    {
      name: 'tasks',
      covers: ['createTask', 'updateTask', 'listTasks'],
      run: async () => {
        const lead = await newLead('Contract tasks');
        const task = unwrap(
          await c.client.POST('/task/', {
            body: {
              _type: 'lead',
              lead_id: lead.id,
              text: c.name('Contract task'),
              date: new Date().toISOString().slice(0, 10),
            },
          }),
        );
        expect(task.id).toMatch(/^task_/);
        const updated = unwrap(
          await c.client.PUT('/task/{task_id}/', {
            params: { path: { task_id: task.id } },
            body: { text: c.name('Contract task (edited)') },
          }),
        );
        sameId(updated.id, task.id);
        const list = unwrap(await c.client.GET('/task/', { params: { query: { lead_id: lead.id } } }));
        expect(Array.isArray(list.data)).toBe(true);
        if (c.live) {
          expect(list.data.find((t) => t.id === task.id)?.text).toBe(c.name('Contract task (edited)'));
        }
      },
    },

    {
      name: 'search and Smart Views',
      covers: ['searchData', 'listSmartViews'],
      run: async () => {
        const lead = await newLead('Contract search');
        const views = unwrap(await c.client.GET('/saved_search/', { params: { query: { _limit: 10 } } }));
        expect(Array.isArray(views.data)).toBe(true);
        const search = () =>
          c.client.POST('/data/search/', {
            body: {
              query: {
                type: 'and',
                queries: [
                  { type: 'object_type', object_type: 'lead' },
                  { type: 'text', value: c.target.runId, mode: 'full_words' },
                ],
              },
              _fields: { lead: ['id', 'display_name'] },
              _limit: 10,
              include_counts: true,
            },
          });
        const first = unwrap(await search());
        expect(Array.isArray(first.data)).toBe(true);
        if (c.live) {
          await eventually(async () => expect(unwrap(await search()).data.map((r) => r.id)).toContain(lead.id));
        }
      },
    },

    {
      name: 'event log',
      covers: ['listEvents'],
      run: async () => {
        const lead = await newLead('Contract events');
        // `lead_id` alone is one of the filter combinations the event log accepts.
        const read = async () =>
          unwrap(await c.client.GET('/event/', { params: { query: { lead_id: lead.id, _limit: 10 } } }));
        const page = await read();
        expect(Array.isArray(page.data)).toBe(true);
        expect(page).toHaveProperty('cursor_next');
        if (c.live) {
          await eventually(async () => {
            const mine = await read();
            expect(
              mine.data.some((e) => e.object_id === lead.id && e.object_type === 'lead' && e.action === 'created'),
            ).toBe(true);
          });
        }
      },
    },
  ] as const satisfies readonly OperationGroup[];

  // Fails the type check, naming them, while an operation of the spec has no group here.
  everyOperation<Exclude<OperationId, (typeof groups)[number]['covers'][number]>>();
  for (const g of groups) {
    test(`${g.name}: ${g.covers.join(', ')}`, async () => {
      const mark = c.recorder.lastSeq;
      await g.run();
      // The group's list is a claim; the recorder holds it to what was actually answered.
      const answered = new Set(
        c.recorder
          .since(mark)
          .filter((r) => r.status >= 200 && r.status < 300)
          .map((r) => r.operationId),
      );
      expect(
        g.covers.filter((id) => !answered.has(id)),
        'operations of this group without a 2xx answer',
      ).toEqual([]);
    });
  }

  test('custom field values round-trip on a lead (custom.cf_* keys)', async () => {
    const field = unwrap(
      await c.client.POST('/custom_field/lead/', { body: { name: c.name('Contract tier'), type: 'text' } }),
    );
    const key = customFieldKey(field.id as `cf_${string}`);
    const body: components['schemas']['LeadCreate'] = { name: c.name('Contract custom') };
    body[key] = 'gold';
    const lead = unwrap(await c.client.POST('/lead/', { body }));
    expect(lead.id).toMatch(/^lead_/);
    if (c.live) {
      const got = unwrap(await c.client.GET('/lead/{lead_id}/', { params: { path: { lead_id: lead.id } } }));
      expect(got[key]).toBe('gold');
    }
  });
}
