// Type tests: checked by `tsc --noEmit -p .` (part of `npm test`); never executed. Each
// `@ts-expect-error` fails the type check if the line below it stops being an error.
import { expectTypeOf } from 'vitest';
import {
  type Activity,
  type CallActivity,
  type CloseApiError,
  type Contact,
  createCloseClient,
  customFields,
  type Event,
  type Lead,
  type LeadCreate,
  type OpportunityCreate,
  type PaginatedPath,
  paginate,
  type SearchResultItem,
  type Task,
  unwrap,
  type WithCustomFields,
} from '../src/index.js';

declare const close: ReturnType<typeof createCloseClient>;

export async function typeTests(): Promise<void> {
  // `data` of GET /lead/{lead_id}/ is the lead type
  const got = await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });
  expectTypeOf(got.data).toEqualTypeOf<Lead | undefined>();
  expectTypeOf(unwrap(got)).toEqualTypeOf<Lead>();
  if (got.error) expectTypeOf(got.error).not.toBeAny();

  // a wrong path parameter
  // @ts-expect-error leadId is not the parameter's name
  await close.GET('/lead/{lead_id}/', { params: { path: { leadId: 'lead_1' } } });
  // @ts-expect-error the path parameter is required
  await close.GET('/lead/{lead_id}/');
  // @ts-expect-error unknown path
  await close.GET('/leads/');
  // @ts-expect-error no PATCH in the Close API
  await close.PATCH('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } });

  // a missing required create field (a task needs lead_id)
  // @ts-expect-error lead_id is required
  await close.POST('/task/', { body: { text: 'Call back' } });
  const task = unwrap(await close.POST('/task/', { body: { lead_id: 'lead_1', text: 'Call back' } }));
  expectTypeOf(task).toEqualTypeOf<Task>();

  // an unknown value_period
  // @ts-expect-error value_period is one_time | monthly | annual
  await close.POST('/opportunity/', { body: { lead_id: 'lead_1', value: 50000, value_period: 'weekly' } });
  await close.POST('/opportunity/', { body: { lead_id: 'lead_1', value: 50000, value_period: 'monthly' } });
  // @ts-expect-error also as a standalone typed object
  const badOpp: OpportunityCreate = { value_period: 'yearly' };

  // a misspelt field, top level and nested
  // @ts-expect-error `nmae` is not a LeadCreate field
  await close.POST('/lead/', { body: { nmae: 'Acme' } });
  await close.POST('/lead/', {
    // @ts-expect-error `emial` is not a contact email field
    body: { name: 'Acme', contacts: [{ name: 'Jo', emails: [{ emial: 'jo@example.com' }] }] },
  });
  // @ts-expect-error misspelt query parameter
  await close.GET('/lead/', { params: { query: { qeury: 'acme' } } });

  // custom fields: only custom.cf_… keys, only custom-field values
  const created = await close.POST('/lead/', {
    body: { name: 'Acme', 'custom.cf_source': 'Website', 'custom.lcf_legacy': 3 },
  });
  expectTypeOf(created.data).toEqualTypeOf<Lead | undefined>();
  // @ts-expect-error custom fields go under custom.cf_<id> keys
  const wrongKey: LeadCreate = { name: 'Acme', 'custom.Source': 'Website' };
  // @ts-expect-error an object is not a custom-field value
  const wrongValue: LeadCreate = { name: 'Acme', 'custom.cf_source': { nested: true } };
  await close.PUT('/lead/{lead_id}/', {
    params: { path: { lead_id: 'lead_1' } },
    body: { 'custom.cf_tags.add': 'vip' },
  });
  const body = { name: 'Acme', ...customFields({ cf_source: 'Website' }) } satisfies LeadCreate;
  expectTypeOf(body['custom.cf_source']).toEqualTypeOf<'Website'>();
  const lead = unwrap(got);
  expectTypeOf(lead['custom.cf_anything']).toEqualTypeOf<string | number | string[] | undefined>();
  type MyLead = WithCustomFields<Lead, { cf_source: string; cf_score: number }>;
  expectTypeOf<MyLead['custom.cf_score']>().toEqualTypeOf<number | undefined>();

  // activities are a union discriminated by _type
  for await (const activity of paginate(close, '/activity/', { params: { query: { lead_id: 'lead_1' } } })) {
    expectTypeOf(activity).toEqualTypeOf<Activity>();
    // @ts-expect-error duration exists on calls only: narrow first
    void activity.duration;
    if (activity._type === 'Call') expectTypeOf(activity).toMatchTypeOf<CallActivity>();
  }

  // paginate: items typed per path, only list paths accepted
  for await (const l of paginate(close, '/lead/', { params: { query: { query: 'name:Acme', _limit: 100 } } }))
    expectTypeOf(l).toEqualTypeOf<Lead>();
  for await (const c of paginate(close, '/contact/')) expectTypeOf(c).toEqualTypeOf<Contact>();
  for await (const e of paginate(close, '/event/', { params: { query: { object_type: 'lead' } } }))
    expectTypeOf(e).toEqualTypeOf<Event>();
  for await (const r of paginate(close, '/data/search/', {
    body: { query: { type: 'object_type', object_type: 'lead' } },
  })) {
    expectTypeOf(r).toEqualTypeOf<SearchResultItem>();
  }
  expectTypeOf<'/lead/'>().toMatchTypeOf<PaginatedPath>();
  expectTypeOf<'/lead/{lead_id}/'>().not.toMatchTypeOf<PaginatedPath>();
  // @ts-expect-error POST /data/search/ needs a body with a query
  paginate(close, '/data/search/');
  // @ts-expect-error misspelt query parameter of a paginated list
  paginate(close, '/lead/', { params: { query: { _limt: 10 } } });

  // errors
  expectTypeOf<CloseApiError['status']>().toEqualTypeOf<number>();
  expectTypeOf<CloseApiError['fieldErrors']>().toEqualTypeOf<
    Readonly<Record<string, string | { [key: string]: unknown }>>
  >();

  // construction
  createCloseClient({ apiKey: 'key' });
  createCloseClient({ accessToken: 'token', retry: { maxRetries: 2 }, timeoutMs: 10_000 });
  void [badOpp, wrongKey, wrongValue];
}

export async function callTypeTests(): Promise<void> {
  // close.call is typed by operationId: the body, params and result of that operation
  expectTypeOf(await close.call('getLead', { params: { path: { lead_id: 'lead_1' } } })).toEqualTypeOf<Lead>();
  expectTypeOf(await close.call('createLead', { body: { name: 'Acme' } })).toEqualTypeOf<Lead>();
  // @ts-expect-error path parameters are required
  await close.call('getLead');
  // @ts-expect-error a misspelt body field is an excess property
  await close.call('createLead', { body: { nmae: 'Acme' } });
  // @ts-expect-error no such operation
  await close.call('getLeads');
}
