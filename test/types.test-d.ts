// Type tests: checked by `tsc --noEmit -p .` (part of `npm test`); never executed. Each
// `@ts-expect-error` fails the type check if the line below it stops being an error.
import { expectTypeOf } from 'vitest';
import {
  type Activity,
  type CallActivity,
  type CloseApiError,
  type Contact,
  type ContactId,
  type CustomFieldValue,
  createCloseClient,
  customFields,
  customFieldsByName,
  type Event,
  type Lead,
  type LeadCreate,
  type LeadId,
  type OperationResult,
  type OpportunityCreate,
  type PaginatedPath,
  type PickFields,
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
  // An annotated result infers nothing from the annotation: no `_fields`, so the whole object type.
  const annotated: Lead = await close.call('getLead', { params: { path: { lead_id: 'lead_1' } } });
  expectTypeOf(annotated).toEqualTypeOf<Lead>();
  const viaPath: OperationResult<'getLead'> = unwrap(
    await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } }),
  );
  const sameAsCall: OperationResult<'getLead'> = await close.call('getLead', {
    params: { path: { lead_id: viaPath.id } },
  });
  expectTypeOf(sameAsCall).toEqualTypeOf<OperationResult<'getLead'>>();
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

export async function requiredFieldTypes(): Promise<void> {
  // What Close always sends in a default response is required: no `!` for ids and names
  const lead = unwrap(await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' } } }));
  expectTypeOf(lead.id).toEqualTypeOf<LeadId>();
  expectTypeOf(lead.display_name).toEqualTypeOf<string>();
  expectTypeOf(lead.contacts).toEqualTypeOf<Contact[]>();
  // never seen in recorded traffic: still optional
  expectTypeOf(lead.primary_address_summary).toEqualTypeOf<string | null | undefined>();
  for (const c of lead.contacts) {
    expectTypeOf(c.id).toEqualTypeOf<ContactId>();
    // 2017 payloads have no display_name on contacts
    expectTypeOf(c.display_name).toEqualTypeOf<string | undefined>();
  }
}

export async function fieldsTypes(): Promise<void> {
  // _fields by path: each list item has exactly the asked fields, required where Close always sends them
  const page = unwrap(await close.GET('/lead/', { params: { query: { _fields: ['id', 'html_url'], _limit: 5 } } }));
  expectTypeOf(page.has_more).toEqualTypeOf<boolean>();
  for (const row of page.data) {
    expectTypeOf(row).toEqualTypeOf<{ id: LeadId; html_url: string }>();
    // @ts-expect-error name was not asked for
    void row.name;
  }
  // a single object; an unset custom field may be absent; an unknown name (a smart field) is unknown
  const one = unwrap(
    await close.GET('/lead/{lead_id}/', {
      params: { path: { lead_id: 'lead_1' }, query: { _fields: ['id', 'custom.cf_source', 'num_calls'] } },
    }),
  );
  expectTypeOf(one.id).toEqualTypeOf<LeadId>();
  expectTypeOf(one['custom.cf_source']).toEqualTypeOf<CustomFieldValue | undefined>();
  expectTypeOf(one.num_calls).toEqualTypeOf<unknown>();
  expectTypeOf<keyof typeof one>().toEqualTypeOf<'id' | 'custom.cf_source' | 'num_calls'>();
  // a union is trimmed member by member: a picked _type still narrows
  const acts = unwrap(await close.GET('/activity/', { params: { query: { _fields: ['_type', 'duration'] } } }));
  for (const a of acts.data) if (a._type === 'Call') expectTypeOf(a.duration).toEqualTypeOf<number | undefined>();
  // a list that is not literal: every field optional
  const names: string[] = ['id'];
  const loose = unwrap(
    await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: 'lead_1' }, query: { _fields: names } } }),
  );
  expectTypeOf(loose).toEqualTypeOf<Partial<Lead>>();
  expectTypeOf<PickFields<Lead, 'id'>>().toEqualTypeOf<{ id: LeadId }>();
  // @ts-expect-error _fields is not a parameter of POST /lead/
  await close.POST('/lead/', { params: { query: { _fields: ['id'] } }, body: { name: 'Acme' } });

  // paginate follows _fields too
  for await (const row of paginate(close, '/lead/', { params: { query: { _fields: ['id', 'display_name'] } } }))
    expectTypeOf(row).toEqualTypeOf<{ id: LeadId; display_name: string }>();
  for await (const row of paginate(close, '/data/search/', {
    body: { query: { type: 'match_all' }, _fields: { contact: ['id', 'name'] } },
  }))
    if (row.__object_type === 'contact') expectTypeOf(row.name).toEqualTypeOf<string | null>();
  // @ts-expect-error _fields is not a parameter of GET /event/
  paginate(close, '/event/', { params: { query: { _fields: ['id'] } } });

  // _fields by operationId
  const viaCall = await close.call('listLeads', { params: { query: { _fields: ['id', 'display_name'] } } });
  for (const row of viaCall.data) expectTypeOf(row).toEqualTypeOf<{ id: LeadId; display_name: string }>();
  const got = await close.call('getLead', { params: { path: { lead_id: 'lead_1' }, query: { _fields: ['id'] } } });
  expectTypeOf(got).toEqualTypeOf<{ id: LeadId }>();
  // @ts-expect-error a misspelt query parameter next to _fields is still an error
  await close.call('listLeads', { params: { query: { _fields: ['id'], _limt: 1 } } });
}

export async function idTypes(): Promise<void> {
  const contact = unwrap(await close.GET('/contact/{contact_id}/', { params: { path: { contact_id: 'cont_1' } } }));
  const opp = unwrap(
    await close.GET('/opportunity/{opportunity_id}/', { params: { path: { opportunity_id: 'oppo_1' } } }),
  );
  // an id read from one response is accepted where the same kind is expected…
  await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: opp.lead_id } } });
  await close.POST('/task/', { body: { lead_id: opp.lead_id, contact_id: contact.id, text: 'Call back' } });
  // …and nowhere else
  // @ts-expect-error a contact id is not a lead id
  await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: contact.id } } });
  // @ts-expect-error a contact id is not a lead id (body field)
  await close.POST('/task/', { body: { lead_id: contact.id, text: 'Call back' } });
  // @ts-expect-error a plain string is not an id
  await close.GET('/contact/{contact_id}/', { params: { path: { contact_id: 'Jo' } } });
  expectTypeOf<LeadId>().toEqualTypeOf<`lead_${string}`>();
}

export async function customFieldByNameTypes(): Promise<void> {
  // a field id read from the API builds a key that a create body accepts
  const fields = unwrap(await close.GET('/custom_field/lead/'));
  for (const field of fields.data) {
    const body = { name: 'Acme', [`custom.${field.id}`]: 'Website Form' } satisfies LeadCreate;
    await close.POST('/lead/', { body });
  }
  const cf = customFieldsByName(close);
  const created = await close.call('createLead', {
    body: { name: 'Acme', ...(await cf.values({ Source: 'Website Form' })) },
  });
  expectTypeOf(created[await cf.key('Source')]).toEqualTypeOf<CustomFieldValue | undefined>();
  // @ts-expect-error values are custom-field inputs, not objects
  await cf.values({ Source: { nested: true } });
}

export async function searchTypes(): Promise<void> {
  // a Smart View's s_query is a search body
  const views = unwrap(await close.GET('/saved_search/', { params: { query: { type: 'lead' } } }));
  for (const view of views.data) {
    if (!view.s_query) continue;
    const result = unwrap(
      await close.POST('/data/search/', {
        body: { ...view.s_query, _fields: { lead: ['id', 'html_url'] }, _limit: 10 },
      }),
    );
    // search results expose the fields asked for in _fields
    for (const row of result.data) {
      // results of a type that _fields does not name carry only their id
      if (row.__object_type === 'lead')
        expectTypeOf(row).toEqualTypeOf<{ __object_type: 'lead'; id: LeadId; html_url: string }>();
      else expectTypeOf(row).toEqualTypeOf<{ __object_type: 'contact'; id: ContactId }>();
    }
  }
  const mixed = await close.call('searchData', {
    body: { query: { type: 'match_all' }, _fields: { lead: ['display_name'], contact: ['name', 'lead_id'] } },
  });
  for (const row of mixed.data) {
    // @ts-expect-error lead_id was asked for contacts only: narrow first
    void row.lead_id;
    if (row.__object_type === 'contact') expectTypeOf(row.lead_id).toEqualTypeOf<LeadId | null>();
    else expectTypeOf(row.display_name).toEqualTypeOf<string>();
  }
  // without _fields a result is the documented item (id only by default)
  const plain = unwrap(await close.POST('/data/search/', { body: { query: { type: 'match_all' } } }));
  expectTypeOf(plain.data).toEqualTypeOf<SearchResultItem[]>();
  // @ts-expect-error _fields is not a query parameter of POST /lead/
  await close.POST('/lead/', { params: { query: { _fields: ['id'] } }, body: { name: 'Acme' } });
  // @ts-expect-error a search body's _fields is per object type, not a list
  await close.POST('/data/search/', { body: { query: { type: 'match_all' }, _fields: ['id'] } });
}

export async function openObjectTypes(): Promise<void> {
  // objects that the spec leaves open are Record<string, unknown>, not Record<string, never>
  const contact = unwrap(await close.GET('/contact/{contact_id}/', { params: { path: { contact_id: 'cont_1' } } }));
  for (const sub of contact.subscriptions ?? []) expectTypeOf(sub.sequence_id).toEqualTypeOf<unknown>();
}
