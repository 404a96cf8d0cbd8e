// Renders stored records as the API sends them: the read-only fields Close computes (`display_name`,
// `status_label`, `status_type`, `lead_name`, `expected_value`, ...), custom fields as flat
// `custom.<field id>` keys (plus the deprecated name-keyed `custom` object on leads), a lead's
// embedded contacts, opportunities and open tasks.
import {
  type ActivityRecord,
  type ContactRecord,
  type CustomFieldRecord,
  type CustomValue,
  type EventRecord,
  isoDate,
  type LeadRecord,
  type Obj,
  type OpportunityRecord,
  type OpportunityStatusRecord,
  type PipelineRecord,
  type SavedSearchRecord,
  type Store,
  type TaskRecord,
  type UserRecord,
} from './store.js';

/** `{ "custom.cf_x": value }` for every custom field with a value. */
export function flatCustom(custom: Record<string, CustomValue>): Obj {
  const out: Obj = {};
  for (const [id, value] of Object.entries(custom)) out[`custom.${id}`] = value;
  return out;
}

export function contactView(store: Store, c: ContactRecord): Obj {
  const { custom, ...rest } = c;
  return {
    ...rest,
    organization_id: store.state.organization.id,
    display_name: c.name || c.emails[0]?.email || '',
    phones: c.phones.map((p) => ({ ...p, phone_formatted: p.phone })),
    integration_links: [],
    ...flatCustom(custom),
  };
}

export function contactsOf(store: Store, leadId: string): ContactRecord[] {
  return [...store.state.contacts.values()].filter((c) => c.lead_id === leadId);
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
  return {
    ...rest,
    organization_id: store.state.organization.id,
    lead_name: lead ? lead.name || 'Untitled' : null,
    status_label: status?.label ?? '',
    status_display_name: status?.label ?? '',
    status_type: status?.type ?? 'active',
    pipeline_id: pipeline?.id ?? null,
    pipeline_name: pipeline?.name ?? null,
    value_currency: store.state.organization.currency,
    value_formatted: formatValue(store, o.value, o.value_period),
    expected_value: o.value === null ? null : Math.round((o.value * o.confidence) / 100),
    annualized_value: yearly,
    annualized_expected_value: yearly === null ? null : Math.round((yearly * o.confidence) / 100),
    contact_name: contact?.name ?? null,
    user_name: store.userName(o.user_id),
    created_by_name: store.userName(o.created_by),
    updated_by_name: store.userName(o.updated_by),
    integration_links: [],
    attachments: [],
    ...flatCustom(custom),
  };
}

/** Which of its assignee's lists a task is in: archive (complete), future (due after today) or inbox. */
export function taskListOf(t: TaskRecord, today: string): 'inbox' | 'future' | 'archive' {
  if (t.is_complete) return 'archive';
  return !t.is_dateless && t.date.slice(0, 10) > today ? 'future' : 'inbox';
}

export function taskView(store: Store, t: TaskRecord): Obj {
  const lead = store.state.leads.get(t.lead_id);
  const contact = t.contact_id ? store.state.contacts.get(t.contact_id) : undefined;
  return {
    ...t,
    organization_id: store.state.organization.id,
    lead_name: lead ? lead.name || 'Untitled' : '',
    contact_name: contact?.name ?? null,
    assigned_to_name: store.userName(t.assigned_to) ?? '',
    created_by_name: store.userName(t.created_by) ?? '',
    updated_by_name: store.userName(t.updated_by),
    // `due_date` is the deprecated mirror of `date`, null on dateless tasks.
    due_date: t.is_dateless ? null : t.date,
    view: taskListOf(t, isoDate(store.now())),
  };
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
  return {
    ...rest,
    display_name: l.name || 'Untitled',
    status_label: status?.label ?? '',
    organization_id: store.state.organization.id,
    html_url: `https://app.close.com/lead/${l.id}/`,
    addresses: l.addresses.map((a) => ({ ...a, tz_ids: [] })),
    contacts: contacts.map((c) => contactView(store, c)),
    contact_ids: contacts.map((c) => c.id),
    opportunities: [...store.state.opportunities.values()]
      .filter((o) => o.lead_id === l.id)
      .map((o) => opportunityView(store, o)),
    // Since 2024-06-07 a lead embeds only its incomplete tasks.
    tasks: [...store.state.tasks.values()]
      .filter((t) => t.lead_id === l.id && !t.is_complete)
      .map((t) => taskView(store, t)),
    integration_links: [],
    custom: legacyCustom(store, custom),
    created_by_name: store.userName(l.created_by),
    updated_by_name: store.userName(l.updated_by),
    ...flatCustom(custom),
  };
}

export function activityView(store: Store, a: ActivityRecord): Obj {
  const { fields, custom, ...rest } = a;
  return {
    ...rest,
    ...fields,
    organization_id: store.state.organization.id,
    users: a.user_id ? [a.user_id] : [],
    user_name: store.userName(a.user_id),
    created_by_name: store.userName(a.created_by),
    updated_by_name: store.userName(a.updated_by),
    ...flatCustom(custom),
  };
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

export function eventView(store: Store, e: EventRecord): Obj {
  const { seq: _seq, ...rest } = e;
  return { ...rest, organization_id: store.state.organization.id };
}
