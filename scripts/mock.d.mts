// Types for scripts/mock.mjs (used by the TypeScript tests).
export interface RunningServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:4010`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface MockOptions {
  /** OpenAPI file Prism serves (default generated/openapi.yaml). */
  spec?: string;
  /** 0 picks a free port (default 4010). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Receives one line per request; silent when omitted. */
  log?: (line: string) => void;
}

export interface PrismViolation {
  location?: string[];
  severity?: string;
  code?: string | number;
  message?: string;
}

export interface CloseValidationError {
  errors: string[];
  'field-errors': Record<string, string>;
}

export const defaultSpec: string;
export function startMock(options?: MockOptions): Promise<RunningServer>;
export function toCloseError(violations: PrismViolation[]): CloseValidationError;
export function bridgeResponse(
  status: number,
  headers: Record<string, string | string[]>,
  body: Buffer,
): {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  rewritten: boolean;
  responseViolations: PrismViolation[];
};
export function stopOnSignals(servers: RunningServer[]): void;
/** Removes the schema-derived `default` example Prism adds in front of named media-type examples; returns how many. */
export function keepOnlyNamedExamples(operations: unknown[], doc: unknown): number;
