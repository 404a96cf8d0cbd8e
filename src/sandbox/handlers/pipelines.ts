// Pipelines and statuses: lead statuses, opportunity statuses (each in a pipeline), pipelines with
// their ordered statuses. Listing a status id of another pipeline in a pipeline's `statuses` moves
// that status there (Close's documented behaviour).
import { DOES_NOT_EXIST, fieldError, notFound } from '../errors.js';
import { naive, type OpportunityStatusRecord, type PipelineRecord, type StatusType, type Store } from '../store.js';
import { leadStatusViews, opportunityStatusView, pipelineView } from '../views.js';
import { bodyOf, page, pickFields } from './common.js';
import type { Handler, HandlerMap } from './context.js';

/** Moves an opportunity status into a pipeline (from wherever it is). */
function moveStatus(store: Store, statusId: string, into: PipelineRecord): void {
  const s = store.state.opportunityStatuses.get(statusId);
  if (!s) throw fieldError('statuses', DOES_NOT_EXIST);
  const from = store.state.pipelines.get(s.pipeline_id);
  if (from && from.id !== into.id) from.statuses = from.statuses.filter((x) => x !== statusId);
  s.pipeline_id = into.id;
  if (!into.statuses.includes(statusId)) into.statuses.push(statusId);
}

function statusIds(list: unknown): string[] {
  return Array.isArray(list) ? list.map((ref) => String((ref as { id?: unknown }).id)) : [];
}

const listLeadStatuses: Handler = (ctx) => ({ body: page(ctx, leadStatusViews(ctx.store), (s) => s) });

const listOpportunityStatuses: Handler = (ctx) => ({
  body: page(ctx, [...ctx.store.state.opportunityStatuses.values()], (s) => opportunityStatusView(ctx.store, s)),
});

const createOpportunityStatus: Handler = (ctx) => {
  const { store } = ctx;
  const b = bodyOf(ctx);
  const pipelineId = typeof b.pipeline_id === 'string' ? b.pipeline_id : store.state.pipelines.keys().next().value;
  const pipe = pipelineId ? store.state.pipelines.get(pipelineId) : undefined;
  if (!pipe) throw fieldError('pipeline', DOES_NOT_EXIST);
  const s: OpportunityStatusRecord = {
    id: store.id('stat'),
    label: String(b.label),
    type: b.type as StatusType,
    pipeline_id: pipe.id,
  };
  store.state.opportunityStatuses.set(s.id, s);
  pipe.statuses.push(s.id);
  pipe.date_updated = naive(store.now());
  return { body: pickFields(opportunityStatusView(store, s), ctx.query.list('_fields')) };
};

const listPipelines: Handler = (ctx) => ({
  body: page(ctx, [...ctx.store.state.pipelines.values()], (p) => pipelineView(ctx.store, p)),
});

const createPipeline: Handler = (ctx) => {
  const { store } = ctx;
  const b = bodyOf(ctx);
  const now = naive(store.now());
  const p: PipelineRecord = {
    id: store.id('pipe'),
    name: String(b.name),
    statuses: [],
    created_by: store.state.meId,
    updated_by: store.state.meId,
    date_created: now,
    date_updated: now,
  };
  const ids = statusIds(b.statuses);
  for (const id of ids) if (!store.state.opportunityStatuses.has(id)) throw fieldError('statuses', DOES_NOT_EXIST);
  store.state.pipelines.set(p.id, p);
  for (const id of ids) moveStatus(store, id, p);
  // POST /pipeline/ is one of Close's newer endpoints that answer 201 Created.
  return { status: 201, body: pipelineView(store, p) };
};

const updatePipeline: Handler = (ctx) => {
  const { store } = ctx;
  const p = store.state.pipelines.get(ctx.params.pipeline_id ?? '');
  if (!p) throw notFound('Pipeline');
  const b = bodyOf(ctx);
  const order = Array.isArray(b.statuses) ? statusIds(b.statuses) : undefined;
  // Checked before anything is written (a 400 leaves no trace).
  for (const id of order ?? [])
    if (!store.state.opportunityStatuses.has(id)) throw fieldError('statuses', DOES_NOT_EXIST);
  if (typeof b.name === 'string') p.name = b.name;
  if (order) {
    for (const id of order) moveStatus(store, id, p);
    p.statuses = [...order, ...p.statuses.filter((s) => !order.includes(s))];
  }
  p.updated_by = store.state.meId;
  p.date_updated = naive(store.now());
  return { body: pipelineView(store, p) };
};

export const pipelineHandlers = {
  listLeadStatuses,
  listOpportunityStatuses,
  createOpportunityStatus,
  listPipelines,
  createPipeline,
  updatePipeline,
} satisfies Partial<HandlerMap>;
