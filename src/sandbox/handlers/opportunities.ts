// Opportunities: list (filters and Close's aggregates over every match), create, get, update. The
// status decides `status_type`, `pipeline_id` and `pipeline_name`; a move to a won status sets
// `date_won` (today, unless given or already set), a move to a lost status sets `date_lost` (cleared
// again on a move out of it), and every
// status change adds an OpportunityStatusChange activity to the lead.
import { BAD_CHOICE, DOES_NOT_EXIST, fieldError, notFound } from '../errors.js';
import { leadMatchesQuery, parseLeadQuery, SearchEvaluator } from '../query.js';
import {
  isoDate,
  type Obj,
  type OpportunityRecord,
  type OpportunityStatusRecord,
  type Store,
  stamp,
  type ValuePeriod,
} from '../store.js';
import { annualized, opportunityView } from '../views.js';
import { addActivity } from './activities.js';
import {
  applyCustom,
  bodyOf,
  createdStamps,
  customUpdate,
  dateFilter,
  newestFirst,
  page,
  parseDay,
  pickFields,
  requireContactOf,
  requireLead,
  requireUser,
  unsupported,
} from './common.js';
import type { Ctx, Handler, HandlerMap } from './context.js';
import { insertLead } from './leads.js';

function findOpportunity(ctx: Ctx): OpportunityRecord {
  const o = ctx.store.state.opportunities.get(ctx.params.opportunity_id ?? '');
  if (!o) throw notFound('Opportunity');
  return o;
}

/** The status a create or update asks for: `status_id`, or the deprecated `status` label (in `pipelineId` when given). */
function statusFrom(store: Store, b: Obj, pipelineId?: string): OpportunityStatusRecord | undefined {
  const statuses = store.state.opportunityStatuses;
  if (typeof b.status_id === 'string') {
    const st = statuses.get(b.status_id);
    if (!st) throw fieldError('status', DOES_NOT_EXIST);
    return st;
  }
  if (typeof b.status === 'string') {
    const label = b.status.toLowerCase();
    const st = [...statuses.values()].find(
      (s) => s.label.toLowerCase() === label && (!pipelineId || s.pipeline_id === pipelineId),
    );
    if (!st) throw fieldError('status', BAD_CHOICE);
    return st;
  }
  return undefined;
}

/** A date (`YYYY-MM-DD`) from a body's `date_won` (a date or a date-time); 400 for an impossible one. */
function dateOf(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  return parseDay(v, 'date_won');
}

function recordStatusChange(ctx: Ctx, o: OpportunityRecord, from: OpportunityStatusRecord | undefined): void {
  const { store } = ctx;
  const to = store.state.opportunityStatuses.get(o.status_id);
  if (!from || !to) return;
  const pipe = (id: string) => store.state.pipelines.get(id);
  const view = opportunityView(store, o);
  addActivity(ctx, 'OpportunityStatusChange', o.lead_id, {
    opportunity_id: o.id,
    old_status_id: from.id,
    old_status_label: from.label,
    old_status_type: from.type,
    new_status_id: to.id,
    new_status_label: to.label,
    new_status_type: to.type,
    old_pipeline_id: from.pipeline_id,
    old_pipeline_name: pipe(from.pipeline_id)?.name ?? '',
    new_pipeline_id: to.pipeline_id,
    new_pipeline_name: pipe(to.pipeline_id)?.name ?? '',
    opportunity_value: o.value,
    opportunity_value_formatted: view.value_formatted,
    opportunity_value_currency: store.state.organization.currency,
    opportunity_value_period: o.value_period,
    opportunity_confidence: o.confidence,
    opportunity_date_won: o.date_won ? `${o.date_won}T00:00:00+00:00` : null,
  });
}

/**
 * Sets `date_won` / `date_lost` for a move into `st`: won sets `date_won` (today unless given or
 * already set); lost sets `date_lost`, and a move out of a lost status clears it, so an opportunity
 * only carries a `date_lost` while it is lost. `date_won` is never cleared by a status change (Close:
 * "moving back to active/lost does not clear date_won", reference §2.3); it can be set to null.
 */
function followStatus(store: Store, o: OpportunityRecord, st: OpportunityStatusRecord, dateWonGiven: boolean): void {
  if (st.type === 'won' && !o.date_won && !dateWonGiven) o.date_won = isoDate(store.now());
  o.date_lost = st.type === 'lost' ? stamp(store.now()) : null;
}

/** The leads a Smart View selects (its Advanced Filtering query, or its legacy search string). */
function leadsOfView(store: Store, viewId: string): Set<string> {
  const view = store.state.savedSearches.get(viewId);
  if (!view) throw fieldError('lead_saved_search_id', DOES_NOT_EXIST);
  const query = view.s_query?.query;
  if (typeof query === 'object' && query !== null) {
    const ev = new SearchEvaluator(store);
    return new Set([...store.state.leads.keys()].filter((id) => ev.matches(query as Obj, 'lead', id)));
  }
  const terms = parseLeadQuery(view.query ?? '*');
  return new Set([...store.state.leads.values()].filter((l) => leadMatchesQuery(store, l, terms)).map((l) => l.id));
}

const ORDER_KEYS = [
  'date_won',
  'date_updated',
  'date_created',
  'confidence',
  'user_name',
  'value',
  'annualized_value',
  'annualized_expected_value',
];

const listOpportunities: Handler = (ctx) => {
  const { store } = ctx;
  const q = ctx.query;
  if (q.has('query')) unsupported('query', 'the opportunity search syntax');
  if (q.has('_group_by')) unsupported('_group_by', 'grouping');
  const oneOrIn = (name: string, value: unknown): boolean => {
    const one = q.string(name);
    const many = q.list(`${name}__in`);
    return (one === undefined || value === one) && (many === undefined || many.includes(String(value)));
  };
  const inView = q.string('lead_saved_search_id');
  const viewLeads = inView ? leadsOfView(store, inView) : undefined;
  const leadQuery = q.string('lead_query');
  const leadTerms = leadQuery === undefined ? undefined : parseLeadQuery(leadQuery);
  let views = newestFirst(store.state.opportunities.values())
    .map((o) => ({ o, v: opportunityView(store, o) }))
    .filter(
      ({ o, v }) =>
        (!q.string('lead_id') || o.lead_id === q.string('lead_id')) &&
        oneOrIn('user_id', o.user_id) &&
        oneOrIn('status_id', o.status_id) &&
        oneOrIn('status_type', v.status_type) &&
        oneOrIn('status_label', v.status_label) &&
        oneOrIn('value_period', o.value_period) &&
        dateFilter(o.date_won, ctx, 'date_won') &&
        dateFilter(o.date_created, ctx, 'date_created') &&
        dateFilter(o.date_updated, ctx, 'date_updated') &&
        (!viewLeads || viewLeads.has(o.lead_id)) &&
        (!leadTerms ||
          (() => {
            const lead = store.state.leads.get(o.lead_id);
            return lead ? leadMatchesQuery(store, lead, leadTerms) : false;
          })()),
    );
  const order = q.string('_order_by');
  if (order) {
    const key = order.replace(/^-/, '');
    if (ORDER_KEYS.includes(key)) {
      const get = (x: { v: Obj }) => x.v[key];
      views = [...views].sort((a, b) => {
        const x = get(a);
        const y = get(b);
        const cmp =
          typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''));
        return order.startsWith('-') ? -cmp : cmp;
      });
    }
  }
  const opps = views.map((x) => x.o);
  const sum = (f: (o: OpportunityRecord) => number | null) => opps.reduce((n, o) => n + (f(o) ?? 0), 0);
  const ofPeriod = (p: ValuePeriod, expected: boolean) => (o: OpportunityRecord) =>
    o.value_period === p && o.value !== null ? (expected ? Math.round((o.value * o.confidence) / 100) : o.value) : 0;
  const yearly = (o: OpportunityRecord) => annualized(o.value, o.value_period);
  const rendered = new Map(views.map((x) => [x.o.id, x.v]));
  return {
    body: page(ctx, opps, (o) => rendered.get(o.id) ?? opportunityView(store, o), {
      total_results: opps.length,
      count_by_value_period: {
        one_time: opps.filter((o) => o.value_period === 'one_time').length,
        monthly: opps.filter((o) => o.value_period === 'monthly').length,
        annual: opps.filter((o) => o.value_period === 'annual').length,
      },
      total_value_one_time: sum(ofPeriod('one_time', false)),
      total_value_monthly: sum(ofPeriod('monthly', false)),
      total_value_annual: sum(ofPeriod('annual', false)),
      total_value_annualized: sum(yearly),
      expected_value_one_time: sum(ofPeriod('one_time', true)),
      expected_value_monthly: sum(ofPeriod('monthly', true)),
      expected_value_annual: sum(ofPeriod('annual', true)),
      expected_value_annualized: sum((o) => {
        const y = yearly(o);
        return y === null ? null : Math.round((y * o.confidence) / 100);
      }),
    }),
  };
};

const createOpportunity: Handler = (ctx) => {
  const { store } = ctx;
  const b = bodyOf(ctx);
  const pipelineId = typeof b.pipeline_id === 'string' ? b.pipeline_id : undefined;
  const pipeline = pipelineId ? store.state.pipelines.get(pipelineId) : store.state.pipelines.values().next().value;
  if (pipelineId && !pipeline) throw fieldError('pipeline', DOES_NOT_EXIST);
  let status = statusFrom(store, b, pipelineId);
  if (status && pipelineId && status.pipeline_id !== pipelineId)
    throw fieldError('status', 'The status does not belong to this pipeline.');
  if (!status) {
    const first = pipeline?.statuses[0];
    status = first ? store.state.opportunityStatuses.get(first) : undefined;
    if (!status) throw fieldError('status', 'The pipeline has no status.');
  }
  // Since 2025-02-14 an opportunity without lead_id gets a new "Untitled" lead: created last, once
  // every other part of the request has been checked (a new lead has no contacts yet).
  const givenLead = typeof b.lead_id === 'string' ? requireLead(store, b.lead_id).id : undefined;
  const contactId =
    typeof b.contact_id !== 'string'
      ? null
      : givenLead
        ? requireContactOf(store, b.contact_id, givenLead).id
        : (() => {
            throw fieldError('contact', DOES_NOT_EXIST);
          })();
  const o: OpportunityRecord = {
    id: store.id('oppo'),
    lead_id: givenLead ?? '',
    status_id: status.id,
    value: typeof b.value === 'number' ? b.value : null,
    value_period: typeof b.value_period === 'string' ? (b.value_period as ValuePeriod) : 'one_time',
    confidence: typeof b.confidence === 'number' ? b.confidence : 0,
    note: typeof b.note === 'string' ? b.note : '',
    contact_id: contactId,
    user_id: typeof b.user_id === 'string' ? requireUser(store, b.user_id, 'user') : store.state.meId,
    date_won: dateOf(b.date_won),
    date_lost: null,
    ...createdStamps(store, b.date_created),
    custom: {},
  };
  if (typeof b.created_by === 'string') o.created_by = requireUser(store, b.created_by, 'created_by');
  followStatus(store, o, status, typeof b.date_won === 'string');
  applyCustom(store, o.custom, b, false);
  // Every check has passed: from here on nothing throws.
  const leadId = givenLead ?? insertLead(ctx, {}).id;
  o.lead_id = leadId;
  store.add('opportunities', o);
  store.emit(ctx, {
    objectType: 'opportunity',
    objectId: o.id,
    action: 'created',
    leadId,
    data: opportunityView(store, o),
  });
  return { body: opportunityView(store, o) };
};

const getOpportunity: Handler = (ctx) => ({
  body: pickFields(opportunityView(ctx.store, findOpportunity(ctx)), ctx.query.list('_fields')),
});

const updateOpportunity: Handler = (ctx) => {
  const { store } = ctx;
  const o = findOpportunity(ctx);
  const b = bodyOf(ctx);
  const previous: Obj = {};
  const changed: string[] = [];
  const before = store.state.opportunityStatuses.get(o.status_id);
  // Everything that can fail is checked before anything is written (a 400 leaves no trace).
  const status = statusFrom(store, b, before?.pipeline_id);
  const contactId =
    'contact_id' in b && typeof b.contact_id === 'string' ? requireContactOf(store, b.contact_id, o.lead_id).id : null;
  const userId = typeof b.user_id === 'string' ? requireUser(store, b.user_id, 'user') : undefined;
  const custom = customUpdate(store, o.custom, b, false);
  const dateWon = dateOf(b.date_won);
  if ('date_won' in b) {
    previous.date_won = o.date_won;
    o.date_won = dateWon;
    changed.push('date_won');
  }
  if (status && status.id !== o.status_id) {
    previous.status_id = o.status_id;
    o.status_id = status.id;
    changed.push('status_id');
    followStatus(store, o, status, 'date_won' in b);
  }
  if ('value' in b) {
    previous.value = o.value;
    o.value = typeof b.value === 'number' ? b.value : null;
    changed.push('value');
  }
  if (typeof b.value_period === 'string') {
    previous.value_period = o.value_period;
    o.value_period = b.value_period as ValuePeriod;
    changed.push('value_period');
  }
  if (typeof b.confidence === 'number') {
    previous.confidence = o.confidence;
    o.confidence = b.confidence;
    changed.push('confidence');
  }
  if (typeof b.note === 'string') {
    previous.note = o.note;
    o.note = b.note;
    changed.push('note');
  }
  if ('contact_id' in b) {
    previous.contact_id = o.contact_id;
    o.contact_id = contactId;
    changed.push('contact_id');
  }
  if (userId !== undefined) {
    previous.user_id = o.user_id;
    o.user_id = userId;
    changed.push('user_id');
  }
  o.custom = custom.custom;
  changed.push(...custom.changed);
  store.touch(o);
  store.emit(ctx, {
    objectType: 'opportunity',
    objectId: o.id,
    action: 'updated',
    leadId: o.lead_id,
    data: opportunityView(store, o),
    changed,
    previous,
  });
  if (changed.includes('status_id')) recordStatusChange(ctx, o, before);
  return { body: opportunityView(store, o) };
};

export const opportunityHandlers = {
  listOpportunities,
  createOpportunity,
  getOpportunity,
  updateOpportunity,
} satisfies Partial<HandlerMap>;
