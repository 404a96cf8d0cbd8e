// Runs one tool call: checks the arguments against the tool's input schema, splits them back into
// path, query and body, answers a dry run without sending anything, otherwise calls the operation
// through the client (`close.call`, which owns pacing, retries and the no-blind-retry rule for
// writes), pages lists behind an opaque `next_cursor`, and keeps every answer under a text budget.
// Every string that leaves here passes through `redact` (the key in all its encodings).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { OperationInfo } from '../../generated/operations.js';
import { CloseApiError } from '../errors.js';
import type { JsonObject } from '../lib/spec-validator.js';
import { DEFAULT_LIMIT, isList, isWrite, maxLimit, needsConfirm, type ToolSchemas } from './schema.js';

/** Default largest answer, in characters of JSON (about 6,000 tokens). */
export const DEFAULT_TEXT_BUDGET = 24_000;

export type Call = (operationId: string, init?: unknown) => Promise<unknown>;

export interface ExecuteContext {
  call: Call;
  redact: (text: string) => string;
  textBudget: number;
}

const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where the next page starts: Close's skip, or Close's cursor plus items of that page already returned. */
interface CursorState {
  skip?: number;
  cursor?: string | null;
  /** Items of the page at `cursor` already returned (the budget or `limit` cut a page short)... */
  seen?: number;
  /** ...and the `_limit` that page was fetched with, so that it is fetched again the same. */
  pageLimit?: number;
}

const encodeCursor = (s: CursorState): string => Buffer.from(JSON.stringify(s)).toString('base64url');
const count = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;

/** Decodes a cursor and checks it field by field: a forged one is a tool error, never a request. */
function decodeCursor(raw: string, op: OperationInfo, max: number): CursorState {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {}
  if (isObj(v)) {
    const keys = Object.keys(v);
    const allowed = op.pagination === 'offset' ? ['skip'] : ['cursor', 'seen', 'pageLimit'];
    const fine =
      keys.every((k) => allowed.includes(k)) &&
      (v.skip === undefined || count(v.skip, 0, Number.MAX_SAFE_INTEGER)) &&
      (v.cursor === undefined || v.cursor === null || (typeof v.cursor === 'string' && v.cursor.length <= 2000)) &&
      (v.pageLimit === undefined || count(v.pageLimit, 1, max)) &&
      (v.seen === undefined || count(v.seen, 0, typeof v.pageLimit === 'number' ? v.pageLimit : max));
    if (fine) return v as CursorState;
  }
  throw new ToolInputError('`cursor` is not one this server returned; pass `next_cursor` unchanged.');
}

class ToolInputError extends Error {}

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
const validators = new WeakMap<JsonObject, ValidateFunction>();

/** Problems of `args` against a JSON Schema (at most 10), empty when valid. */
export function validate(schema: JsonObject, args: unknown): string[] {
  let v = validators.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    validators.set(schema, v);
  }
  if (v(args)) return [];
  return (v.errors ?? []).slice(0, 10).map((e) => {
    const where = e.instancePath || '(arguments)';
    const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
    return `${where} ${e.message ?? 'is invalid'}${extra}`;
  });
}

export function errorResult(redact: (s: string) => string, message: string, details?: JsonObject): CallToolResult {
  const body = details ? { error: message, ...details } : { error: message };
  return { isError: true, content: [{ type: 'text', text: redact(JSON.stringify(body)) }] };
}

function fillPath(template: string, values: JsonObject): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(values[name] ?? '')));
}

/** Serialises within the budget: drops list items from the end, then cuts long strings. */
function fitBudget(result: JsonObject, budget: number): { result: JsonObject; kept?: number } {
  if (JSON.stringify(result).length <= budget) return { result };
  if (Array.isArray(result.data)) {
    const data = [...result.data];
    while (data.length > 1 && JSON.stringify({ ...result, data }).length > budget) data.pop();
    const trimmed = { ...result, data, truncated: true };
    if (JSON.stringify(trimmed).length <= budget) return { result: trimmed, kept: data.length };
    return { result: { ...trimmed, data: data.map(shrink) }, kept: data.length };
  }
  return { result: shrink(result) as JsonObject };
}

/** An object cut down to its top-level values, long strings shortened: the last resort for one huge item. */
function shrink(item: unknown): unknown {
  if (!isObj(item)) return item;
  const out: JsonObject = { _truncated: 'too large for one answer: ask for fewer `fields`' };
  for (const [k, v] of Object.entries(item)) {
    if (typeof v === 'string') out[k] = v.length > 200 ? `${v.slice(0, 200)}…` : v;
    else if (v === null || typeof v !== 'object') out[k] = v;
  }
  return out;
}

function ok(ctx: ExecuteContext, structured: JsonObject, kept?: number): CallToolResult {
  const redacted = JSON.parse(ctx.redact(JSON.stringify(structured))) as JsonObject;
  const text = JSON.stringify(redacted);
  const note = kept !== undefined ? ` (${kept} items kept to fit the answer budget; use next_cursor)` : '';
  return { content: [{ type: 'text', text: text + note }], structuredContent: redacted };
}

/** Executes one operation for a tool call. */
export async function execute(
  op: OperationInfo,
  schemas: ToolSchemas,
  rawArgs: unknown,
  ctx: ExecuteContext,
): Promise<CallToolResult> {
  if (rawArgs !== undefined && !isObj(rawArgs))
    return errorResult(ctx.redact, 'The arguments must be an object, as in the input schema.');
  const args: JsonObject = rawArgs ?? {};
  try {
    const problems = validate(schemas.input, args);
    if (problems.length) return errorResult(ctx.redact, 'The arguments do not match the input schema.', { problems });
    const dryRun = args.dry_run === true && isWrite(op);
    // A dry run sends nothing, so it needs no confirmation; the real delete or merge does.
    if (needsConfirm(op) && args.confirm !== true && !dryRun)
      return errorResult(ctx.redact, 'This deletes data: ask the user, then call again with `confirm: true`.');

    const path: JsonObject = {};
    const query: JsonObject = {};
    const body: JsonObject = {};
    for (const [k, v] of Object.entries(args)) {
      if (schemas.args.path.includes(k)) path[k] = v;
      else if (schemas.args.query.includes(k)) query[k] = v;
      else if (schemas.args.body.includes(k) || (schemas.args.bodyPatterns && k.startsWith('custom.'))) body[k] = v;
    }
    const list = isList(op);
    const limit = typeof args.limit === 'number' ? args.limit : DEFAULT_LIMIT; // within the schema's maximum
    const state: CursorState =
      list && typeof args.cursor === 'string' ? decodeCursor(args.cursor, op, maxLimit(op)) : {};
    // An array of names for query `_fields`; Advanced Filtering's body takes names per object type.
    const fields = args.fields ?? undefined;
    const seen = state.seen ?? 0;
    const pageLimit = state.pageLimit ?? limit;
    if (op.pagination === 'body-cursor') {
      body._limit = pageLimit;
      if (state.cursor) body.cursor = state.cursor;
      if (fields) body._fields = fields;
    } else {
      if (fields) query._fields = fields;
      if (op.pagination === 'offset') {
        query._limit = limit;
        if (state.skip) query._skip = state.skip;
      } else if (op.pagination === 'cursor') {
        query._limit = pageLimit;
        if (state.cursor) query._cursor = state.cursor;
      }
    }
    const hasBody = op.requestSchema !== null;
    if (dryRun) {
      const request: JsonObject = { method: op.method.toUpperCase(), path: fillPath(op.path, path) };
      if (Object.keys(query).length) request.query = query;
      if (hasBody) request.body = body;
      return ok(ctx, { dry_run: true, request });
    }
    const init: JsonObject = { params: { path, query } };
    if (hasBody) init.body = body;
    const answer = await ctx.call(op.operationId, init);
    if (!list) {
      const { result } = fitBudget(isObj(answer) ? answer : { value: answer }, ctx.textBudget);
      return ok(ctx, result);
    }
    const page = isObj(answer) ? answer : {};
    const items = Array.isArray(page.data) ? page.data : [];
    const data = items.slice(seen, seen + limit);
    const base: JsonObject = { data, next_cursor: null };
    if (typeof page.total_results === 'number' || page.total_results === null) base.total_results = page.total_results;
    const { result, kept } = fitBudget(base, ctx.textBudget);
    const returned = kept ?? data.length;
    let next: CursorState | null = null;
    if (op.pagination === 'offset') {
      const more = returned < items.length || page.has_more === true;
      next = more ? { skip: (state.skip ?? 0) + returned } : null;
    } else {
      const closeNext = op.pagination === 'cursor' ? page.cursor_next : page.cursor;
      if (seen + returned < items.length) next = { cursor: state.cursor ?? null, seen: seen + returned, pageLimit };
      else if (typeof closeNext === 'string' && closeNext) next = { cursor: closeNext };
    }
    result.next_cursor = next ? encodeCursor(next) : null;
    return ok(ctx, result, kept);
  } catch (err) {
    if (err instanceof ToolInputError) return errorResult(ctx.redact, err.message);
    if (err instanceof CloseApiError) {
      const details: JsonObject = { status: err.status };
      if (Object.keys(err.fieldErrors).length) details.field_errors = err.fieldErrors as JsonObject;
      if (err.retryAfterMs !== undefined) details.retry_after_ms = err.retryAfterMs;
      return errorResult(ctx.redact, err.message, details);
    }
    return errorResult(ctx.redact, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  }
}
