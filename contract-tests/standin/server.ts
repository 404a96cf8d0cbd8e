// A stateful, in-memory stand-in for the Close API, so the contract suite's *live* path (state read
// back after every write, cleanup, backoff) runs in CI without a Close account.
//
// - node:http on 127.0.0.1, base path /api/v1, HTTP Basic (API key as username) or Bearer auth.
// - Every operation of the spec (the handler map is typed by the generated OperationId union), with the state the workflows need: leads with embedded contacts,
//   opportunities and open tasks, custom fields, pipelines and statuses, activities, tasks, merges,
//   Smart Views run through a subset of Advanced Filtering, and an event log with cursors.
// - Close-shaped errors: 400 `{"errors": [], "field-errors": {...}}` (request bodies are checked
//   against the spec's request schemas, references against the store, and a repeated
//   `explode: false` query parameter such as `_fields` is rejected), 404 `{"error": "Empty query:
//   ... matching query does not exist."}`, 401 `{"error": ...}`.
// - `RateLimit: limit=..., remaining=..., reset=...` on every response and, every `rateLimitEvery`-th
//   request, a 429 with `Retry-After` (the request is not processed), so the client's backoff runs.
// It is a test double, not a Close simulator: behaviour the public facts do not pin down is kept simple.

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isOperationId, type OperationId } from '../../generated/operations.js';
import { type ContractSpec, pathParts } from '../support/spec.js';

type Obj = Record<string, unknown>;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function makeId(prefix: string, length = 22): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${out}`;
}

/** Classic Close timestamp: microseconds and `+00:00`. */
function stamp(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}
/** Newer services (pipelines, event log): naive UTC timestamp. */
function naive(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}
const today = (): string => new Date().toISOString().slice(0, 10);

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Obj,
  ) {
    super(`HTTP ${status}`);
  }
}
const fieldError = (field: string, message: string): HttpError =>
  new HttpError(400, { errors: [], 'field-errors': { [field]: message } });
const notFound = (model: string): HttpError =>
  new HttpError(404, { error: `Empty query: ${model} matching query does not exist.` });
const DOES_NOT_EXIST = 'Object does not exist.';

export interface StandinOptions {
  spec: ContractSpec;
  port?: number;
  /** Every n-th request gets a 429 (0 = never). Default 23. */
  rateLimitEvery?: number;
  /** Requests per window in the `RateLimit` header. Default 100 per second. */
  rateLimit?: number;
  log?: (line: string) => void;
}

export interface RunningStandin {
  /** Base URL including `/api/v1`, without a trailing slash. */
  url: string;
  port: number;
  requests: () => number;
  rateLimited: () => number;
  close(): Promise<void>;
}

interface Ctx {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  requestId: string;
}

export function createStore() {
  const orgId = makeId('orga');
  const me = { id: makeId('user'), first: 'Stand', last: 'In', email: 'standin@example.com' };
  const colleague = { id: makeId('user'), first: 'Col', last: 'League', email: 'colleague@example.com' };
  const users = [me, colleague];
  const created = stamp(new Date(Date.now() - 86_400_000));
  const leadStatuses = ['Potential', 'Bad Fit', 'Qualified', 'Customer'].map((label) => ({
    id: makeId('stat'),
    label,
  }));
  const pipelines = new Map<
    string,
    {
      id: string;
      name: string;
      statuses: string[];
      created_by: string | null;
      updated_by: string | null;
      date_created: string;
      date_updated: string;
    }
  >();
  const oppStatuses = new Map<
    string,
    { id: string; label: string; type: 'active' | 'won' | 'lost'; pipeline_id: string }
  >();
  const salesId = makeId('pipe');
  const salesStatuses = (
    [
      ['Active', 'active'],
      ['Won', 'won'],
      ['Lost', 'lost'],
    ] as const
  ).map(([label, type]) => ({ id: makeId('stat'), label, type, pipeline_id: salesId }));
  for (const s of salesStatuses) oppStatuses.set(s.id, s);
  pipelines.set(salesId, {
    id: salesId,
    name: 'Sales',
    statuses: salesStatuses.map((s) => s.id),
    created_by: null,
    updated_by: null,
    date_created: naive(new Date(Date.now() - 86_400_000)),
    date_updated: naive(new Date(Date.now() - 86_400_000)),
  });
  const sourceField = {
    id: makeId('cf'),
    name: 'Source',
    type: 'text',
    accepts_multiple_values: false,
    choices: [] as string[],
    date_created: created,
    date_updated: created,
    created_by: me.id,
    updated_by: me.id,
  };
  const customFields = new Map<string, typeof sourceField>([[sourceField.id, sourceField]]);
  const savedSearches = [
    {
      id: makeId('save'),
      name: 'Website leads',
      type: 'lead',
      query: null as string | null,
      s_query: {
        query: {
          type: 'and',
          queries: [
            { type: 'object_type', object_type: 'lead' },
            {
              type: 'field_condition',
              field: { type: 'custom_field', custom_field_id: sourceField.id },
              condition: { type: 'text', mode: 'phrase', value: 'Website' },
            },
          ],
        },
        results_limit: null,
        sort: [],
      },
      is_shared: true,
      user_id: me.id,
      date_created: created,
      date_updated: created,
    },
  ];
  return {
    orgId,
    orgName: 'Stand-in Org',
    me,
    users,
    leadStatuses,
    pipelines,
    oppStatuses,
    customFields,
    savedSearches,
    leads: new Map<string, Obj>(),
    contacts: new Map<string, Obj>(),
    opportunities: new Map<string, Obj>(),
    activities: new Map<string, Obj>(),
    tasks: new Map<string, Obj>(),
    events: [] as Array<Obj & { seq: number }>,
    eventSeq: 0,
  };
}

export function startStandin(options: StandinOptions): Promise<RunningStandin> {
  const { spec } = options;
  const store = createStore();
  const every = options.rateLimitEvery ?? 23;
  const limit = options.rateLimit ?? 100;
  let requestCount = 0;
  let limited = 0;
  let windowStart = Date.now();
  let windowCount = 0;

  const userName = (id: string | null | undefined): string | null => {
    const u = store.users.find((x) => x.id === id);
    return u ? `${u.first} ${u.last}` : null;
  };

  // ---------- events ----------
  function emit(
    ctx: Ctx,
    objectType: string,
    objectId: string,
    action: string,
    leadId: string | null,
    data: Obj | null,
    changed: string[] = [],
    previous: Obj | null = null,
    meta: Obj = {},
  ): void {
    const now = naive();
    store.events.push({
      seq: ++store.eventSeq,
      id: makeId('ev'),
      date_created: now,
      date_updated: now,
      organization_id: store.orgId,
      user_id: store.me.id,
      request_id: ctx.requestId,
      api_key_id: null,
      object_type: objectType,
      object_id: objectId,
      lead_id: leadId,
      action,
      changed_fields: changed,
      data,
      previous_data: previous,
      meta: { request_method: ctx.method, request_path: `/api/v1${ctx.path}`, ...meta },
    });
  }

  // ---------- views ----------
  function customOf(record: Obj): Obj {
    const out: Obj = {};
    for (const [k, v] of Object.entries(record))
      if (k.startsWith('custom.') && v !== null && v !== undefined) out[k] = v;
    return out;
  }
  function contactView(c: Obj): Obj {
    const { lead_id, ...rest } = c;
    return {
      ...rest,
      lead_id,
      organization_id: store.orgId,
      display_name: (c.name as string) || ((c.emails as Obj[])[0]?.email as string) || '',
    };
  }
  function statusOf(id: string) {
    return store.oppStatuses.get(id);
  }
  function opportunityView(o: Obj): Obj {
    const st = statusOf(o.status_id as string);
    const pipe = st ? store.pipelines.get(st.pipeline_id) : undefined;
    const lead = store.leads.get(o.lead_id as string);
    const contact = o.contact_id ? store.contacts.get(o.contact_id as string) : undefined;
    const value = o.value as number | null;
    const period = o.value_period as string;
    const annual = value === null ? null : period === 'monthly' ? value * 12 : value;
    const confidence = o.confidence as number;
    return {
      ...o,
      organization_id: store.orgId,
      lead_name: (lead?.name as string | undefined) ?? null,
      status_label: st?.label ?? '',
      status_display_name: st?.label ?? '',
      status_type: st?.type ?? 'active',
      pipeline_id: pipe?.id ?? null,
      pipeline_name: pipe?.name ?? null,
      value_currency: 'USD',
      value_formatted: value === null ? '' : `$${(value / 100).toFixed(0)}${period === 'one_time' ? '' : ` ${period}`}`,
      expected_value: value === null ? null : Math.round((value * confidence) / 100),
      annualized_value: annual,
      annualized_expected_value: annual === null ? null : Math.round((annual * confidence) / 100),
      contact_name: (contact?.name as string | undefined) ?? null,
      user_name: userName(o.user_id as string),
      created_by_name: userName(o.created_by as string),
      updated_by_name: userName(o.updated_by as string),
      integration_links: [],
      attachments: [],
    };
  }
  function taskView(t: Obj): Obj {
    const lead = store.leads.get(t.lead_id as string);
    return {
      ...t,
      organization_id: store.orgId,
      lead_name: (lead?.name as string | undefined) ?? '',
      assigned_to_name: userName(t.assigned_to as string) ?? '',
      created_by_name: userName(t.created_by as string) ?? '',
      updated_by_name: userName(t.updated_by as string),
      due_date: t.date,
      view: t.is_complete ? 'archive' : (t.date as string) > today() ? 'future' : 'inbox',
    };
  }
  function leadView(l: Obj): Obj {
    const id = l.id as string;
    const contacts = [...store.contacts.values()].filter((c) => c.lead_id === id);
    const legacy: Obj = {};
    for (const [k, v] of Object.entries(customOf(l))) {
      const field = store.customFields.get(k.slice('custom.'.length));
      if (field) legacy[field.name] = v;
    }
    const status = store.leadStatuses.find((s) => s.id === l.status_id);
    return {
      ...l,
      display_name: (l.name as string) || 'Untitled',
      status_label: status?.label ?? '',
      organization_id: store.orgId,
      html_url: `https://app.close.com/lead/${id}/`,
      contacts: contacts.map(contactView),
      contact_ids: contacts.map((c) => c.id),
      opportunities: [...store.opportunities.values()].filter((o) => o.lead_id === id).map(opportunityView),
      tasks: [...store.tasks.values()].filter((t) => t.lead_id === id && !t.is_complete).map(taskView),
      integration_links: [],
      custom: legacy,
      created_by_name: userName(l.created_by as string),
      updated_by_name: userName(l.updated_by as string),
    };
  }
  function activityView(a: Obj): Obj {
    return {
      ...a,
      organization_id: store.orgId,
      user_name: userName(a.user_id as string),
      created_by_name: userName(a.created_by as string),
      updated_by_name: userName(a.updated_by as string),
    };
  }
  function pipelineView(p: NonNullable<ReturnType<typeof store.pipelines.get>>): Obj {
    return {
      ...p,
      organization_id: store.orgId,
      statuses: p.statuses.map((sid) => {
        const s = store.oppStatuses.get(sid);
        return { id: sid, label: s?.label ?? '', type: s?.type ?? 'active' };
      }),
    };
  }
  function oppStatusView(s: NonNullable<ReturnType<typeof store.oppStatuses.get>>): Obj {
    return { ...s, organization_id: store.orgId };
  }
  function customFieldView(f: Obj): Obj {
    const { choices, ...rest } = f;
    return {
      ...rest,
      ...(f.type === 'choices' ? { choices } : {}),
      organization_id: store.orgId,
      is_shared: false,
      editable_with_roles: [],
    };
  }
  function userView(u: (typeof store.users)[number]): Obj {
    return {
      id: u.id,
      email: u.email,
      first_name: u.first,
      last_name: u.last,
      image: '',
      last_used_timezone: 'UTC',
      organizations: [store.orgId],
      email_verified_at: null,
      date_created: stamp(new Date(Date.now() - 86_400_000)),
      date_updated: stamp(new Date(Date.now() - 86_400_000)),
    };
  }
  function organizationView(): Obj {
    return {
      id: store.orgId,
      name: store.orgName,
      currency: 'USD',
      currency_symbol: '$',
      lead_statuses: store.leadStatuses.map((s) => ({ ...s, organization_id: store.orgId })),
      pipelines: [...store.pipelines.values()].map(pipelineView),
      memberships: store.users.map((u) => ({
        id: makeId('memb'),
        user_id: u.id,
        user_email: u.email,
        user_first_name: u.first,
        user_last_name: u.last,
        user_full_name: `${u.first} ${u.last}`,
        role_id: u.id === store.me.id ? 'admin' : 'user',
      })),
      inactive_memberships: [],
      created_by: store.me.id,
      updated_by: store.me.id,
      date_created: stamp(new Date(Date.now() - 86_400_000)),
      date_updated: stamp(new Date(Date.now() - 86_400_000)),
    };
  }

  // ---------- helpers ----------
  function pickFields(obj: Obj, fields: string | null): Obj {
    if (!fields) return obj;
    const wanted = fields
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    const out: Obj = {};
    for (const f of wanted) {
      if (f === 'custom') Object.assign(out, customOf(obj), { custom: obj.custom });
      else if (f in obj) out[f] = obj[f];
    }
    return out;
  }
  function page(ctx: Ctx, items: Obj[], extra: Obj = {}): Obj {
    const skip = Number(ctx.query.get('_skip') ?? 0);
    const lim = Number(ctx.query.get('_limit') ?? 100);
    if (!Number.isInteger(skip) || skip < 0) throw fieldError('_skip', 'Not a valid integer.');
    if (!Number.isInteger(lim) || lim < 1) throw fieldError('_limit', 'Not a valid integer.');
    const slice = items.slice(skip, skip + lim).map((i) => pickFields(i, ctx.query.get('_fields')));
    return { has_more: skip + lim < items.length, ...extra, data: slice };
  }
  function requireLead(id: unknown, field = 'lead'): Obj {
    const lead = typeof id === 'string' ? store.leads.get(id) : undefined;
    if (!lead) throw fieldError(field, DOES_NOT_EXIST);
    return lead;
  }
  function requireUser(id: unknown, field: string): string {
    if (typeof id !== 'string' || !store.users.some((u) => u.id === id)) throw fieldError(field, DOES_NOT_EXIST);
    return id;
  }
  function touch(o: Obj): void {
    o.date_updated = stamp();
    o.updated_by = store.me.id;
  }
  function ownership(): Obj {
    const now = stamp();
    return { created_by: store.me.id, updated_by: store.me.id, date_created: now, date_updated: now };
  }
  function applyCustom(target: Obj, body: Obj): string[] {
    const changed: string[] = [];
    for (const [k, v] of Object.entries(body)) {
      const m = /^custom\.((?:cf|lcf|ccf)_[A-Za-z0-9]+)(?:\.(add|remove))?$/.exec(k);
      if (!m) continue;
      const key = `custom.${m[1]}`;
      if (m[2] === 'add') target[key] = [...((target[key] as unknown[]) ?? []), v];
      else if (m[2] === 'remove') target[key] = ((target[key] as unknown[]) ?? []).filter((x) => x !== v);
      else if (v === null) delete target[key];
      else target[key] = v;
      changed.push(key);
    }
    return changed;
  }
  function newContact(leadId: string, c: Obj): Obj {
    const contact: Obj = {
      id: makeId('cont'),
      lead_id: leadId,
      name: (c.name as string | undefined) ?? null,
      title: (c.title as string | undefined) ?? null,
      emails: ((c.emails as Obj[] | undefined) ?? []).map((e) => ({
        email: e.email,
        type: e.type ?? 'office',
        is_unsubscribed: false,
      })),
      phones: ((c.phones as Obj[] | undefined) ?? []).map((p) => ({
        phone: p.phone,
        phone_formatted: p.phone,
        type: p.type ?? 'office',
        country: null,
      })),
      urls: ((c.urls as Obj[] | undefined) ?? []).map((u) => ({ url: u.url, type: u.type ?? 'url' })),
      integration_links: [],
      ...ownership(),
    };
    applyCustom(contact, c);
    store.contacts.set(contact.id as string, contact);
    return contact;
  }
  function defaultOppStatus(pipelineId?: string): string {
    const pipe = pipelineId ? store.pipelines.get(pipelineId) : store.pipelines.values().next().value;
    const first = pipe?.statuses[0];
    if (!first) throw fieldError('status', 'No status available.');
    return first;
  }
  function byLead(items: Iterable<Obj>, ctx: Ctx): Obj[] {
    const leadId = ctx.query.get('lead_id');
    return [...items].filter((x) => !leadId || x.lead_id === leadId);
  }
  const newestFirst = (a: Obj, b: Obj): number => String(b.date_created).localeCompare(String(a.date_created));

  // ---------- Advanced Filtering subset ----------
  function textOf(lead: Obj): string {
    const view = leadView(lead);
    const parts: string[] = [String(view.display_name), String(view.description ?? '')];
    for (const c of view.contacts as Obj[]) {
      parts.push(String(c.name ?? ''));
      for (const e of c.emails as Obj[]) parts.push(String(e.email));
    }
    for (const [k, v] of Object.entries(customOf(lead))) if (k) parts.push(String(v));
    return parts.join(' ').toLowerCase();
  }
  function matches(node: Obj, lead: Obj): boolean {
    const result = ((): boolean => {
      switch (node.type) {
        case 'and':
          return ((node.queries as Obj[]) ?? []).every((q) => matches(q, lead));
        case 'or':
          return ((node.queries as Obj[]) ?? []).some((q) => matches(q, lead));
        case 'match_all':
          return true;
        case 'object_type':
          return node.object_type === 'lead';
        case 'id':
          return lead.id === node.value;
        case 'text':
          return textOf(lead).includes(String(node.value ?? '').toLowerCase());
        case 'field_condition': {
          const field = node.field as Obj;
          const cond = node.condition as Obj;
          let value: unknown;
          if (field.type === 'custom_field') value = lead[`custom.${String(field.custom_field_id)}`];
          else if (field.type === 'regular_field')
            value = field.field_name === 'display_name' ? leadView(lead).display_name : lead[String(field.field_name)];
          else throw new HttpError(400, { error: `The stand-in does not support field type ${String(field.type)}.` });
          if (cond.type === 'text')
            return String(value ?? '')
              .toLowerCase()
              .includes(String(cond.value ?? '').toLowerCase());
          if (cond.type === 'term')
            return ((cond.values as unknown[]) ?? []).some((v) =>
              Array.isArray(value) ? value.includes(v) : value === v,
            );
          if (cond.type === 'exists') return value !== undefined && value !== null && value !== '';
          throw new HttpError(400, { error: `The stand-in does not support condition type ${String(cond.type)}.` });
        }
        default:
          throw new HttpError(400, { error: `The stand-in does not support query node type ${String(node.type)}.` });
      }
    })();
    return node.negate === true ? !result : result;
  }
  const cursors = new Map<string, { ids: string[]; offset: number; fields: string[]; counts: boolean }>();

  // ---------- handlers ----------
  // Keyed by the generated OperationId union: an operation added to the spec fails the type check until it
  // has a handler here, and a removed one until its handler goes.
  const handlers: { [K in OperationId]: (ctx: Ctx) => { status?: number; body: unknown } } = {
    getMe: () => {
      const u = userView(store.me);
      const { organizations: _ids, ...rest } = u;
      return {
        body: {
          ...rest,
          organizations: [organizationView()],
          memberships: [{ id: makeId('memb'), organization_id: store.orgId, role_id: 'admin' }],
          email_accounts: [],
          phone_numbers: [],
        },
      };
    },
    listUsers: (ctx) => ({ body: page(ctx, store.users.map(userView)) }),
    getOrganization: (ctx) => {
      if (ctx.params.organization_id !== store.orgId) throw notFound('Organization');
      return { body: pickFields(organizationView(), ctx.query.get('_fields')) };
    },
    listLeadStatuses: (ctx) => ({
      body: page(
        ctx,
        store.leadStatuses.map((s) => ({ ...s, organization_id: store.orgId })),
      ),
    }),
    listOpportunityStatuses: (ctx) => ({ body: page(ctx, [...store.oppStatuses.values()].map(oppStatusView)) }),
    createOpportunityStatus: (ctx) => {
      const b = ctx.body as Obj;
      const pipeId = (b.pipeline_id as string | undefined) ?? store.pipelines.keys().next().value;
      const pipe = pipeId ? store.pipelines.get(pipeId) : undefined;
      if (!pipe) throw fieldError('pipeline', DOES_NOT_EXIST);
      const s = {
        id: makeId('stat'),
        label: String(b.label),
        type: b.type as 'active' | 'won' | 'lost',
        pipeline_id: pipe.id,
      };
      store.oppStatuses.set(s.id, s);
      pipe.statuses.push(s.id);
      return { body: oppStatusView(s) };
    },
    listPipelines: (ctx) => ({ body: page(ctx, [...store.pipelines.values()].map(pipelineView)) }),
    createPipeline: (ctx) => {
      const b = ctx.body as Obj;
      const now = naive();
      const p = {
        id: makeId('pipe'),
        name: String(b.name),
        statuses: [] as string[],
        created_by: store.me.id,
        updated_by: store.me.id,
        date_created: now,
        date_updated: now,
      };
      for (const ref of (b.statuses as Obj[] | undefined) ?? []) moveStatus(String(ref.id), p);
      store.pipelines.set(p.id, p);
      return { status: 201, body: pipelineView(p) };
    },
    updatePipeline: (ctx) => {
      const p = store.pipelines.get(ctx.params.pipeline_id as string);
      if (!p) throw notFound('Pipeline');
      const b = ctx.body as Obj;
      if (typeof b.name === 'string') p.name = b.name;
      if (Array.isArray(b.statuses)) {
        const order: string[] = [];
        for (const ref of b.statuses as Obj[]) {
          moveStatus(String(ref.id), p);
          order.push(String(ref.id));
        }
        p.statuses = [...order, ...p.statuses.filter((s) => !order.includes(s))];
      }
      p.updated_by = store.me.id;
      p.date_updated = naive();
      return { body: pipelineView(p) };
    },
    listLeadCustomFields: (ctx) => ({ body: page(ctx, [...store.customFields.values()].map(customFieldView)) }),
    createLeadCustomField: (ctx) => {
      const b = ctx.body as Obj;
      const f = {
        id: makeId('cf'),
        name: String(b.name),
        type: String(b.type),
        accepts_multiple_values: b.accepts_multiple_values === true,
        choices: (b.choices as string[] | undefined) ?? [],
        ...(ownership() as { created_by: string; updated_by: string; date_created: string; date_updated: string }),
      };
      if ([...store.customFields.values()].some((x) => x.name === f.name))
        throw fieldError('name', 'A custom field with this name already exists.');
      store.customFields.set(f.id, f);
      return { body: customFieldView(f) };
    },
    listSmartViews: (ctx) => {
      const type = ctx.query.get('type') ?? 'lead';
      const rows = store.savedSearches
        .filter((s) => s.type === type)
        .map((s) => ({ ...s, organization_id: store.orgId, is_user_dependent: false, shared_with: null }));
      return { body: page(ctx, rows) };
    },
    searchData: (ctx) => {
      const b = ctx.body as Obj;
      const size = (b._limit as number | undefined) ?? 100;
      let state: { ids: string[]; offset: number; fields: string[]; counts: boolean };
      if (typeof b.cursor === 'string') {
        const found = cursors.get(b.cursor);
        if (!found) throw fieldError('cursor', 'Invalid or expired cursor.');
        state = found;
        cursors.delete(b.cursor);
      } else {
        const query = b.query as Obj;
        let ids = [...store.leads.values()]
          .filter((l) => matches(query, l))
          .sort(newestFirst)
          .map((l) => l.id as string);
        if (typeof b.results_limit === 'number') ids = ids.slice(0, b.results_limit);
        const fields = ((b._fields as Obj | undefined)?.lead as string[] | undefined) ?? ['id'];
        state = { ids, offset: 0, fields, counts: b.include_counts === true };
      }
      const slice = state.ids.slice(state.offset, state.offset + size);
      const data = slice.map((id) => ({
        __object_type: 'lead',
        ...pickFields(leadView(store.leads.get(id) as Obj), state.fields.join(',')),
        id,
      }));
      let cursor: string | null = null;
      if (state.offset + size < state.ids.length) {
        cursor = randomBytes(12).toString('base64url');
        cursors.set(cursor, { ...state, offset: state.offset + size });
      }
      return {
        body: {
          data,
          cursor,
          ...(state.counts ? { count: { limited: state.ids.length, total: state.ids.length } } : {}),
        },
      };
    },

    listLeads: (ctx) => {
      let leads = [...store.leads.values()].sort(newestFirst);
      const q = ctx.query.get('query');
      if (q) {
        const needles = [...q.matchAll(/"([^"]+)"|(\S+)/g)]
          .map((m) => (m[1] ?? m[2] ?? '').toLowerCase())
          .filter((n) => n && !['and', 'sort:date_created'].includes(n));
        leads = leads.filter((l) => needles.every((n) => textOf(l).includes(n)));
      }
      return { body: page(ctx, leads.map(leadView), q ? { total_results: leads.length } : {}) };
    },
    createLead: (ctx) => {
      const b = ctx.body as Obj;
      let statusId = b.status_id as string | undefined;
      if (statusId && !store.leadStatuses.some((s) => s.id === statusId)) throw fieldError('status', DOES_NOT_EXIST);
      if (!statusId && typeof b.status === 'string') {
        const byLabel = store.leadStatuses.find((s) => s.label === b.status);
        if (!byLabel) throw fieldError('status', 'Not a valid choice.');
        statusId = byLabel.id;
      }
      const lead: Obj = {
        id: makeId('lead'),
        name: (b.name as string | undefined) ?? null,
        description: (b.description as string | undefined) ?? '',
        url: (b.url as string | undefined) ?? null,
        status_id: statusId ?? store.leadStatuses[0]?.id,
        addresses: ((b.addresses as Obj[] | undefined) ?? []).map((a) => ({
          label: a.label ?? 'business',
          address_1: a.address_1 ?? null,
          address_2: a.address_2 ?? null,
          city: a.city ?? null,
          state: a.state ?? null,
          zipcode: a.zipcode ?? null,
          country: a.country ?? null,
        })),
        ...ownership(),
      };
      for (const k of Object.keys(b))
        if (k.startsWith('custom.') && !store.customFields.has(k.slice(7)))
          throw fieldError(k, 'Unknown custom field.');
      applyCustom(lead, b);
      store.leads.set(lead.id as string, lead);
      emit(ctx, 'lead', lead.id as string, 'created', lead.id as string, leadView(lead));
      for (const c of (b.contacts as Obj[] | undefined) ?? []) {
        const contact = newContact(lead.id as string, c);
        emit(ctx, 'contact', contact.id as string, 'created', lead.id as string, contactView(contact));
      }
      return { body: leadView(lead) };
    },
    getLead: (ctx) => {
      const lead = store.leads.get(ctx.params.lead_id as string);
      if (!lead) throw notFound('Lead');
      return { body: pickFields(leadView(lead), ctx.query.get('_fields')) };
    },
    updateLead: (ctx) => {
      const lead = store.leads.get(ctx.params.lead_id as string);
      if (!lead) throw notFound('Lead');
      const b = ctx.body as Obj;
      const previous: Obj = {};
      const changed: string[] = [];
      for (const k of ['name', 'description', 'url', 'status_id'] as const) {
        if (k in b) {
          if (k === 'status_id' && !store.leadStatuses.some((s) => s.id === b[k]))
            throw fieldError('status', DOES_NOT_EXIST);
          previous[k] = lead[k];
          lead[k] = b[k];
          changed.push(k);
        }
      }
      changed.push(...applyCustom(lead, b));
      touch(lead);
      emit(ctx, 'lead', lead.id as string, 'updated', lead.id as string, leadView(lead), changed, previous);
      return { body: leadView(lead) };
    },
    deleteLead: (ctx) => {
      const id = ctx.params.lead_id as string;
      const lead = store.leads.get(id);
      if (!lead) throw notFound('Lead');
      deleteLeadCascade(ctx, id);
      emit(ctx, 'lead', id, 'deleted', id, null, [], leadView(lead));
      store.leads.delete(id);
      return { body: {} };
    },
    mergeLeads: (ctx) => {
      const b = ctx.body as Obj;
      const source = store.leads.get(String(b.source));
      const dest = store.leads.get(String(b.destination));
      if (!source) throw new HttpError(404, { errors: ['Source lead does not exist.'] });
      if (!dest) throw new HttpError(404, { errors: ['Destination lead does not exist.'] });
      if (source === dest) throw new HttpError(400, { errors: ['Source and destination leads must be different.'] });
      const destId = dest.id as string;
      for (const coll of [store.contacts, store.opportunities, store.activities, store.tasks]) {
        for (const x of coll.values()) if (x.lead_id === source.id) x.lead_id = destId;
      }
      for (const [k, v] of Object.entries(customOf(source))) if (!(k in dest)) dest[k] = v;
      touch(dest);
      store.leads.delete(source.id as string);
      const meta = { merge_source_lead_id: source.id, merge_destination_lead_id: destId };
      emit(ctx, 'lead', source.id as string, 'deleted', source.id as string, null, [], leadView({ ...source }), meta);
      emit(ctx, 'lead', destId, 'merged', destId, leadView(dest), [], null, meta);
      return { body: { status: 'ok' } };
    },

    listContacts: (ctx) => ({
      body: page(ctx, byLead(store.contacts.values(), ctx).sort(newestFirst).map(contactView)),
    }),
    createContact: (ctx) => {
      const b = ctx.body as Obj;
      let leadId = b.lead_id as string | undefined | null;
      if (leadId) requireLead(leadId);
      else {
        const lead: Obj = {
          id: makeId('lead'),
          name: (b.name as string | undefined) ?? null,
          description: '',
          url: null,
          status_id: store.leadStatuses[0]?.id,
          addresses: [],
          ...ownership(),
        };
        store.leads.set(lead.id as string, lead);
        leadId = lead.id as string;
        emit(ctx, 'lead', leadId, 'created', leadId, leadView(lead));
      }
      const contact = newContact(leadId, b);
      emit(ctx, 'contact', contact.id as string, 'created', leadId, contactView(contact));
      return { body: contactView(contact) };
    },
    getContact: (ctx) => {
      const c = store.contacts.get(ctx.params.contact_id as string);
      if (!c) throw notFound('Contact');
      return { body: pickFields(contactView(c), ctx.query.get('_fields')) };
    },
    updateContact: (ctx) => {
      const c = store.contacts.get(ctx.params.contact_id as string);
      if (!c) throw notFound('Contact');
      const b = ctx.body as Obj;
      const changed: string[] = [];
      for (const k of ['name', 'title'] as const) {
        if (!(k in b)) continue;
        c[k] = b[k];
        changed.push(k);
      }
      if (Array.isArray(b.emails)) {
        c.emails = (b.emails as Obj[]).map((e) => ({
          email: e.email,
          type: e.type ?? 'office',
          is_unsubscribed: false,
        }));
        changed.push('emails');
      }
      if (Array.isArray(b.phones)) {
        c.phones = (b.phones as Obj[]).map((p) => ({
          phone: p.phone,
          phone_formatted: p.phone,
          type: p.type ?? 'office',
          country: null,
        }));
        changed.push('phones');
      }
      if (Array.isArray(b.urls)) {
        c.urls = (b.urls as Obj[]).map((u) => ({ url: u.url, type: u.type ?? 'url' }));
        changed.push('urls');
      }
      changed.push(...applyCustom(c, b));
      touch(c);
      emit(ctx, 'contact', c.id as string, 'updated', c.lead_id as string, contactView(c), changed);
      return { body: contactView(c) };
    },

    listOpportunities: (ctx) => {
      let opps = byLead(store.opportunities.values(), ctx).map(opportunityView);
      const st = ctx.query.get('status_type');
      if (st) opps = opps.filter((o) => o.status_type === st);
      opps.sort(newestFirst);
      const sum = (f: (o: Obj) => number | null) => opps.reduce((n, o) => n + (f(o) ?? 0), 0);
      const period = (p: string) => (o: Obj) => (o.value_period === p ? (o.value as number | null) : 0);
      return {
        body: page(ctx, opps, {
          total_results: opps.length,
          count_by_value_period: {
            one_time: opps.filter((o) => o.value_period === 'one_time').length,
            monthly: opps.filter((o) => o.value_period === 'monthly').length,
            annual: opps.filter((o) => o.value_period === 'annual').length,
          },
          total_value_one_time: sum(period('one_time')),
          total_value_monthly: sum(period('monthly')),
          total_value_annual: sum(period('annual')),
          total_value_annualized: sum((o) => o.annualized_value as number | null),
          expected_value_one_time: 0,
          expected_value_monthly: 0,
          expected_value_annual: 0,
          expected_value_annualized: sum((o) => o.annualized_expected_value as number | null),
        }),
      };
    },
    createOpportunity: (ctx) => {
      const b = ctx.body as Obj;
      const lead = requireLead(b.lead_id);
      if (b.pipeline_id && !store.pipelines.has(String(b.pipeline_id))) throw fieldError('pipeline', DOES_NOT_EXIST);
      const statusId = (b.status_id as string | undefined) ?? defaultOppStatus(b.pipeline_id as string | undefined);
      const st = statusOf(statusId);
      if (!st) throw fieldError('status', DOES_NOT_EXIST);
      if (b.pipeline_id && st.pipeline_id !== b.pipeline_id)
        throw fieldError('status', 'Status does not belong to the pipeline.');
      if (b.contact_id && store.contacts.get(String(b.contact_id))?.lead_id !== lead.id)
        throw fieldError('contact', DOES_NOT_EXIST);
      const o: Obj = {
        id: makeId('oppo'),
        lead_id: lead.id,
        status_id: statusId,
        value: (b.value as number | null | undefined) ?? null,
        value_period: (b.value_period as string | undefined) ?? 'one_time',
        confidence: (b.confidence as number | null | undefined) ?? 0,
        note: (b.note as string | undefined) ?? '',
        contact_id: (b.contact_id as string | undefined) ?? null,
        user_id: b.user_id ? requireUser(b.user_id, 'user') : store.me.id,
        date_won: (b.date_won as string | undefined)?.slice(0, 10) ?? (st.type === 'won' ? today() : null),
        date_lost: st.type === 'lost' ? today() : null,
        ...ownership(),
      };
      applyCustom(o, b);
      store.opportunities.set(o.id as string, o);
      emit(ctx, 'opportunity', o.id as string, 'created', lead.id as string, opportunityView(o));
      return { body: opportunityView(o) };
    },
    getOpportunity: (ctx) => {
      const o = store.opportunities.get(ctx.params.opportunity_id as string);
      if (!o) throw notFound('Opportunity');
      return { body: pickFields(opportunityView(o), ctx.query.get('_fields')) };
    },
    updateOpportunity: (ctx) => {
      const o = store.opportunities.get(ctx.params.opportunity_id as string);
      if (!o) throw notFound('Opportunity');
      const b = ctx.body as Obj;
      const previous: Obj = {};
      const changed: string[] = [];
      if ('status_id' in b) {
        const st = statusOf(String(b.status_id));
        if (!st) throw fieldError('status', DOES_NOT_EXIST);
        previous.status_id = o.status_id;
        o.status_id = st.id;
        changed.push('status_id');
        if (st.type === 'won' && !o.date_won && !('date_won' in b)) o.date_won = today();
        if (st.type === 'lost') o.date_lost = today();
      }
      for (const k of ['value', 'value_period', 'confidence', 'note', 'date_won', 'contact_id'] as const) {
        if (k in b) {
          previous[k] = o[k];
          o[k] = k === 'date_won' && typeof b[k] === 'string' ? (b[k] as string).slice(0, 10) : b[k];
          changed.push(k);
        }
      }
      if ('user_id' in b) {
        o.user_id = requireUser(b.user_id, 'user');
        changed.push('user_id');
      }
      changed.push(...applyCustom(o, b));
      touch(o);
      emit(ctx, 'opportunity', o.id as string, 'updated', o.lead_id as string, opportunityView(o), changed, previous);
      return { body: opportunityView(o) };
    },

    listActivities: (ctx) => {
      let acts = byLead(store.activities.values(), ctx);
      const type = ctx.query.get('_type') ?? ctx.query.get('_type__in');
      if (type) acts = acts.filter((a) => type.split(',').includes(String(a._type)));
      return { body: page(ctx, acts.sort(newestFirst).map(activityView)) };
    },
    createNoteActivity: (ctx) =>
      createActivity(ctx, 'Note', (b) => ({
        note: b.note ?? '',
        note_html: b.note_html ?? `<body><p>${escapeHtml(String(b.note ?? ''))}</p></body>`,
        ...(typeof b.title === 'string' ? { title: b.title } : {}),
      })),
    createCallActivity: (ctx) =>
      createActivity(ctx, 'Call', (b) => ({
        direction: b.direction ?? 'outbound',
        status: b.status ?? 'completed',
        duration: b.duration ?? 0,
        phone: b.phone ?? null,
        note: b.note ?? '',
        recording_url: b.recording_url ?? null,
        source: b.source ?? 'External',
        call_method: 'external',
        disposition: b.status === 'completed' || !b.status ? 'answered' : null,
      })),
    createEmailActivity: (ctx) =>
      createActivity(ctx, 'Email', (b) => ({
        status: b.status,
        direction: b.status === 'inbox' ? 'incoming' : 'outgoing',
        subject: b.subject ?? '',
        sender: b.sender ?? `"Stand In" <${store.me.email}>`,
        to: b.to ?? [],
        cc: b.cc ?? [],
        bcc: b.bcc ?? [],
        body_text: b.body_text ?? '',
        body_html: b.body_html ?? '',
        body_preview: String(b.body_text ?? '').slice(0, 100),
        attachments: [],
        opens: [],
        template_id: b.template_id ?? null,
        date_scheduled: b.date_scheduled ?? null,
        date_sent: b.status === 'sent' ? stamp() : null,
      })),
    createSmsActivity: (ctx) =>
      createActivity(ctx, 'SMS', (b) => ({
        status: b.status,
        direction: b.direction ?? (b.status === 'inbox' ? 'inbound' : 'outbound'),
        text: b.text ?? '',
        local_phone: b.local_phone ?? null,
        remote_phone: b.remote_phone ?? null,
        attachments: [],
        template_id: b.template_id ?? null,
        date_scheduled: b.date_scheduled ?? null,
        date_sent: b.status === 'sent' ? stamp() : null,
        source: b.source ?? 'External',
      })),

    listTasks: (ctx) => {
      let tasks = byLead(store.tasks.values(), ctx);
      const complete = ctx.query.get('is_complete');
      if (complete !== null) tasks = tasks.filter((t) => String(t.is_complete) === complete);
      const assigned = ctx.query.get('assigned_to');
      if (assigned) tasks = tasks.filter((t) => t.assigned_to === assigned);
      const type = ctx.query.get('_type') ?? 'lead';
      if (type !== 'all') tasks = tasks.filter((t) => t._type === type);
      let views = tasks.sort(newestFirst).map(taskView);
      const view = ctx.query.get('view');
      if (view) views = views.filter((t) => t.view === view);
      return { body: page(ctx, views) };
    },
    createTask: (ctx) => {
      const b = ctx.body as Obj;
      const lead = requireLead(b.lead_id);
      const t: Obj = {
        id: makeId('task'),
        _type: (b._type as string | undefined) ?? 'lead',
        lead_id: lead.id,
        contact_id: (b.contact_id as string | undefined) ?? null,
        assigned_to: b.assigned_to ? requireUser(b.assigned_to, 'assigned_to') : store.me.id,
        text: (b.text as string | undefined) ?? '',
        date: (b.date as string | undefined) ?? today(),
        is_dateless: !b.date,
        is_complete: b.is_complete === true,
        object_type: null,
        object_id: null,
        ...ownership(),
      };
      store.tasks.set(t.id as string, t);
      emit(ctx, 'task.lead', t.id as string, 'created', lead.id as string, taskView(t));
      return { body: taskView(t) };
    },
    updateTask: (ctx) => {
      const t = store.tasks.get(ctx.params.task_id as string);
      if (!t) throw notFound('Task');
      const b = ctx.body as Obj;
      const changed: string[] = [];
      if ('assigned_to' in b) {
        t.assigned_to = requireUser(b.assigned_to, 'assigned_to');
        changed.push('assigned_to');
      }
      if ('text' in b) {
        t.text = b.text;
        changed.push('text');
      }
      if ('date' in b) {
        t.date = b.date;
        t.is_dateless = false;
        changed.push('date');
      }
      if ('is_complete' in b) {
        const wasComplete = t.is_complete === true;
        t.is_complete = b.is_complete === true;
        changed.push('is_complete');
        if (t.is_complete && !wasComplete) {
          const act = addActivity(ctx, 'TaskCompleted', t.lead_id as string, {
            task_id: t.id,
            task_text: t.text,
            task_assigned_to: t.assigned_to,
            task_assigned_to_name: userName(t.assigned_to as string),
          });
          t.object_type = 'taskcompleted';
          t.object_id = act.id;
        }
      }
      touch(t);
      emit(
        ctx,
        'task.lead',
        t.id as string,
        t.is_complete && changed.includes('is_complete') ? 'completed' : 'updated',
        t.lead_id as string,
        taskView(t),
        changed,
      );
      return { body: taskView(t) };
    },

    listEvents: (ctx) => {
      const lim = Number(ctx.query.get('_limit') ?? 50);
      if (!Number.isInteger(lim) || lim < 1 || lim > 50)
        throw fieldError('_limit', 'Ensure this value is less than or equal to 50.');
      let events = [...store.events].sort((a, b) => b.seq - a.seq);
      for (const f of ['lead_id', 'object_type', 'object_id', 'action', 'request_id'] as const) {
        const v = ctx.query.get(f);
        if (v) events = events.filter((e) => e[f] === v);
      }
      const cursor = ctx.query.get('_cursor');
      if (cursor) {
        const before = Number(
          Buffer.from(cursor, 'base64url')
            .toString('utf8')
            .replace(/^before:/, ''),
        );
        if (!Number.isInteger(before)) throw fieldError('_cursor', 'Invalid cursor.');
        events = events.filter((e) => e.seq < before);
      }
      const slice = events.slice(0, lim);
      const last = slice[slice.length - 1];
      const first = slice[0];
      return {
        body: {
          data: slice.map(({ seq: _seq, ...e }) => e),
          cursor_next: events.length > lim && last ? Buffer.from(`before:${last.seq}`).toString('base64url') : null,
          cursor_previous: cursor && first ? Buffer.from(`before:${first.seq + 1 + lim}`).toString('base64url') : null,
        },
      };
    },
  };

  function escapeHtml(s: string): string {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br />');
  }
  function moveStatus(statusId: string, into: { id: string; statuses: string[] }): void {
    const s = store.oppStatuses.get(statusId);
    if (!s) throw fieldError('statuses', DOES_NOT_EXIST);
    const from = store.pipelines.get(s.pipeline_id);
    if (from && from.id !== into.id) from.statuses = from.statuses.filter((x) => x !== statusId);
    s.pipeline_id = into.id;
    if (!into.statuses.includes(statusId)) into.statuses.push(statusId);
  }
  function addActivity(ctx: Ctx, type: string, leadId: string, fields: Obj, activityAt?: string): Obj {
    const now = stamp();
    const a: Obj = {
      id: makeId('acti'),
      _type: type,
      lead_id: leadId,
      contact_id: null,
      user_id: store.me.id,
      users: [store.me.id],
      activity_at: activityAt ?? now,
      ...ownership(),
      ...fields,
    };
    store.activities.set(a.id as string, a);
    emit(
      ctx,
      `activity.${type.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`,
      a.id as string,
      'created',
      leadId,
      activityView(a),
    );
    return a;
  }
  function createActivity(ctx: Ctx, type: string, fields: (b: Obj) => Obj): { body: unknown } {
    const b = ctx.body as Obj;
    const lead = requireLead(b.lead_id);
    if (b.contact_id && store.contacts.get(String(b.contact_id))?.lead_id !== lead.id)
      throw fieldError('contact', DOES_NOT_EXIST);
    const a = addActivity(
      ctx,
      type,
      lead.id as string,
      { contact_id: (b.contact_id as string | undefined) ?? null, ...fields(b) },
      b.activity_at as string | undefined,
    );
    return { body: activityView(a) };
  }
  function deleteLeadCascade(ctx: Ctx, leadId: string): void {
    for (const [name, coll] of [
      ['contact', store.contacts],
      ['opportunity', store.opportunities],
      ['activity', store.activities],
      ['task.lead', store.tasks],
    ] as const) {
      for (const [id, x] of coll) {
        if (x.lead_id !== leadId) continue;
        coll.delete(id);
        emit(
          ctx,
          name === 'activity' ? `activity.${String(x._type).toLowerCase()}` : name,
          id,
          'deleted',
          leadId,
          null,
        );
      }
    }
  }

  /** Request body problems as Close's field errors (`contacts.0.emails`, or the missing key). */
  function requestErrors(operationId: string, body: unknown): HttpError | null {
    const r = spec.validateRequestBody(operationId, body);
    if (r.valid) return null;
    const fieldErrors: Record<string, string> = {};
    const errors: string[] = [];
    for (const e of r.errors) {
      const parts = pathParts(e.path);
      const missing = /required property '([^']+)'/.exec(e.message)?.[1];
      const extra = /'([^']+)'$/.exec(e.message)?.[1];
      if (missing) parts.push(missing);
      else if (extra && e.keyword === 'additionalProperties') parts.push(extra);
      const field = parts.join('.');
      const message = missing
        ? 'This field is required.'
        : e.keyword === 'additionalProperties'
          ? 'Unknown field.'
          : e.keyword === 'enum'
            ? 'Not a valid choice.'
            : `Invalid value: ${e.message}.`;
      if (field) fieldErrors[field] ??= message;
      else errors.push(message);
    }
    return new HttpError(400, { errors, 'field-errors': fieldErrors });
  }

  /**
   * The deletions contract-tests/cleanup.ts sends beyond the spec's operations (opportunity statuses,
   * pipelines, lead custom fields), so that the live path's cleanup really deletes them here: without
   * them a 404 would count as "already gone" and the cleanup of those kinds would never be exercised.
   */
  function cleanupDelete(path: string): { status: number; body: Obj } | undefined {
    const m = /^\/(status\/opportunity|pipeline|custom_field\/lead)\/([^/]+)\/$/.exec(path);
    if (!m) return undefined;
    const id = decodeURIComponent(m[2] as string);
    if (m[1] === 'status/opportunity') {
      const st = store.oppStatuses.get(id);
      if (!st) throw notFound('Status');
      // Close: make sure no opportunity has the status first.
      if ([...store.opportunities.values()].some((o) => o.status_id === id))
        throw new HttpError(400, { error: 'Opportunities still have this status.' });
      store.oppStatuses.delete(id);
      for (const p of store.pipelines.values()) p.statuses = p.statuses.filter((x) => x !== id);
    } else if (m[1] === 'pipeline') {
      const pipe = store.pipelines.get(id);
      if (!pipe) throw notFound('Pipeline');
      // Close only deletes a pipeline without opportunity statuses (developer.close.com, Delete a Pipeline).
      if (pipe.statuses.length) throw new HttpError(400, { error: 'The pipeline still has opportunity statuses.' });
      store.pipelines.delete(id);
    } else if (!store.customFields.delete(id)) throw notFound('CustomField');
    return { status: 200, body: {} };
  }

  function authorised(req: http.IncomingMessage): boolean {
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Bearer ')) return auth.length > 'Bearer '.length;
    if (!auth.startsWith('Basic ')) return false;
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0;
  }

  function rateHeaders(): Record<string, string> {
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      windowCount = 0;
    }
    windowCount++;
    const reset = Math.max(0, (windowStart + 1000 - now) / 1000).toFixed(3);
    return { RateLimit: `limit=${limit}, remaining=${Math.max(0, limit - windowCount)}, reset=${reset}` };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
        const text = body === undefined ? '' : JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', ...rateHeaders(), ...extra });
        res.end(text);
        options.log?.(`${req.method} ${req.url} -> ${status}`);
      };
      try {
        requestCount++;
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (!url.pathname.startsWith('/api/v1/')) return send(404, { error: 'Not found.' });
        const path = url.pathname.slice('/api/v1'.length);
        const method = (req.method ?? 'GET').toUpperCase();
        if (!authorised(req)) {
          return send(401, {
            error:
              "The server could not verify that you are authorized to access the URL requested. You either supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required.",
          });
        }
        if (every > 0 && requestCount % every === 0) {
          limited++;
          return send(
            429,
            {
              error: {
                message: 'API call count exceeded for this period',
                rate_reset: 0.5,
                rate_limit: limit,
                rate_window: 1,
                rate_limit_type: 'key',
                rate_endpoint_group: 'standin',
              },
            },
            { RateLimit: `limit=${limit}, remaining=0, reset=1`, 'Retry-After': '1' },
          );
        }
        if (method === 'DELETE') {
          const removed = cleanupDelete(path);
          if (removed) return send(removed.status, removed.body);
        }
        const op = spec.findOperation(method, path);
        if (!op) return send(404, { error: 'Not found.' });
        if (!isOperationId(op.operationId)) return send(404, { error: 'Not found.' });
        const handler = handlers[op.operationId];
        // Array parameters are `style: form, explode: false` in the spec (`_fields=id,name`). Close's
        // handling of a repeated parameter is not documented (a typical server silently keeps one
        // value); the stand-in rejects it so that a client serialising arrays wrongly fails loudly.
        for (const p of spec.queryParameters(op.operationId)) {
          if (p.explode === false && url.searchParams.getAll(p.name).length > 1) {
            return send(400, {
              errors: [],
              'field-errors': { [p.name]: 'Expected one comma-separated list; the parameter was repeated.' },
            });
          }
        }
        const params: Record<string, string> = {};
        const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
        const re = new RegExp(
          `^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '([^/]+)')}$`,
        );
        const m = re.exec(path);
        names.forEach((n, i) => {
          params[n] = decodeURIComponent(m?.[i + 1] ?? '');
        });
        let body: unknown;
        const raw = Buffer.concat(chunks).toString('utf8');
        if (spec.operation(op.operationId).hasBody) {
          try {
            body = raw ? JSON.parse(raw) : undefined;
          } catch {
            return send(400, { error: 'Invalid JSON body.' });
          }
          const invalid = requestErrors(op.operationId, body);
          if (invalid) return send(invalid.status, invalid.body);
        }
        const out = handler({ method, path, params, query: url.searchParams, body, requestId: makeId('req') });
        return send(out.status ?? 200, out.body);
      } catch (err) {
        if (err instanceof HttpError) return send(err.status, err.body);
        options.log?.(`stand-in error: ${(err as Error).stack ?? String(err)}`);
        return send(500, { error: 'Internal stand-in error.' });
      }
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}/api/v1`,
        port,
        requests: () => requestCount,
        rateLimited: () => limited,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
