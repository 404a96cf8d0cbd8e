// What the global setup hands to the tests.
export interface ContractTarget {
  mode: 'mock' | 'live';
  /** Base URL of the API under test, including `/api/v1` for live targets; no trailing slash. */
  baseUrl: string;
  /** Unique id of this run; every object the suite creates carries it in its name. */
  runId: string;
  reportDir: string;
  /** Live mode: where the ledger of created objects is kept. */
  ledgerFile?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    contractTarget: ContractTarget;
  }
}
