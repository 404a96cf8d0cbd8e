// One contract context per test file: the target, the spec, the recording client and (live mode) the
// ledger of created objects.
import { inject } from 'vitest';
import { type CloseClient, createCloseClient } from '../../src/index.js';
import { Ledger } from './ledger.js';
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
    onSuccess: (operationId, body, urlPath) => {
      if (!ledger) return;
      const b = (body ?? {}) as Record<string, unknown>;
      const id = typeof b.id === 'string' ? b.id : undefined;
      if (operationId === 'createLead' && id) ledger.add('lead', id);
      else if (
        (operationId === 'createContact' || operationId === 'createOpportunity') &&
        typeof b.lead_id === 'string'
      )
        ledger.add('lead', b.lead_id);
      else if (operationId === 'createPipeline' && id) ledger.add('pipeline', id);
      else if (operationId === 'createOpportunityStatus' && id) ledger.add('opportunityStatus', id);
      else if (operationId === 'createLeadCustomField' && id) ledger.add('leadCustomField', id);
      else if (operationId === 'deleteLead') {
        const leadId = /\/lead\/([^/]+)\/?$/.exec(urlPath.slice(basePath.length))?.[1];
        if (leadId) ledger.remove(leadId);
      }
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
