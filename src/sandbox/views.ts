// Renders stored records as the API sends them: the read-only fields Close computes (`display_name`,
// `status_label`, `status_type`, `lead_name`, `expected_value`, ...), custom fields as flat
// `custom.<field id>` keys (plus the deprecated name-keyed `custom` object on leads), a lead's
// embedded contacts, opportunities and open tasks.

import type {
  ActivityRecord,
  AddressRecord,
  ContactRecord,
  CustomFieldRecord,
  CustomValue,
  LeadRecord,
  Obj,
  OpportunityRecord,
  OpportunityStatusRecord,
  PhoneRecord,
  PipelineRecord,
  SavedSearchRecord,
  Store,
  StoredEvent,
  TaskRecord,
  UserRecord,
} from './store.js';
import { eventRecord } from './store.js';

// Views are built by assigning properties to a fresh copy of the record (the rest of a destructuring,
// or Object.assign({}, record)), never as `{ ...record, more }`: on Node 20 every property written
// after a spread in an object literal costs about a microsecond (a lead's view took ~96 µs that way,
// ~10 µs this way). The properties come out in the same order either way.

/** `{ "custom.cf_x": value }` for every custom field with a value. */
export function flatCustom(custom: Record<string, CustomValue>): Obj {
  return addCustom({}, custom);
}

/** Adds `"custom.cf_x": value` to `out` for every custom field with a value; returns `out`. */
function addCustom(out: Obj, custom: Record<string, CustomValue>): Obj {
  for (const id in custom) out[`custom.${id}`] = custom[id];
  return out;
}

export function contactView(store: Store, c: ContactRecord): Obj {
  const { custom, ...rest } = c;
  const out: Obj = rest;
  out.organization_id = store.state.organization.id;
  out.display_name = c.name || c.emails[0]?.email || '';
  out.phones = c.phones.map((p) => {
    const phone: Obj = Object.assign<Obj, PhoneRecord>({}, p);
    phone.phone_formatted = p.phone;
    return phone;
  });
  out.integration_links = [];
  return addCustom(out, custom);
}

/** The lead's contacts, in the order they were created (from the store's index by lead). */
export function contactsOf(store: Store, leadId: string): readonly ContactRecord[] {
  return store.childrenOf('contacts', leadId);
}

// One formatter for every value (Number#toLocaleString builds a new one on each call).
const AMOUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** Display of a money value in the organisation's currency: `$5,000`, `$120 monthly`. */
function formatValue(store: Store, value: number | null, period: string): string {
  if (value === null) return '';
  const amount = AMOUNT.format(value / 100);
  return `${store.state.organization.currency_symbol}${amount}${period === 'one_time' ? '' : ` ${period}`}`;
}

/** A value per year: monthly values times 12. */
export function annualized(value: number | null, period: string): number | null {
  if (value === null) return null;
  return period === 'monthly' ? value * 12 : value;
}

export function opportunityView(store: Store, o: OpportunityRecord): Obj {
  const { custom, ...rest } = o;
  const status = store.state.opportunityStatuses.get(o.status_id);
  const pipeline = status ? store.state.pipelines.get(status.pipeline_id) : undefined;
  const lead = store.state.leads.get(o.lead_id);
  const contact = o.contact_id ? store.state.contacts.get(o.contact_id) : undefined;
  const yearly = annualized(o.value, o.value_period);
  const out: Obj = rest;
  out.organization_id = store.state.organization.id;
  out.lead_name = lead ? lead.name || 'Untitled' : null;
  out.status_label = status?.label ?? '';
  out.status_display_name = status?.label ?? '';
  out.status_type = status?.type ?? 'active';
  out.pipeline_id = pipeline?.id ?? null;
  out.pipeline_name = pipeline?.name ?? null;
  out.value_currency = store.state.organization.currency;
  out.value_formatted = formatValue(store, o.value, o.value_period);
  out.expected_value = o.value === null ? null : Math.round((o.value * o.confidence) / 100);
  out.annualized_value = yearly;
  out.annualized_expected_value = yearly === null ? null : Math.round((yearly * o.confidence) / 100);
  out.contact_name = contact?.name ?? null;
  out.user_name = store.userName(o.user_id);
  out.created_by_name = store.userName(o.created_by);
  out.updated_by_name = store.userName(o.updated_by);
  out.integration_links = [];
  out.attachments = [];
  return addCustom(out, custom);
}

/** Which of its assignee's lists a task is in: archive (complete), future (due after today) or inbox. */
export function taskListOf(t: TaskRecord, today: string): 'inbox' | 'future' | 'archive' {
  if (t.is_complete) return 'archive';
  return !t.is_dateless && t.date.slice(0, 10) > today ? 'future' : 'inbox';
}

export function taskView(store: Store, t: TaskRecord): Obj {
  const lead = store.state.leads.get(t.lead_id);
  const contact = t.contact_id ? store.state.contacts.get(t.contact_id) : undefined;
  const out: Obj = Object.assign<Obj, TaskRecord>({}, t);
  out.organization_id = store.state.organization.id;
  out.lead_name = lead ? lead.name || 'Untitled' : '';
  out.contact_name = contact?.name ?? null;
  out.assigned_to_name = store.userName(t.assigned_to) ?? '';
  out.created_by_name = store.userName(t.created_by) ?? '';
  out.updated_by_name = store.userName(t.updated_by);
  // `due_date` is the deprecated mirror of `date`, null on dateless tasks.
  out.due_date = t.is_dateless ? null : t.date;
  out.view = taskListOf(t, store.today());
  return out;
}

/** The lead's custom field values by field name (the deprecated `custom` object). */
function legacyCustom(store: Store, custom: Record<string, CustomValue>): Obj {
  const out: Obj = {};
  for (const [id, value] of Object.entries(custom)) {
    const field = store.state.customFields.get(id);
    if (field) out[field.name] = value;
  }
  return out;
}

export function leadView(store: Store, l: LeadRecord): Obj {
  const { custom, ...rest } = l;
  const contacts = contactsOf(store, l.id);
  const status = store.state.leadStatuses.find((s) => s.id === l.status_id);
  const out: Obj = rest;
  out.display_name = l.name || 'Untitled';
  out.status_label = status?.label ?? '';
  out.organization_id = store.state.organization.id;
  out.html_url = `https://app.close.com/lead/${l.id}/`;
  out.addresses = l.addresses.map((a) => {
    const address: Obj = Object.assign<Obj, AddressRecord>({}, a);
    address.tz_ids = [];
    return address;
  });
  out.contacts = contacts.map((c) => contactView(store, c));
  out.contact_ids = contacts.map((c) => c.id);
  out.opportunities = store.childrenOf('opportunities', l.id).map((o) => opportunityView(store, o));
  // Since 2024-06-07 a lead embeds only its incomplete tasks.
  out.tasks = store
    .childrenOf('tasks', l.id)
    .filter((t) => !t.is_complete)
    .map((t) => taskView(store, t));
  out.integration_links = [];
  out.custom = legacyCustom(store, custom);
  out.created_by_name = store.userName(l.created_by);
  out.updated_by_name = store.userName(l.updated_by);
  return addCustom(out, custom);
}

/** leadView as JSON (UTF-8), from the store's cache of renderings (dropped on every write). */
export function leadJson(store: Store, l: LeadRecord): Uint8Array {
  return store.cachedJson(l.id, () => leadView(store, l));
}

export function activityView(store: Store, a: ActivityRecord): Obj {
  const { fields, custom, ...rest } = a;
  const out: Obj = Object.assign(rest, fields);
  out.organization_id = store.state.organization.id;
  out.users = a.user_id ? [a.user_id] : [];
  out.user_name = store.userName(a.user_id);
  out.created_by_name = store.userName(a.created_by);
  out.updated_by_name = store.userName(a.updated_by);
  return addCustom(out, custom);
}

export function pipelineView(store: Store, p: PipelineRecord): Obj {
  return {
    ...p,
    organization_id: store.state.organization.id,
    statuses: p.statuses.flatMap((id) => {
      const s = store.state.opportunityStatuses.get(id);
      return s ? [{ id: s.id, label: s.label, type: s.type }] : [];
    }),
  };
}

export function opportunityStatusView(store: Store, s: OpportunityStatusRecord): Obj {
  return { ...s, organization_id: store.state.organization.id };
}

export function leadStatusViews(store: Store): Obj[] {
  return store.state.leadStatuses.map((s) => ({ ...s, organization_id: store.state.organization.id }));
}

export function customFieldView(store: Store, f: CustomFieldRecord): Obj {
  const { choices, ...rest } = f;
  return {
    ...rest,
    ...(f.type === 'choices' ? { choices } : {}),
    organization_id: store.state.organization.id,
    is_shared: false,
    editable_with_roles: [],
  };
}

export function userView(store: Store, u: UserRecord): Obj {
  return {
    id: u.id,
    email: u.email,
    first_name: u.first_name,
    last_name: u.last_name,
    image: '',
    last_used_timezone: 'UTC',
    organizations: [store.state.organization.id],
    email_verified_at: u.date_created,
    date_created: u.date_created,
    date_updated: u.date_updated,
  };
}

function membershipView(store: Store, u: UserRecord, expandUser: boolean): Obj {
  return {
    id: u.membership_id,
    user_id: u.id,
    organization_id: store.state.organization.id,
    ...(expandUser
      ? { user: userView(store, u) }
      : {
          user_email: u.email,
          user_first_name: u.first_name,
          user_last_name: u.last_name,
          user_full_name: `${u.first_name} ${u.last_name}`,
        }),
    role_id: u.role,
  };
}

export function organizationView(store: Store, expandUsers = false): Obj {
  const org = store.state.organization;
  return {
    ...org,
    updated_by: org.created_by,
    user_count: store.state.users.length,
    lead_statuses: leadStatusViews(store),
    pipelines: [...store.state.pipelines.values()].map((p) => pipelineView(store, p)),
    memberships: store.state.users.map((u) => membershipView(store, u, expandUsers)),
    inactive_memberships: [],
  };
}

export function meView(store: Store): Obj {
  const { organizations: _ids, ...user } = userView(store, store.me);
  return {
    ...user,
    organizations: [organizationView(store)],
    memberships: [{ id: store.me.membership_id, organization_id: store.state.organization.id, role_id: store.me.role }],
    email_accounts: [],
    phone_numbers: [],
  };
}

export function savedSearchView(store: Store, s: SavedSearchRecord): Obj {
  return { ...s, organization_id: store.state.organization.id, is_user_dependent: false, shared_with: null };
}

export function eventView(store: Store, e: StoredEvent): Obj {
  const { seq: _seq, ...rest } = eventRecord(e);
  return { ...rest, organization_id: store.state.organization.id };
}
