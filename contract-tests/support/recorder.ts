// The recording transport of the contract suite: every response that reaches the client passes through
// `recorder.fetch`, which (1) finds the spec operation for the request, (2) validates status, required
// headers and body against the spec (ajv, through the shared SpecValidator), (3) walks the body for
// fields the spec does not declare and declared fields of the wrong type, and (4) counts coverage.
// The suite fails on any violation; undeclared fields are drift, reported but allowed (response
// objects are open by design).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePointer } from '../../src/lib/json-pointer.js';
import { requestedFields } from '../../src/lib/spec-validator.js';
import { makeRedactor } from '../../src/redact.js';
import { type JsonSchema, SchemaWalker } from './schema-walk.js';
import { pathParts } from './spec.js';

export interface ValidationIssue {
  path: string;
  message: string;
  keyword: string;
}

/** What the recorder needs from the spec (implemented over the shared SpecValidator in spec.ts). */
export interface SpecAccess {
  /** The bundled document (generated/openapi.json), used for $ref resolution and headers. */
  readonly doc: Record<string, unknown>;
  operations(): Array<{ operationId: string; method: string; path: string }>;
  findOperation(method: string, urlPath: string): { operationId: string; method: string; path: string } | undefined;
  /** `null` when the status is not declared for the operation. */
  responseSchema(operationId: string, status: number): JsonSchema | undefined | null;
  /** `fields`: the request's `_fields`, which trims the answer (see src/lib/spec-validator.ts). */
  validateResponse(
    operationId: string,
    status: number,
    body: unknown,
    fields?: readonly string[],
  ): { valid: boolean; errors: ValidationIssue[] };
  /** Header names (lower case) the spec marks `required` for this response. */
  requiredHeaders(operationId: string, status: number): string[];
}

export type ViolationKind =
  | 'schema'
  | 'wrong-type'
  | 'missing-required'
  | 'undocumented-status'
  | 'unknown-operation'
  | 'missing-header'
  | 'unparseable-body';

export interface Violation {
  kind: ViolationKind;
  operationId: string;
  method: string;
  path: string;
  status: number;
  /** Normalised field path (`data[].name`), when the problem is tied to a field. */
  field?: string;
  message: string;
}

export interface CallRecord {
  seq: number;
  operationId: string;
  method: string;
  path: string;
  status: number;
  violations: Violation[];
}

interface Counted<T> {
  key: string;
  count: number;
  value: T;
}

/** Field path with array indexes folded: `['data', '0', 'name']` → `data[].name`. */
export function normaliseField(parts: string[]): string {
  let out = '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += '[]';
    else out += out ? `.${p}` : p;
  }
  return out;
}

export interface RecorderOptions {
  spec: SpecAccess;
  /** Base URL of the target; its path (`/api/v1`) is stripped before operation lookup. */
  baseUrl: string;
  /** The transport underneath (default global fetch). */
  fetch?: (input: Request, init?: RequestInit) => Promise<Response>;
  /**
   * Called with every parsed 2xx JSON body and the request's own JSON body (the live-mode ledger
   * registers created objects here).
   */
  onSuccess?: (operationId: string, body: unknown, urlPath: string, requestBody: unknown) => void;
  /**
   * Credentials to keep out of everything the recorder holds and writes (violation messages, drift.json,
   * coverage.json): its fetch sits below the client's redaction, so a server echoing the key would
   * otherwise land verbatim in a report or a test failure.
   */
  secrets?: readonly string[];
}

export class ContractRecorder {
  readonly records: CallRecord[] = [];
  private readonly walker: SchemaWalker;
  private readonly basePath: string;
  private readonly inner: (input: Request, init?: RequestInit) => Promise<Response>;
  private readonly undeclared = new Map<string, Counted<Violation & { type: string; pointer: string }>>();
  private readonly wrongTypes = new Map<string, Counted<Violation & { expected: string[]; actual: string }>>();
  private seq = 0;
  private readonly redact: (text: string) => string;

  constructor(private readonly options: RecorderOptions) {
    this.redact = makeRedactor(options.secrets ?? []);
    this.walker = new SchemaWalker(options.spec.doc);
    this.basePath = new URL(options.baseUrl).pathname.replace(/\/+$/, '');
    this.inner = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** A fetch for `createCloseClient({ fetch })`: sends, then records and validates the response. */
  readonly fetch = async (input: Request, init?: RequestInit): Promise<Response> => {
    const method = input.method.toUpperCase();
    const url = new URL(input.url);
    const sent = this.options.onSuccess && input.body ? await input.clone().text() : '';
    const response = await this.inner(input, init);
    const text = await response.clone().text();
    const rec = this.record(method, url.pathname, response.status, response.headers, text, requestedFields(input.url));
    if (this.options.onSuccess && response.status >= 200 && response.status < 300) {
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      let requestBody: unknown;
      try {
        requestBody = sent ? JSON.parse(sent) : undefined;
      } catch {
        requestBody = undefined;
      }
      this.options.onSuccess(rec.operationId, body, url.pathname, requestBody);
    }
    return response;
  };

  /** Records one exchange. `urlPath` is the full URL path (the base path is stripped here). */
  record(
    method: string,
    urlPath: string,
    status: number,
    headers: Headers,
    text: string,
    fields?: readonly string[],
  ): CallRecord {
    const { spec } = this.options;
    const rel = urlPath.startsWith(this.basePath) ? urlPath.slice(this.basePath.length) || '/' : urlPath;
    const op = spec.findOperation(method, rel);
    const rec: CallRecord = {
      seq: ++this.seq,
      operationId: op?.operationId ?? `${method} ${rel}`,
      method,
      path: op?.path ?? rel,
      status,
      violations: [],
    };
    this.records.push(rec);
    const base = { operationId: rec.operationId, method, path: rec.path, status };
    const violate = (v: Omit<Violation, keyof typeof base>): void => {
      const clean = { ...v, message: this.redact(v.message) };
      if (v.field !== undefined) clean.field = this.redact(v.field);
      rec.violations.push({ ...base, ...clean });
    };
    if (!op) {
      violate({ kind: 'unknown-operation', message: `${method} ${rel} matches no operation of the spec` });
      return rec;
    }
    const schema = spec.responseSchema(op.operationId, status);
    if (schema === null) {
      violate({ kind: 'undocumented-status', message: `status ${status} is not declared for ${op.operationId}` });
      return rec;
    }
    for (const h of spec.requiredHeaders(op.operationId, status)) {
      if (!headers.has(h))
        violate({ kind: 'missing-header', field: h, message: `required response header ${h} is missing` });
    }
    if (schema === undefined) {
      // The spec declares no body for this status (e.g. 204).
      if (text.trim() !== '')
        violate({ kind: 'schema', message: `status ${status} declares no body but one was sent` });
      return rec;
    }
    if (text.trim() === '') {
      // Close documents that 429 bodies may be empty (the headers are the contract since 2024-04).
      if (status !== 429)
        violate({ kind: 'unparseable-body', message: 'empty body where the spec declares JSON content' });
      return rec;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      violate({ kind: 'unparseable-body', message: `body is not JSON (${text.slice(0, 60)})` });
      return rec;
    }

    const result = spec.validateResponse(op.operationId, status, body, fields);
    const drift = this.walker.walk(schema, body);
    const wrongFields = new Set<string>();
    for (const w of drift.wrongType) {
      wrongFields.add(parsePointer(w.pointer).join('\u0000'));
      const field = w.field === '(body)' ? '(body)' : w.field;
      violate({
        kind: 'wrong-type',
        field,
        message: `${field} is ${w.actual}, the spec allows ${w.expected.join(' | ')}`,
      });
      const key = `${op.operationId} ${status} ${field} ${w.actual}`;
      const prev = this.wrongTypes.get(key);
      if (prev) prev.count++;
      else
        this.wrongTypes.set(key, {
          key,
          count: 1,
          value: { ...base, kind: 'wrong-type', field, message: '', expected: w.expected, actual: w.actual },
        });
    }
    for (const u of drift.undeclared) {
      const key = `${op.operationId} ${status} ${u.field}`;
      const prev = this.undeclared.get(key);
      if (prev) prev.count++;
      else
        this.undeclared.set(key, {
          key,
          count: 1,
          value: { ...base, kind: 'schema', field: u.field, message: '', type: u.type, pointer: u.pointer },
        });
    }
    if (!result.valid) {
      for (const e of result.errors) {
        if (e.keyword === 'required') {
          const missing = /required property '([^']+)'/.exec(e.message)?.[1];
          const parent = normaliseField(pathParts(e.path));
          const field = missing ? (parent ? `${parent}.${missing}` : missing) : parent;
          violate({ kind: 'missing-required', field, message: `required field ${field} is missing` });
        } else if (e.keyword === 'type' && wrongFields.has(pathParts(e.path).join('\u0000'))) {
          // Already reported, with the allowed types, by the walker.
        } else {
          violate({
            kind: 'schema',
            field: normaliseField(pathParts(e.path)) || '(body)',
            message: `${e.path} ${e.message} (${e.keyword})`,
          });
        }
      }
      if (!rec.violations.length) violate({ kind: 'schema', message: 'response does not match the schema' });
    }
    return rec;
  }

  violations(): Violation[] {
    return this.records.flatMap((r) => r.violations);
  }

  /** Violations recorded after call number `sinceSeq`. */
  /** The calls recorded after `sinceSeq` (a `lastSeq` read earlier). */
  since(sinceSeq: number): CallRecord[] {
    return this.records.filter((r) => r.seq > sinceSeq);
  }

  violationsSince(sinceSeq: number): Violation[] {
    return this.since(sinceSeq).flatMap((r) => r.violations);
  }

  get lastSeq(): number {
    return this.seq;
  }

  coverage(meta: Record<string, unknown> = {}): CoverageReport {
    const ops = this.options.spec.operations();
    const operations = ops.map((op) => {
      const calls = this.records.filter((r) => r.operationId === op.operationId);
      const statuses: Record<string, number> = {};
      for (const c of calls) statuses[c.status] = (statuses[c.status] ?? 0) + 1;
      return {
        operationId: op.operationId,
        method: op.method.toUpperCase(),
        path: op.path,
        calls: calls.length,
        statuses,
        succeeded: calls.some((c) => c.status >= 200 && c.status < 300),
        violations: calls.reduce((n, c) => n + c.violations.length, 0),
      };
    });
    const unknown = this.records.filter((r) => !ops.some((o) => o.operationId === r.operationId)).length;
    return {
      ...meta,
      generatedAt: new Date().toISOString(),
      operationCount: ops.length,
      exercised: operations.filter((o) => o.succeeded).length,
      notExercised: operations.filter((o) => !o.succeeded).map((o) => o.operationId),
      totalCalls: this.records.length,
      callsOutsideSpec: unknown,
      violations: this.violations().length,
      operations,
    };
  }

  drift(meta: Record<string, unknown> = {}): DriftReport {
    const counted = <T>(m: Map<string, Counted<T>>) => [...m.values()].map((c) => ({ ...c.value, count: c.count }));
    const undocumented = new Map<string, Counted<Violation>>();
    const missing = new Map<string, Counted<Violation>>();
    const other = new Map<string, Counted<Violation>>();
    for (const v of this.violations()) {
      const target =
        v.kind === 'undocumented-status'
          ? undocumented
          : v.kind === 'missing-required'
            ? missing
            : v.kind === 'wrong-type'
              ? null
              : other;
      if (!target) continue;
      const key = `${v.kind} ${v.operationId} ${v.status} ${v.field ?? ''} ${v.kind === 'schema' ? v.message : ''}`;
      const prev = target.get(key);
      if (prev) prev.count++;
      else target.set(key, { key, count: 1, value: v });
    }
    return {
      ...meta,
      generatedAt: new Date().toISOString(),
      undeclaredFields: counted(this.undeclared).map(({ kind: _k, message: _m, ...rest }) => rest),
      wrongTypes: counted(this.wrongTypes).map(({ kind: _k, message: _m, ...rest }) => rest),
      missingRequired: counted(missing).map(({ kind: _k, message: _m, ...rest }) => rest),
      undocumentedStatuses: counted(undocumented).map(({ kind: _k, message: _m, field: _f, ...rest }) => rest),
      otherViolations: counted(other),
    };
  }

  writeReports(dir: string, meta: Record<string, unknown>, opts: { drift: boolean; suffix?: string }): void {
    mkdirSync(dir, { recursive: true });
    // Redacted as written text too: the redactor also matches the key's JSON-escaped forms.
    const coverage = this.redact(`${JSON.stringify(this.coverage(meta), null, 2)}\n`);
    writeFileSync(join(dir, 'coverage.json'), coverage);
    if (opts.suffix) writeFileSync(join(dir, `coverage.${opts.suffix}.json`), coverage);
    if (opts.drift)
      writeFileSync(join(dir, 'drift.json'), this.redact(`${JSON.stringify(this.drift(meta), null, 2)}\n`));
  }
}

export interface CoverageReport {
  generatedAt: string;
  operationCount: number;
  exercised: number;
  notExercised: string[];
  totalCalls: number;
  callsOutsideSpec: number;
  violations: number;
  operations: Array<{
    operationId: string;
    method: string;
    path: string;
    calls: number;
    statuses: Record<string, number>;
    succeeded: boolean;
    violations: number;
  }>;
  [meta: string]: unknown;
}

export interface DriftReport {
  generatedAt: string;
  undeclaredFields: Array<{
    operationId: string;
    method: string;
    path: string;
    status: number;
    field?: string;
    type: string;
    pointer: string;
    count: number;
  }>;
  wrongTypes: Array<{
    operationId: string;
    method: string;
    path: string;
    status: number;
    field?: string;
    expected: string[];
    actual: string;
    count: number;
  }>;
  missingRequired: Array<{
    operationId: string;
    method: string;
    path: string;
    status: number;
    field?: string;
    count: number;
  }>;
  undocumentedStatuses: Array<{ operationId: string; method: string; path: string; status: number; count: number }>;
  otherViolations: Array<Violation & { count: number }>;
  [meta: string]: unknown;
}
