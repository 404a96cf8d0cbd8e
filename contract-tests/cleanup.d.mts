// Types for contract-tests/cleanup.mjs (used by the TypeScript global setup and tests).
export const reportDir: string;
export const DEFAULT_BASE_URL: string;
export interface CleanupResult {
  deleted: number;
  gone: number;
  failed: Array<{ kind: string; id: string; status: number }>;
}
export function cleanupLedger(
  file: string,
  options?: { apiKey?: string; baseUrl?: string; log?: (line: string) => void },
): Promise<CleanupResult>;
export function leftoverLedgers(baseUrl: string): string[];
