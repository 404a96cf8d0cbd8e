// Request validation against the spec. Every operation's request body schema and query and path
// parameter schemas are compiled once, when the first sandbox starts in a process (Ajv, JSON Schema
// 2020-12, through src/lib/spec-validator.ts), never per request. Failures become Close's 400
// `{"errors": [], "field-errors": {"<field>": "<message>"}}`, with the wording of the mock
// (scripts/mock.ts): `This field is required.`, `Unknown field.`, `Not a valid choice. ...`,
// `Must be integer.`; nested fields as dotted paths (`contacts.0.emails`), parameters by name. A path
// parameter that does not fit its schema (`/lead/not-an-id/`) is a 404 for that object.
import { type OperationId, operationIds, operations } from '../../generated/operations.js';
import { parsePointer } from '../lib/json-pointer.js';
import { type ParameterRef, SpecValidator, type ValidationIssue } from '../lib/spec-validator.js';
import { BAD_CHOICE, HttpError, notFound, REQUIRED, requestError } from './errors.js';
import type { Obj } from './store.js';

type Check = (data: unknown) => { valid: boolean; errors: ValidationIssue[] };

interface CompiledParameter {
  name: string;
  required: boolean;
  /** `style: form, explode: false` arrays: one comma-separated value. */
  commaSeparated: boolean;
  /** How a raw string is converted before validation. */
  kind: 'array' | 'integer' | 'number' | 'boolean' | 'string';
  check: Check;
}

export interface CompiledOperation {
  operationId: OperationId;
  /** Upper-case HTTP method. */
  method: string;
  /** The spec's path (`/lead/{lead_id}/`). */
  path: string;
  /** Path segments: a literal, or `{name}` for a parameter. */
  segments: string[];
  successStatus: number;
  query: CompiledParameter[];
  pathParams: Map<string, CompiledParameter>;
  body: { required: boolean; check: Check } | undefined;
}

function typeOf(schema: Obj): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') as string | undefined;
  return undefined;
}

function compileParameter(spec: SpecValidator, p: ParameterRef): CompiledParameter {
  const t = typeOf(p.schema);
  const kind = t === 'array' || t === 'integer' || t === 'number' || t === 'boolean' ? t : 'string';
  return {
    name: p.name,
    required: p.required,
    commaSeparated: kind === 'array' && p.explode === false,
    kind,
    check: spec.compile(p.schemaPointer),
  };
}

/** Compiles the request side of every operation of the generated list. */
export function compileOperations(spec: SpecValidator = new SpecValidator()): CompiledOperation[] {
  return operationIds.map((id) => {
    const info = operations[id];
    const params = spec.parameters(id);
    const body = spec.requestBody(id);
    return {
      operationId: id,
      method: info.method.toUpperCase(),
      path: info.path,
      segments: info.path.split('/').filter(Boolean),
      successStatus: info.successStatus,
      query: params.filter((p) => p.in === 'query').map((p) => compileParameter(spec, p)),
      pathParams: new Map(params.filter((p) => p.in === 'path').map((p) => [p.name, compileParameter(spec, p)])),
      body: body ? { required: body.required, check: spec.compile(body.schemaPointer) } : undefined,
    };
  });
}

let shared: CompiledOperation[] | undefined;
/** The compiled operations, shared by every sandbox of the process (compiled on first use). */
export function compiledOperations(): CompiledOperation[] {
  shared ??= compileOperations();
  return shared;
}

function sentence(text: string): string {
  const t = text.trim();
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** Close's wording for one validation issue. */
function messageOf(issue: ValidationIssue): string {
  if (issue.keyword === 'required') return REQUIRED;
  if (issue.keyword === 'additionalProperties') return 'Unknown field.';
  if (issue.keyword === 'enum') {
    const allowed = /: (.+)$/.exec(issue.message)?.[1];
    return allowed ? `${BAD_CHOICE} Allowed values: ${allowed}.` : BAD_CHOICE;
  }
  return sentence(issue.message.replace(/^must NOT/, 'must not'));
}

/** Close's 400 body for validation issues: `field-errors` by dotted path under `prefix`. */
export function validationError(issues: readonly ValidationIssue[], prefix?: string): HttpError {
  const fieldErrors: Record<string, string> = {};
  const errors: string[] = [];
  for (const issue of issues) {
    const parts = prefix ? [prefix] : [];
    if (issue.pointer) parts.push(...parsePointer(issue.pointer));
    if (issue.property !== undefined) parts.push(issue.property);
    const message = messageOf(issue);
    if (parts.length) fieldErrors[parts.join('.')] ??= message;
    else if (!errors.includes(message)) errors.push(message);
  }
  return new HttpError(400, { errors, 'field-errors': fieldErrors });
}

function convert(raw: string, kind: CompiledParameter['kind']): unknown {
  switch (kind) {
    case 'array':
      return raw === '' ? [] : raw.split(',');
    case 'integer':
      return /^-?\d+$/.test(raw) ? Number(raw) : raw;
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}

/**
 * The operation's query parameters from the request, converted to their schema types and validated
 * (unknown parameters are ignored). Throws Close's 400 naming every invalid parameter.
 */
export function validateQuery(op: CompiledOperation, search: URLSearchParams): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const fieldErrors: Record<string, string> = {};
  for (const p of op.query) {
    const raw = search.getAll(p.name);
    if (raw.length === 0) {
      if (p.required) fieldErrors[p.name] = REQUIRED;
      continue;
    }
    // Array parameters are `style: form, explode: false` (`_fields=id,name`). Close's handling of a
    // repeated parameter is not documented (a typical server silently keeps one value); the sandbox
    // rejects it, so that a client serialising arrays the wrong way fails loudly.
    if (raw.length > 1) {
      fieldErrors[p.name] = p.commaSeparated
        ? 'Expected one comma-separated list; the parameter was repeated.'
        : 'Expected one value; the parameter was repeated.';
      continue;
    }
    const value = convert(raw[0] ?? '', p.kind);
    const r = p.check(value);
    if (!r.valid) {
      const first = r.errors[0];
      fieldErrors[p.name] = first ? messageOf({ ...first, property: undefined }) : 'Invalid value.';
      continue;
    }
    values.set(p.name, value);
  }
  if (Object.keys(fieldErrors).length) throw new HttpError(400, { errors: [], 'field-errors': fieldErrors });
  return values;
}

const MODEL_OF: Record<string, string> = {
  lead_id: 'Lead',
  contact_id: 'Contact',
  opportunity_id: 'Opportunity',
  task_id: 'Task',
  pipeline_id: 'Pipeline',
  organization_id: 'Organization',
};

/** Checks path parameters; one that does not fit its schema names no object that can exist: 404. */
export function validatePath(op: CompiledOperation, params: Readonly<Record<string, string>>): void {
  for (const [name, p] of op.pathParams) {
    if (!p.check(params[name]).valid) throw notFound(MODEL_OF[name] ?? 'Object');
  }
}

/** Checks a parsed JSON body (undefined when none was sent) against the operation's request schema. */
export function validateBody(op: CompiledOperation, body: unknown): void {
  if (!op.body) return;
  if (body === undefined) {
    if (op.body.required) throw requestError('This request needs a JSON body.');
    return;
  }
  const r = op.body.check(body);
  if (!r.valid) throw validationError(r.errors);
}
