// Contacts: list (by lead), create (on a lead, or, without `lead_id`, on a new lead named after the
// contact, as Close does since 2025-02-14), get, update (lists are replaced; `lead_id` moves it).
import { notFound } from '../errors.js';
import type { ContactRecord, Obj, OpportunityRecord, TaskRecord } from '../store.js';
import { contactView, opportunityView, taskView } from '../views.js';
import { bodyOf, customUpdate, newestFirst, page, pickFields, requireLead } from './common.js';
import type { Ctx, Handler, HandlerMap } from './context.js';
import { insertLead, newContact } from './leads.js';

function findContact(ctx: Ctx): ContactRecord {
  const c = ctx.store.state.contacts.get(ctx.params.contact_id ?? '');
  if (!c) throw notFound('Contact');
  return c;
}

const listContacts: Handler = (ctx) => {
  const leadId = ctx.query.string('lead_id');
  const contacts = newestFirst([...ctx.store.state.contacts.values()].filter((c) => !leadId || c.lead_id === leadId));
  return { body: page(ctx, contacts, (c) => contactView(ctx.store, c)) };
};

const createContact: Handler = (ctx) => {
  const { store } = ctx;
  const b = bodyOf(ctx);
  const givenLead = typeof b.lead_id === 'string' ? requireLead(store, b.lead_id).id : undefined;
  const contact = newContact(store, givenLead ?? '', b); // checks the body: before any write
  let leadId: string;
  if (givenLead) leadId = givenLead;
  else {
    const firstEmail = Array.isArray(b.emails)
      ? ((b.emails[0] as Obj | undefined)?.email as string | undefined)
      : undefined;
    leadId = insertLead(ctx, { name: typeof b.name === 'string' && b.name ? b.name : (firstEmail ?? null) }).id;
  }
  contact.lead_id = leadId;
  store.add('contacts', contact);
  store.emit(ctx, {
    objectType: 'contact',
    objectId: contact.id,
    action: 'created',
    leadId,
    data: contactView(store, contact),
  });
  return { body: pickFields(contactView(store, contact), ctx.query.list('_fields')) };
};

const getContact: Handler = (ctx) => ({
  body: pickFields(contactView(ctx.store, findContact(ctx)), ctx.query.list('_fields')),
});

/**
 * After a contact moved to another lead: the opportunities and tasks of its old lead that named it
 * no longer do (`contact_id` null, an `updated` event each), since a contact of an opportunity or
 * task must belong to its lead. The move is not refused: Close documents `lead_id` as updatable.
 */
function detachContact(ctx: Ctx, contactId: string, oldLead: string): void {
  const { store } = ctx;
  const detach = (record: OpportunityRecord | TaskRecord, objectType: string, view: () => Obj): void => {
    if (record.contact_id !== contactId) return;
    record.contact_id = null;
    store.touch(record);
    store.emit(ctx, {
      objectType,
      objectId: record.id,
      action: 'updated',
      leadId: oldLead,
      data: view(),
      changed: ['contact_id'],
      previous: { contact_id: contactId },
    });
  };
  for (const o of store.childrenOf('opportunities', oldLead)) detach(o, 'opportunity', () => opportunityView(store, o));
  for (const t of store.childrenOf('tasks', oldLead)) detach(t, 'task.lead', () => taskView(store, t));
}

const updateContact: Handler = (ctx) => {
  const { store } = ctx;
  const c = findContact(ctx);
  const b = bodyOf(ctx);
  const changed: string[] = [];
  const previous: Obj = {};
  // Everything that can fail is checked before anything is written (a 400 leaves no trace).
  const fresh = newContact(store, c.lead_id, b); // parses the lists as a create would (not stored)
  const newLead =
    typeof b.lead_id === 'string' && b.lead_id !== c.lead_id ? requireLead(store, b.lead_id).id : undefined;
  const custom = customUpdate(store, c.custom, b, false);
  for (const k of ['name', 'title', 'timezone'] as const) {
    if (!(k in b)) continue;
    previous[k] = c[k];
    c[k] = fresh[k];
    changed.push(k);
  }
  for (const k of ['emails', 'phones', 'urls'] as const) {
    if (!(k in b)) continue;
    previous[k] = c[k];
    (c as unknown as Record<string, unknown>)[k] = fresh[k];
    changed.push(k);
  }
  if (newLead !== undefined) {
    const oldLead = c.lead_id;
    previous.lead_id = oldLead;
    store.relink('contacts', c, newLead);
    changed.push('lead_id');
    detachContact(ctx, c.id, oldLead);
  }
  c.custom = custom.custom;
  changed.push(...custom.changed);
  store.touch(c);
  store.emit(ctx, {
    objectType: 'contact',
    objectId: c.id,
    action: 'updated',
    leadId: c.lead_id,
    data: contactView(store, c),
    changed,
    previous,
  });
  return { body: pickFields(contactView(store, c), ctx.query.list('_fields')) };
};

export const contactHandlers = {
  listContacts,
  createContact,
  getContact,
  updateContact,
} satisfies Partial<HandlerMap>;
