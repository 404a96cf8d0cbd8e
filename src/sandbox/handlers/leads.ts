// Leads: list (with the `query` search string), create with embedded contacts, get, update, delete
// (with everything on the lead) and merge.
import { BAD_CHOICE, DOES_NOT_EXIST, fieldError, HttpError, notFound } from '../errors.js';
import { leadMatchesQuery, parseLeadQuery } from '../query.js';
import type { AddressRecord, ContactRecord, LeadRecord, Obj, Store } from '../store.js';
import { contactView, leadJson, leadView } from '../views.js';
import { activityObjectType, addActivity } from './activities.js';
import { applyCustom, bodyOf, createdStamps, customUpdate, pageJson, pickFields } from './common.js';
import { type Ctx, type Handler, type HandlerMap, JsonBody } from './context.js';

export function addressesFrom(list: unknown): AddressRecord[] {
  if (!Array.isArray(list)) return [];
  return list.map((raw) => {
    const a = (raw ?? {}) as Obj;
    const s = (k: string): string | null => (typeof a[k] === 'string' ? (a[k] as string) : null);
    return {
      label: s('label') ?? 'business',
      address_1: s('address_1'),
      address_2: s('address_2'),
      city: s('city'),
      state: s('state'),
      zipcode: s('zipcode'),
      country: s('country'),
    };
  });
}

/** A contact built from a create body (lead create's `contacts[]`, or `POST /contact/`). */
export function newContact(store: Store, leadId: string, c: Obj): ContactRecord {
  const list = (k: string): Obj[] => (Array.isArray(c[k]) ? (c[k] as Obj[]) : []);
  const contact: ContactRecord = {
    id: store.id('cont'),
    lead_id: leadId,
    name: typeof c.name === 'string' ? c.name : null,
    title: typeof c.title === 'string' ? c.title : null,
    emails: list('emails').map((e) => ({
      email: String(e.email),
      type: typeof e.type === 'string' ? e.type : 'office',
      is_unsubscribed: e.is_unsubscribed === true,
    })),
    phones: list('phones').map((p) => ({
      phone: String(p.phone),
      type: typeof p.type === 'string' ? p.type : 'office',
      country: typeof p.country === 'string' ? p.country : null,
    })),
    urls: list('urls').map((u) => ({ url: String(u.url), type: typeof u.type === 'string' ? u.type : 'url' })),
    timezone: typeof c.timezone === 'string' ? c.timezone : null,
    ...createdStamps(store, c.date_created),
    custom: {},
  };
  applyCustom(store, contact.custom, c, false);
  return contact;
}

/** The lead status a body asks for (`status_id`, or the deprecated `status` label); undefined when none. */
function statusFrom(store: Store, b: Obj): string | undefined {
  if (typeof b.status_id === 'string') {
    if (!store.state.leadStatuses.some((s) => s.id === b.status_id)) throw fieldError('status', DOES_NOT_EXIST);
    return b.status_id;
  }
  if (typeof b.status === 'string') {
    const label = b.status.toLowerCase();
    const found = store.state.leadStatuses.find((s) => s.label.toLowerCase() === label);
    if (!found)
      throw fieldError(
        'status',
        `${BAD_CHOICE} Lead statuses: ${store.state.leadStatuses.map((s) => s.label).join(', ')}.`,
      );
    return found.id;
  }
  return undefined;
}

/** Creates a lead (and emits its events); used by createLead and by contact/opportunity creates without a lead. */
export function insertLead(ctx: Ctx, fields: Partial<LeadRecord>): LeadRecord {
  return insertLeadWithView(ctx, fields).lead;
}

/** insertLead, also returning the lead's view as JSON bytes, as its `created` event keeps them. */
function insertLeadWithView(ctx: Ctx, fields: Partial<LeadRecord>): { lead: LeadRecord; json: Uint8Array } {
  const { store } = ctx;
  const first = store.state.leadStatuses[0];
  if (!first) throw fieldError('status', 'The organization has no lead status.');
  // Object.assign, not an object literal with spreads (see views.ts): the same keys in the same order.
  const lead: LeadRecord = Object.assign(
    { id: store.id('lead'), name: null, description: '', url: null, status_id: first.id, addresses: [] },
    store.created(),
    { custom: {} },
    fields,
  );
  store.addLead(lead);
  const data = leadView(store, lead);
  const json = store.emit(ctx, { objectType: 'lead', objectId: lead.id, action: 'created', leadId: lead.id, data });
  return { lead, json: json ?? Buffer.from(JSON.stringify(data)) };
}

function findLead(ctx: Ctx): LeadRecord {
  const lead = ctx.store.state.leads.get(ctx.params.lead_id ?? '');
  if (!lead) throw notFound('Lead');
  return lead;
}

/** Deletes a lead's contacts, opportunities, activities and tasks, with a `deleted` event for each. */
function deleteChildren(ctx: Ctx, leadId: string): void {
  const { store } = ctx;
  const emit = (objectType: string, objectId: string) =>
    store.emit(ctx, { objectType, objectId, action: 'deleted', leadId, data: null });
  for (const [objectType, kind] of [
    ['contact', 'contacts'],
    ['opportunity', 'opportunities'],
  ] as const) {
    for (const x of [...store.childrenOf(kind, leadId)]) {
      store.remove(kind, x.id);
      emit(objectType, x.id);
    }
  }
  for (const [id, a] of store.state.activities) {
    if (a.lead_id !== leadId) continue;
    store.state.activities.delete(id);
    emit(activityObjectType(a._type), id);
  }
  for (const t of [...store.childrenOf('tasks', leadId)]) {
    store.remove('tasks', t.id);
    emit('task.lead', t.id);
  }
}

/** Longest `query` whose pages are cached (store.cachedPage); longer ones are searched every time. */
const CACHED_QUERY_MAX = 200;

const listLeads: Handler = (ctx) => {
  const q = ctx.query.string('query');
  const leads = (): readonly LeadRecord[] => {
    const all = ctx.store.leadsNewestFirst();
    if (q === undefined) return all;
    const terms = parseLeadQuery(q);
    return all.filter((l) => leadMatchesQuery(ctx.store, l, terms));
  };
  return {
    body: pageJson(
      ctx,
      leads,
      (l) => leadView(ctx.store, l),
      (l) => leadJson(ctx.store, l),
      (found) => (q !== undefined ? { total_results: found.length } : {}),
      q === undefined ? 'lead' : q.length <= CACHED_QUERY_MAX ? `lead?${q}` : undefined,
    ),
  };
};

const createLead: Handler = (ctx) => {
  const { store } = ctx;
  const b = bodyOf(ctx);
  const statusId = statusFrom(store, b);
  const custom = {};
  applyCustom(store, custom, b, true);
  // The contacts are built (and checked) before the lead is stored: a 400 leaves no trace.
  const contacts = (Array.isArray(b.contacts) ? (b.contacts as Obj[]) : []).map((c) => newContact(store, '', c));
  const fields: Partial<LeadRecord> = {
    name: typeof b.name === 'string' ? b.name : null,
    description: typeof b.description === 'string' ? b.description : '',
    url: typeof b.url === 'string' ? b.url : null,
  };
  if (statusId) fields.status_id = statusId;
  fields.addresses = addressesFrom(b.addresses);
  fields.custom = custom;
  const { lead, json } = insertLeadWithView(ctx, fields);
  // Without contacts the answer is the view the `created` event keeps: the same bytes, serialized once.
  if (contacts.length === 0) return { body: new JsonBody(json) };
  for (const contact of contacts) {
    contact.lead_id = lead.id;
    store.add('contacts', contact);
    store.emit(ctx, {
      objectType: 'contact',
      objectId: contact.id,
      action: 'created',
      leadId: lead.id,
      data: contactView(store, contact),
    });
  }
  return { body: leadView(store, lead) };
};

const getLead: Handler = (ctx) => {
  const lead = findLead(ctx);
  const fields = ctx.query.list('_fields');
  return { body: fields ? pickFields(leadView(ctx.store, lead), fields) : new JsonBody(leadJson(ctx.store, lead)) };
};

const updateLead: Handler = (ctx) => {
  const { store } = ctx;
  const lead = findLead(ctx);
  const b = bodyOf(ctx);
  const previous: Obj = {};
  const changed: string[] = [];
  const oldStatus = lead.status_id;
  // Everything that can fail is checked before anything is written (a 400 leaves no trace).
  const statusId = statusFrom(store, b);
  const custom = customUpdate(store, lead.custom, b, true);
  if (statusId !== undefined && statusId !== lead.status_id) {
    previous.status_id = lead.status_id;
    lead.status_id = statusId;
    changed.push('status_id');
  }
  for (const k of ['name', 'description', 'url'] as const) {
    if (!(k in b)) continue;
    previous[k] = lead[k];
    const v = b[k];
    if (k === 'description') lead.description = typeof v === 'string' ? v : '';
    else lead[k] = typeof v === 'string' ? v : null;
    changed.push(k);
  }
  if ('addresses' in b) {
    previous.addresses = lead.addresses;
    lead.addresses = addressesFrom(b.addresses);
    changed.push('addresses');
  }
  lead.custom = custom.custom;
  changed.push(...custom.changed);
  store.touch(lead);
  const data = leadView(store, lead);
  const json = store.emit(ctx, {
    objectType: 'lead',
    objectId: lead.id,
    action: 'updated',
    leadId: lead.id,
    data,
    changed,
    previous,
  });
  if (oldStatus !== lead.status_id) {
    const label = (id: string) => store.state.leadStatuses.find((s) => s.id === id)?.label ?? '';
    addActivity(ctx, 'LeadStatusChange', lead.id, {
      old_status_id: oldStatus,
      old_status_label: label(oldStatus),
      new_status_id: lead.status_id,
      new_status_label: label(lead.status_id),
    });
  }
  // The answer is the view the `updated` event keeps (the status change activity is not part of a
  // lead's view): the same bytes, built and serialized once.
  return { body: new JsonBody(json ?? Buffer.from(JSON.stringify(data))) };
};

const deleteLead: Handler = (ctx) => {
  const lead = findLead(ctx);
  const before = leadView(ctx.store, lead);
  deleteChildren(ctx, lead.id);
  ctx.store.removeLead(lead.id);
  ctx.store.emit(ctx, {
    objectType: 'lead',
    objectId: lead.id,
    action: 'deleted',
    leadId: lead.id,
    data: null,
    previous: before,
  });
  return { body: {} };
};

const mergeLeads: Handler = (ctx) => {
  const { store } = ctx;
  const s = store.state;
  const b = bodyOf(ctx);
  const source = s.leads.get(String(b.source));
  const dest = s.leads.get(String(b.destination));
  // Close's recorded answer for an unknown lead in a merge (reference §1.4).
  if (!source) throw new HttpError(404, { errors: ['Source lead does not exist.'] });
  if (!dest) throw new HttpError(404, { errors: ['Destination lead does not exist.'] });
  if (source.id === dest.id)
    throw new HttpError(400, { errors: ['The source and destination leads must be different.'], 'field-errors': {} });
  const before = leadView(store, source);
  for (const kind of ['contacts', 'opportunities', 'tasks'] as const) {
    for (const x of [...store.childrenOf(kind, source.id)]) store.relink(kind, x, dest.id);
  }
  for (const a of s.activities.values()) if (a.lead_id === source.id) a.lead_id = dest.id;
  // The destination keeps its own values; custom fields it has no value for are taken from the source.
  for (const [id, v] of Object.entries(source.custom)) if (!(id in dest.custom)) dest.custom[id] = v;
  store.touch(dest);
  store.removeLead(source.id);
  const meta = { merge_source_lead_id: source.id, merge_destination_lead_id: dest.id };
  store.emit(ctx, {
    objectType: 'lead',
    objectId: source.id,
    action: 'deleted',
    leadId: source.id,
    data: null,
    previous: before,
    meta,
  });
  store.emit(ctx, {
    objectType: 'lead',
    objectId: dest.id,
    action: 'merged',
    leadId: dest.id,
    data: leadView(store, dest),
    meta,
  });
  return { body: { status: 'ok' } };
};

export const leadHandlers = {
  listLeads,
  createLead,
  getLead,
  updateLead,
  deleteLead,
  mergeLeads,
} satisfies Partial<HandlerMap>;
