// Invalid requests for every operation that takes a body. Each body is first checked to be invalid
// by the spec itself (so the test cannot pass by accident), then sent; the answer must be a 4xx in
// Close's error shape (`error`, `errors` and/or `field-errors`), and the recorder validates it against
// the operation's declared 4xx schema. The mock and the sandbox must name the offending field; a real
// Close is only expected to reject the request (its field keys are its own, e.g. `lead` for `lead_id`);
// CONTRACT_STRICT_FIELD_ERRORS=1 (set by run-sandbox.ts) makes field naming mandatory in live mode too.
import { beforeAll, expect, test } from 'vitest';
import { type OperationId, operationIds, operations } from '../../generated/operations.js';
import { unwrap } from '../../src/index.js';
import type { Contract } from '../support/context.js';
import type { Fixtures } from '../support/fixtures.js';

type LooseRequest = (
  method: string,
  path: string,
  init: { params?: { path?: Record<string, string> }; body?: unknown },
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

interface Ids {
  lead: string;
  otherLead: string;
  contact: string;
  opportunity: string;
  task: string;
  pipeline: string;
}

interface Case {
  name: string;
  operationId: OperationId;
  params?: (ids: Ids) => Record<string, string>;
  body: (ids: Ids, c: Contract, fx: Fixtures) => unknown;
  /** Acceptable `field-errors` keys (a key may also be a sub-path of one of these). */
  fields: readonly string[];
}

const cases = [
  {
    name: 'createLead: status label of the wrong type',
    operationId: 'createLead',
    body: (_i, c) => ({ name: c.name('Invalid lead'), status: 12345 }),
    fields: ['status'],
  },
  {
    name: 'createLead: nested contact email without its address',
    operationId: 'createLead',
    body: (_i, c) => ({
      name: c.name('Invalid lead'),
      contacts: [{ name: 'No Address', emails: [{ type: 'office' }] }],
    }),
    fields: ['contacts'],
  },
  {
    name: 'updateLead: status label of the wrong type',
    operationId: 'updateLead',
    params: (i) => ({ lead_id: i.lead }),
    body: () => ({ status: 12345 }),
    fields: ['status'],
  },
  {
    name: 'mergeLeads: destination missing',
    operationId: 'mergeLeads',
    body: (i) => ({ source: i.otherLead }),
    fields: ['destination'],
  },
  {
    name: 'createContact: emails not a list',
    operationId: 'createContact',
    body: (i, c) => ({ lead_id: i.lead, name: c.name('Invalid contact'), emails: c.email('invalid') }),
    fields: ['emails'],
  },
  {
    name: 'updateContact: phones not a list',
    operationId: 'updateContact',
    params: (i) => ({ contact_id: i.contact }),
    body: () => ({ phones: '+16505550199' }),
    fields: ['phones'],
  },
  {
    name: 'createOpportunity: unknown value_period',
    operationId: 'createOpportunity',
    body: (i) => ({ lead_id: i.lead, value: 1000, value_period: 'weekly' }),
    fields: ['value_period'],
  },
  {
    name: 'updateOpportunity: unknown value_period',
    operationId: 'updateOpportunity',
    params: (i) => ({ opportunity_id: i.opportunity }),
    body: () => ({ value_period: 'weekly' }),
    fields: ['value_period'],
  },
  {
    name: 'createNoteActivity: lead_id missing',
    operationId: 'createNoteActivity',
    body: (_i, c) => ({ note: c.name('Orphan note') }),
    fields: ['lead_id', 'lead'],
  },
  {
    name: 'createCallActivity: unknown direction',
    operationId: 'createCallActivity',
    body: (i) => ({ lead_id: i.lead, direction: 'sideways', duration: 10 }),
    fields: ['direction'],
  },
  {
    name: 'createEmailActivity: unknown status',
    operationId: 'createEmailActivity',
    body: (i, c) => ({ lead_id: i.lead, status: 'sending', subject: c.name('Invalid email') }),
    fields: ['status'],
  },
  {
    name: 'createSmsActivity: unknown status',
    operationId: 'createSmsActivity',
    body: (i, c) => ({ lead_id: i.lead, status: 'flying', text: c.name('Invalid SMS') }),
    fields: ['status'],
  },
  {
    name: 'createTask: lead_id missing',
    operationId: 'createTask',
    body: (_i, c) => ({ text: c.name('Orphan task') }),
    fields: ['lead_id', 'lead'],
  },
  {
    name: 'createTask: date not a date',
    operationId: 'createTask',
    body: (i, c) => ({ lead_id: i.lead, text: c.name('Invalid task'), date: 'tomorrow-ish' }),
    fields: ['date'],
  },
  {
    name: 'updateTask: is_complete not a boolean',
    operationId: 'updateTask',
    params: (i) => ({ task_id: i.task }),
    body: () => ({ is_complete: 'definitely' }),
    fields: ['is_complete'],
  },
  { name: 'createPipeline: name missing', operationId: 'createPipeline', body: () => ({}), fields: ['name'] },
  {
    name: 'updatePipeline: statuses not a list',
    operationId: 'updatePipeline',
    params: (i) => ({ pipeline_id: i.pipeline }),
    body: () => ({ statuses: 'none' }),
    fields: ['statuses'],
  },
  {
    name: 'createOpportunityStatus: unknown type',
    operationId: 'createOpportunityStatus',
    body: (i, c) => ({ label: c.name('Invalid stage'), type: 'maybe', pipeline_id: i.pipeline }),
    fields: ['type'],
  },
  {
    name: 'createLeadCustomField: unknown type',
    operationId: 'createLeadCustomField',
    body: (_i, c) => ({ name: c.name('Invalid field'), type: 'colour' }),
    fields: ['type'],
  },
  {
    name: 'searchData: unknown query node',
    operationId: 'searchData',
    body: () => ({ query: { type: 'no_such_node' } }),
    fields: ['query'],
  },
] as const satisfies readonly Case[];

/** The operations that take a request body, from the generated list. */
type WithBody = { [K in OperationId]: (typeof operations)[K]['requestSchema'] extends null ? never : K }[OperationId];
/** Compiles only when `Missing` is `never`: an operation that takes a body and has no case fails the type check. */
function everyBodyOperation<Missing extends never>(): readonly Missing[] {
  return [];
}
everyBodyOperation<Exclude<WithBody, (typeof cases)[number]['operationId']>>();

function errorShape(body: unknown): { ok: boolean; fieldKeys: string[] } {
  if (typeof body !== 'object' || body === null) return { ok: false, fieldKeys: [] };
  const b = body as Record<string, unknown>;
  const fieldErrors = b['field-errors'];
  const fieldKeys = typeof fieldErrors === 'object' && fieldErrors !== null ? Object.keys(fieldErrors) : [];
  const hasError = typeof b.error === 'string' || (typeof b.error === 'object' && b.error !== null);
  const hasErrors = Array.isArray(b.errors) && b.errors.length > 0;
  return { ok: hasError || hasErrors || fieldKeys.length > 0, fieldKeys };
}

export function invalidRequestTests(c: Contract, fx: Fixtures): void {
  const ids = {} as Ids;
  const request = (c.client.request as unknown as LooseRequest).bind(c.client);

  beforeAll(async () => {
    const lead = unwrap(await c.client.POST('/lead/', { body: { name: c.name('Invalid-requests target') } }));
    const other = unwrap(await c.client.POST('/lead/', { body: { name: c.name('Invalid-requests merge source') } }));
    const contact = unwrap(
      await c.client.POST('/contact/', {
        body: { lead_id: lead.id, name: c.name('Invalid-requests contact') },
      }),
    );
    const opp = unwrap(
      await c.client.POST('/opportunity/', {
        body: {
          lead_id: lead.id,
          status_id: fx.activeStatusId,
          value: 100,
          value_period: 'one_time',
          note: c.name('Invalid-requests deal'),
        },
      }),
    );
    const task = unwrap(
      await c.client.POST('/task/', { body: { lead_id: lead.id, text: c.name('Invalid-requests task') } }),
    );
    const pipeline = unwrap(await c.client.POST('/pipeline/', { body: { name: c.name('Invalid-requests pipeline') } }));
    Object.assign(ids, {
      lead: lead.id,
      otherLead: other.id,
      contact: contact.id,
      opportunity: opp.id,
      task: task.id,
      pipeline: pipeline.id,
    });
  });

  test('every operation with a request body has an invalid-request case', () => {
    const withBody = operationIds.filter((id) => operations[id].requestSchema !== null).sort();
    expect(withBody.length).toBeGreaterThan(0);
    // The generated list and the spec the suite validates with agree on which operations take a body.
    expect(withBody).toEqual(
      c.spec
        .operations()
        .filter((o) => c.spec.operation(o.operationId).hasBody)
        .map((o) => o.operationId)
        .sort(),
    );
    expect([...new Set(cases.map((x) => x.operationId))].sort()).toEqual(withBody);
  });

  test.each<Case>(cases)('$name → 4xx in the documented error shape', async (tc) => {
    const op = c.spec.operation(tc.operationId);
    const body = tc.body(ids, c, fx);
    const specVerdict = c.spec.validateRequestBody(tc.operationId, body);
    expect(specVerdict.valid, 'the case must be invalid according to the spec').toBe(false);

    const res = await request(op.method, op.path, { ...(tc.params ? { params: { path: tc.params(ids) } } : {}), body });
    const status = res.response.status;
    if (status < 400) {
      throw new Error(
        `${op.method} ${op.path} accepted a body the spec rejects (${status}): ${specVerdict.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      );
    }
    expect(status).toBeLessThan(500);
    const shape = errorShape(res.error);
    expect(shape.ok, `error body ${JSON.stringify(res.error)}`).toBe(true);
    const named = shape.fieldKeys.some((k) => tc.fields.some((f) => k === f || k.startsWith(`${f}.`)));
    if (!c.live || process.env.CONTRACT_STRICT_FIELD_ERRORS === '1') {
      expect(named, `field-errors ${JSON.stringify(shape.fieldKeys)} should name one of ${tc.fields.join(', ')}`).toBe(
        true,
      );
    } else if (!named) {
      console.warn(
        `[contract] ${tc.operationId}: Close rejected the request (${status}) without naming ${tc.fields.join('/')}: ${JSON.stringify(res.error)}`,
      );
    }
  });
}
