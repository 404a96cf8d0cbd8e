// Requests outside the spec's operations that the sandbox answers anyway: the three deletions the
// contract suite's cleanup sends (contract-tests/cleanup.ts) for what a run created, so that they
// really delete here (a 404 would count as "already gone"). Close's rules are kept: a status still
// used by an opportunity and a pipeline that still has statuses are not deleted.
import { HttpError, notFound } from '../errors.js';
import type { Ctx, Result } from './context.js';

export interface ExtraRoute {
  method: 'DELETE';
  /** Path below the base URL with one `{id}` segment. */
  path: string;
  handle: (ctx: Ctx, id: string) => Result;
}

export const extraRoutes: readonly ExtraRoute[] = [
  {
    method: 'DELETE',
    path: '/status/opportunity/{id}/',
    handle: ({ store }, id) => {
      const s = store.state;
      if (!s.opportunityStatuses.has(id)) throw notFound('Status');
      if ([...s.opportunities.values()].some((o) => o.status_id === id))
        throw new HttpError(400, { error: 'Opportunities still have this status.' });
      s.opportunityStatuses.delete(id);
      for (const p of s.pipelines.values()) p.statuses = p.statuses.filter((x) => x !== id);
      return { body: {} };
    },
  },
  {
    method: 'DELETE',
    path: '/pipeline/{id}/',
    handle: ({ store }, id) => {
      const pipe = store.state.pipelines.get(id);
      if (!pipe) throw notFound('Pipeline');
      // Close only deletes a pipeline without opportunity statuses, and answers 204.
      if (pipe.statuses.length) throw new HttpError(400, { error: 'The pipeline still has opportunity statuses.' });
      store.state.pipelines.delete(id);
      return { status: 204, body: undefined };
    },
  },
  {
    method: 'DELETE',
    path: '/custom_field/lead/{id}/',
    handle: ({ store }, id) => {
      if (!store.state.customFields.delete(id)) throw notFound('LeadCustomField');
      // Deleting a field removes its values.
      for (const lead of store.state.leads.values()) delete lead.custom[id];
      return { body: {} };
    },
  },
];
