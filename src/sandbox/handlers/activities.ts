// Activities: a lead's timeline (`GET /activity/`) and logging notes, calls, emails and SMS. Status
// changes of leads and opportunities and completed tasks add their own activities (added by those
// handlers through addActivity). Nothing is ever sent: an email or SMS is stored with the status given.
import { fieldError, REQUIRED, requestError } from '../errors.js';
import { type ActivityRecord, type Obj, stamp } from '../store.js';
import { activityView } from '../views.js';
import {
  applyCustom,
  bodyOf,
  dateFilter,
  newestFirst,
  page,
  parseDateTime,
  requireContactOf,
  requireLead,
  requireUser,
} from './common.js';
import type { Ctx, Handler, HandlerMap } from './context.js';

/** `Note` → `activity.note`, `TaskCompleted` → `activity.task_completed` (the event log's object types). */
export function activityObjectType(type: string): string {
  return `activity.${type.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`;
}

/** Stores an activity on a lead and emits its `created` event. */
export function addActivity(
  ctx: Ctx,
  type: string,
  leadId: string,
  fields: Obj,
  common: Partial<Pick<ActivityRecord, 'contact_id' | 'user_id' | 'activity_at' | 'date_created' | 'custom'>> = {},
): ActivityRecord {
  const { store } = ctx;
  const stamps = store.created();
  const a: ActivityRecord = {
    id: store.id('acti'),
    _type: type,
    lead_id: leadId,
    contact_id: null,
    user_id: store.state.meId,
    ...stamps,
    activity_at: stamps.date_created,
    fields,
    custom: {},
    ...common,
  };
  store.state.activities.set(a.id, a);
  store.emit(ctx, {
    objectType: activityObjectType(type),
    objectId: a.id,
    action: 'created',
    leadId,
    data: activityView(store, a),
  });
  return a;
}

/** A timestamp from a body, as Close writes it (`+00:00`, microseconds). */
function timestamp(value: unknown, field: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  return stamp(parseDateTime(value, field));
}

/** The parts every activity create shares: the lead (required), contact, user, dates, custom fields. */
function createActivity(ctx: Ctx, type: string, fields: (b: Obj) => Obj): { body: Obj } {
  const { store } = ctx;
  const b = bodyOf(ctx);
  // Close names the reference, not the key, in its field errors (`lead`, not `lead_id`).
  if (b.lead_id === undefined || b.lead_id === null) throw fieldError('lead', REQUIRED);
  const lead = requireLead(store, b.lead_id);
  const contactId = b.contact_id === undefined ? null : requireContactOf(store, b.contact_id, lead.id).id;
  const userId = b.user_id === undefined ? store.state.meId : requireUser(store, b.user_id, 'user');
  const custom = {};
  applyCustom(store, custom, b, false);
  const dateCreated = timestamp(b.date_created, 'date_created');
  const activityAt = timestamp(b.activity_at, 'activity_at');
  const a = addActivity(ctx, type, lead.id, fields(b), {
    contact_id: contactId,
    user_id: userId,
    custom,
    ...(dateCreated ? { date_created: dateCreated } : {}),
    ...((activityAt ?? dateCreated) ? { activity_at: activityAt ?? dateCreated } : {}),
  });
  return { body: activityView(store, a) };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br />');
}
function stripHtml(s: string): string {
  return s
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

const listActivities: Handler = (ctx) => {
  const q = ctx.query;
  const leadId = q.string('lead_id');
  for (const needsLead of ['user_id', 'contact_id', '_type', '_type__in'] as const) {
    if (q.has(needsLead) && !leadId)
      throw fieldError(needsLead, 'This filter can only be used together with a single lead_id.');
  }
  const order = q.string('_order_by') ?? '-date_created';
  if (order.endsWith('activity_at') && !leadId)
    throw fieldError('_order_by', 'Ordering by activity_at is only possible together with a single lead_id.');
  if (q.has('thread_emails'))
    throw requestError('The sandbox does not support `thread_emails` (it keeps no email threads).');
  const types = [...(q.string('_type') ? [q.string('_type') ?? ''] : []), ...(q.list('_type__in') ?? [])];
  let acts = [...ctx.store.state.activities.values()].filter(
    (a) =>
      (!leadId || a.lead_id === leadId) &&
      (!q.string('contact_id') || a.contact_id === q.string('contact_id')) &&
      (!q.string('user_id') || a.user_id === q.string('user_id')) &&
      (types.length === 0 || types.includes(a._type)) &&
      dateFilter(a.date_created, ctx, 'date_created') &&
      dateFilter(a.activity_at, ctx, 'activity_at'),
  );
  const key = order.replace(/^-/, '') as 'date_created' | 'activity_at';
  acts = newestFirst(acts).sort((x, y) => String(y[key] ?? '').localeCompare(String(x[key] ?? '')));
  if (!order.startsWith('-')) acts.reverse();
  return { body: page(ctx, acts, (a) => activityView(ctx.store, a)) };
};

const createNoteActivity: Handler = (ctx) =>
  createActivity(ctx, 'Note', (b) => {
    // Setting one of note / note_html overwrites the other; with both, note_html wins.
    const html = typeof b.note_html === 'string' ? b.note_html : `<body><p>${escapeHtml(str(b.note))}</p></body>`;
    return {
      note: typeof b.note_html === 'string' ? stripHtml(b.note_html) : str(b.note),
      note_html: html.startsWith('<body>') ? html : `<body>${html}</body>`,
      pinned: b.pinned === true,
      pinned_at: null,
      attachments: [],
    };
  });

const createCallActivity: Handler = (ctx) =>
  createActivity(ctx, 'Call', (b) => {
    const status = str(b.status, 'completed');
    return {
      direction: str(b.direction, 'outbound'),
      status,
      duration: typeof b.duration === 'number' ? b.duration : 0,
      phone: str(b.phone),
      remote_phone: str(b.phone),
      local_phone: null,
      note: typeof b.note_html === 'string' ? stripHtml(b.note_html) : str(b.note),
      note_html: typeof b.note_html === 'string' ? b.note_html : escapeHtml(str(b.note)),
      recording_url: strOrNull(b.recording_url),
      voicemail_url: strOrNull(b.voicemail_url),
      has_recording: typeof b.recording_url === 'string',
      source: str(b.source, 'External'),
      call_method: 'external',
      disposition: typeof b.disposition === 'string' ? b.disposition : status === 'completed' ? 'answered' : null,
      cost: null,
      outcome_id: strOrNull(b.outcome_id),
    };
  });

const createEmailActivity: Handler = (ctx) => {
  const b = bodyOf(ctx);
  const status = str(b.status);
  // Close requires a sender for received, scheduled and outgoing emails (enforced since 2025-12-17).
  if (['inbox', 'scheduled', 'outbox'].includes(status) && typeof b.sender !== 'string')
    throw fieldError('sender', REQUIRED);
  if (status === 'scheduled' && typeof b.date_scheduled !== 'string') throw fieldError('date_scheduled', REQUIRED);
  const me = ctx.store.me;
  return createActivity(ctx, 'Email', () => ({
    status,
    direction: status === 'inbox' ? 'incoming' : 'outgoing',
    subject: str(b.subject),
    sender: str(b.sender, `"${me.first_name} ${me.last_name}" <${me.email}>`),
    to: Array.isArray(b.to) ? b.to : [],
    cc: Array.isArray(b.cc) ? b.cc : [],
    bcc: Array.isArray(b.bcc) ? b.bcc : [],
    body_text: str(b.body_text),
    body_html: str(b.body_html),
    body_preview: str(b.body_text).slice(0, 100),
    attachments: [],
    opens: [],
    template_id: strOrNull(b.template_id),
    date_scheduled: timestamp(b.date_scheduled, 'date_scheduled') ?? null,
    date_sent: status === 'sent' ? stamp(ctx.store.now()) : null,
    in_reply_to_id: strOrNull(b.in_reply_to_id),
  }));
};

const createSmsActivity: Handler = (ctx) =>
  createActivity(ctx, 'SMS', (b) => {
    const status = str(b.status);
    return {
      status,
      direction: str(b.direction, status === 'inbox' ? 'inbound' : 'outbound'),
      text: str(b.text),
      local_phone: strOrNull(b.local_phone),
      remote_phone: strOrNull(b.remote_phone),
      attachments: [],
      template_id: strOrNull(b.template_id),
      date_scheduled: timestamp(b.date_scheduled, 'date_scheduled') ?? null,
      date_sent: status === 'sent' ? stamp(ctx.store.now()) : null,
      source: str(b.source, 'External'),
      error_message: null,
      cost: null,
    };
  });

export const activityHandlers = {
  listActivities,
  createNoteActivity,
  createCallActivity,
  createEmailActivity,
  createSmsActivity,
} satisfies Partial<HandlerMap>;
