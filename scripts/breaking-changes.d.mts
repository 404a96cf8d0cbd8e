// Types for scripts/breaking-changes.mjs (used by the TypeScript tests).

export interface BreakingChangeFinding {
  breaking: boolean;
  /** Rule id, e.g. `response-property-removed`, `request-enum-value-removed`, `operation-id-changed`. */
  rule: string;
  /** `METHOD /path` of the operation (the head's path template). */
  operation: string;
  direction: 'request' | 'response' | 'operation';
  /** Changelog line (STYLE.md item 18), without the ⚠️ marker and the operations. */
  message: string;
  /** JSON pointer from the operation, as if every `$ref` were inlined. */
  location: string;
  /** Set on response changes that break exhaustive switches (enum value or union member added). */
  warn?: boolean;
}

export interface BreakingChangeResult {
  breaking: BreakingChangeFinding[];
  additions: BreakingChangeFinding[];
}

export function compareDocuments(baseDoc: unknown, headDoc: unknown): BreakingChangeResult;
export function toMarkdown(result: BreakingChangeResult, labels?: { base?: string; head?: string }): string;
export function main(argv?: string[]): number;
