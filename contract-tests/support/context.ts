// One contract context per test file: the target, the spec, the recording client and (live mode) the
// ledger of created objects.
import { inject } from 'vitest';
import { isOperationId, type OperationId, operations } from '../../generated/operations.js';
import { type CloseClient, createCloseClient } from '../../src/index.js';
import { Ledger, type LedgerKind } from './ledger.js';
import { ContractRecorder } from './recorder.js';
import { ContractSpec } from './spec.js';
import type { ContractTarget } from './target.js';

export interface Contract {
  target: ContractTarget;
  live: boolean;
  spec: ContractSpec;
  recorder: ContractRecorder;
  client: CloseClient;
  ledger: Ledger | undefined;
  /** `<label> <run id>`: every object the suite creates is named with the run id. */
  name(label: string): string;
  /** A unique example.com address for this run. */
  email(local: string): string;
}

let shared: Contract | undefined;

/** The operations that create something (safety `create` in the generated list). */
type CreateOperation = {
  [K in OperationId]: (typeof operations)[K]['safety'] extends 'create' ? K : never;
}[OperationId];
/**
 * What the cleanup must delete after each create, keyed by the generated union so that a new create operation
 * fails the type check until it is decided: the created object itself (`id`), the lead the answer names
 * (`lead_id`: Close makes a lead for a contact posted without one), or nothing (null), because deleting the
 * run's leads deletes it too.
 */
const CREATES: { [K in CreateOperation]: { kind: LedgerKind; from: 'id' | 'lead_id' } | null } = {
  createLead: { kind: 'lead', from: 'id' },
  createContact: { kind: 'lead', from: 'lead_id' },
  createOpportunity: { kind: 'lead', from: 'lead_id' },
  createNoteActivity: null,
  createCallActivity: null,
  createEmailActivity: null,
  createSmsActivity: null,
  createTask: null,
  createPipeline: { kind: 'pipeline', from: 'id' },
  createOpportunityStatus: { kind: 'opportunityStatus', from: 'id' },
  createLeadCustomField: { kind: 'leadCustomField', from: 'id' },
};
const isCreate = (id: string): id is CreateOperation => isOperationId(id) && operations[id].safety === 'create';

/**
 * Updates the ledger after a 2xx answer: what a create made (its own id, or the lead Close made for a
 * contact or opportunity posted without one) is added; a lead the request named is not, because it
 * existed before the create (a pre-existing lead merely referenced) or is listed already. A deleted lead
 * leaves the ledger. `path` is below the base URL.
 */
export function recordOutcome(
  ledger: Pick<Ledger, 'add' | 'remove'>,
  operationId: string,
  body: unknown,
  path: string,
  requestBody: unknown,
): void {
  const b = (body ?? {}) as Record<string, unknown>;
  const created = isCreate(operationId) ? CREATES[operationId] : null;
  if (created) {
    const id = b[created.from];
    const named = created.from === 'lead_id' && (requestBody as { lead_id?: unknown } | undefined)?.lead_id;
    if (typeof id === 'string' && !named) ledger.add(created.kind, id);
  } else if (operationId === 'deleteLead') {
    const leadId = /\/lead\/([^/]+)\/?$/.exec(path)?.[1];
    if (leadId) ledger.remove(leadId);
  }
}

export function contract(): Contract {
  if (shared) return shared;
  const target = inject('contractTarget');
  const live = target.mode === 'live';
  const apiKey = live ? process.env.CLOSE_API_KEY : 'contract-mock-key';
  if (!apiKey) throw new Error('live mode needs CLOSE_API_KEY in the environment');
  const spec = new ContractSpec();
  const ledger = live && target.ledgerFile ? new Ledger(target.ledgerFile, target.baseUrl, target.runId) : undefined;
  const basePath = new URL(target.baseUrl).pathname.replace(/\/+$/, '');
  const recorder = new ContractRecorder({
    spec,
    baseUrl: target.baseUrl,
    secrets: [apiKey],
    onSuccess: (operationId, body, urlPath, requestBody) => {
      if (ledger) recordOutcome(ledger, operationId, body, urlPath.slice(basePath.length), requestBody);
    },
  });
  const client = createCloseClient({
    apiKey,
    baseUrl: target.baseUrl,
    fetch: recorder.fetch,
    retry: { maxRetries: 6, maxDelayMs: 30_000 },
    timeoutMs: 30_000,
    userAgent: `close-crm-openapi-contract-tests (run ${target.runId})`,
  });
  const slug = target.runId.toLowerCase();
  shared = {
    target,
    live,
    spec,
    recorder,
    client,
    ledger,
    name: (label) => `${label} ${target.runId}`,
    email: (local) => `${local}+${slug}@example.com`,
  };
  return shared;
}

/** Retries `check` until it stops throwing (live search indexes and the event log lag behind writes). */
export async function eventually<T>(
  check: () => Promise<T>,
  { timeoutMs = 30_000, intervalMs = 1_000 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() + intervalMs > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
