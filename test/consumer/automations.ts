// The five automations of issue 11, written as a user of the package writes them: strict TypeScript
// (exactOptionalPropertyTypes, noUncheckedIndexedAccess), importing only `close-crm-openapi`.
// test/consumer-install.test.ts copies this folder into a project that installed the package from a git
// URL, type-checks it there and runs it against the package's own sandbox. No `!` and no `as`: the few
// lines today's types still force are marked `// TODO(types)` (the test skips only those lines).
import type { CloseClient, SearchRequest } from 'close-crm-openapi';

/** A website form's fields. */
export interface FormSubmission {
  company: string;
  contactName: string;
  email: string;
  source: string;
}

/** Thrown when the organisation lacks something an automation needs (a field, a status, a view). */
export class SetupError extends Error {}

/** 1. Form to lead: the lead with its contact, and the form's source in the "Source" custom field. */
export async function formToLead(close: CloseClient, form: FormSubmission) {
  const fields = await close.call('listLeadCustomFields');
  // TODO(types): the custom-fields-by-name helper replaces this hand lookup and the id's `as`.
  const source = fields.data.find((f) => f.name === 'Source'); // TODO(types): hand lookup
  const sourceKey = `custom.${source?.id ?? ''}` as `custom.cf_${string}`; // TODO(types)
  if (source?.id === undefined) throw new SetupError('no lead custom field named "Source"');
  const custom: Record<`custom.cf_${string}`, string> = { [sourceKey]: form.source };
  const lead = await close.call('createLead', {
    body: {
      name: form.company,
      contacts: [{ name: form.contactName, emails: [{ email: form.email, type: 'office' }] }],
      ...custom,
    },
  });
  return { lead, sourceValue: lead[sourceKey] };
}

/** 2. An opportunity on the lead, moved to the pipeline's won status with its final value. */
export async function closeWon(close: CloseClient, leadId: string, valueCents: number) {
  const statuses = await close.call('listOpportunityStatuses');
  const won = statuses.data.find((s) => s.type === 'won');
  if (won?.id === undefined) throw new SetupError('no won opportunity status');
  const opportunity = await close.call('createOpportunity', {
    body: { lead_id: leadId, note: 'From the website form', value: 1000_00, value_period: 'one_time' },
  });
  if (opportunity.id === undefined) throw new Error('the created opportunity has no id');
  return close.call('updateOpportunity', {
    params: { path: { opportunity_id: opportunity.id } },
    body: { status_id: won.id, value: valueCents },
  });
}

/** 3. A note and a 15-minute call logged on the lead; resolves to the lead's activity types afterwards. */
export async function logNoteAndCall(close: CloseClient, leadId: string) {
  const note = await close.call('createNoteActivity', { body: { lead_id: leadId, note: 'Asked for a quote.' } });
  const call = await close.call('createCallActivity', {
    body: { lead_id: leadId, direction: 'outbound', duration: 15 * 60, note: 'Walked through pricing.' },
  });
  const activities = await close.call('listActivities', { params: { query: { lead_id: leadId } } });
  return { note, call, types: activities.data.map((a) => a._type) };
}

/** 4. A digest of a Smart View: the names of the leads it finds today. */
export async function smartViewDigest(close: CloseClient, viewName: string): Promise<string> {
  const views = await close.call('listSmartViews');
  const view = views.data.find((v) => v.name === viewName);
  const query = view?.s_query?.query;
  if (query === undefined) throw new SetupError(`no Smart View named ${JSON.stringify(viewName)} with a query`);
  const found = await close.call('searchData', {
    body: {
      query: query as SearchRequest['query'], // TODO(types): s_query is not assignable to the search body
      _fields: { lead: ['id', 'display_name'] },
      _limit: 50,
    },
  });
  const names = found.data.map((row) => row.display_name ?? row.name ?? row.id);
  return `${viewName}: ${names.length} lead(s): ${names.join(', ')}`;
}

/** 5. A follow-up task for the rep (the key's user), which the rep then completes. */
export async function taskCompletedByRep(close: CloseClient, leadId: string) {
  const me = await close.call('getMe');
  const task = await close.call('createTask', {
    body: { lead_id: leadId, text: 'Send the quote', ...(me.id === undefined ? {} : { assigned_to: me.id }) },
  });
  if (task.id === undefined) throw new Error('the created task has no id');
  const done = await close.call('updateTask', { params: { path: { task_id: task.id } }, body: { is_complete: true } });
  return { rep: me.id, task: done };
}
