// Runs one tool call: checks the arguments against the tool's input schema, splits them back into
// path, query and body, answers a dry run without sending anything, otherwise calls the operation
// through the client (`close.call`, which owns pacing, retries and the no-blind-retry rule for
// writes), pages lists behind an opaque `next_cursor`, and keeps every answer, errors included, under
// a text budget (`fitResult`). Every string that leaves here passes through `redact` (the key in all
// its encodings). A call ends at the MCP request's cancellation or after `deadlineMs`, whichever first.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { OperationInfo } from '../../generated/operations.js';
import {
  CloseAbortError,
  CloseApiError,
  CloseNetworkError,
  CloseRateLimitError,
  CloseResponseParseError,
} from '../errors.js';
import type { JsonObject } from '../lib/spec-validator.js';
import { DEFAULT_LIMIT, isList, isWrite, maxLimit, needsConfirm, type ToolSchemas } from './schema.js';

/** Default largest answer, in characters of JSON (about 6,000 tokens). */
export const DEFAULT_TEXT_BUDGET = 24_000;

/** Default longest tool call (ms), retries and waits included: an MCP client gives up at about 60 s. */
export const DEFAULT_DEADLINE_MS = 30_000;

export type Call = (operationId: string, init?: unknown) => Promise<unknown>;

export interface ExecuteContext {
  call: Call;
  redact: (text: string) => string;
  textBudget: number;
  /** Longest call (ms); default DEFAULT_DEADLINE_MS. */
  deadlineMs?: number;
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

export function errorResult(
  ctx: Pick<ExecuteContext, 'redact' | 'textBudget'>,
  message: string,
  details?: JsonObject,
): CallToolResult {
  const body = details ? { error: message, ...details } : { error: message };
  return fitResult(ctx, body, { isError: true });
}

/**
 * The one way a result leaves: redacted, then cut until both its text and its structuredContent
 * serialise within the budget (the budget is at least 1,000 characters, which the last resort fits).
 */
export function fitResult(
  ctx: Pick<ExecuteContext, 'redact' | 'textBudget'>,
  body: JsonObject,
  opts: { isError?: boolean; note?: string } = {},
): CallToolResult {
  const redacted = JSON.parse(ctx.redact(JSON.stringify(body))) as JsonObject;
  const note = opts.note ?? '';
  const fitted = prune(redacted, ctx.textBudget - note.length);
  const text = JSON.stringify(fitted) + note;
  if (opts.isError) return { isError: true, content: [{ type: 'text', text }] };
  return { content: [{ type: 'text', text }], structuredContent: fitted };
}

const fits = (v: unknown, budget: number) => JSON.stringify(v).length <= budget;

/** Cuts strings, arrays, object keys and depth, harder each round, keeping every value's JSON type. */
function prune(body: JsonObject, budget: number): JsonObject {
  if (fits(body, budget)) return body;
  const rounds = [
    { str: 2000, arr: 50, keys: 200, depth: 8 },
    { str: 500, arr: 20, keys: 50, depth: 6 },
    { str: 200, arr: 10, keys: 30, depth: 4 },
    { str: 80, arr: 5, keys: 15, depth: 3 },
    { str: 40, arr: 2, keys: 8, depth: 2 },
    { str: 20, arr: 0, keys: 4, depth: 1 },
  ];
  const marker = Array.isArray(body.data) ? { truncated: true } : { _truncated: 'cut to fit the answer budget' };
  for (const r of rounds) {
    const cut = (v: unknown, depth: number): unknown => {
      if (typeof v === 'string') return v.length > r.str ? `${v.slice(0, r.str)}…` : v;
      if (Array.isArray(v)) return depth >= r.depth ? [] : v.slice(0, r.arr).map((x) => cut(x, depth + 1));
      if (isObj(v)) {
        if (depth >= r.depth) return {};
        return Object.fromEntries(
          Object.entries(v)
            .slice(0, r.keys)
            .map(([k, x]) => [k.slice(0, r.str), cut(x, depth + 1)]),
        );
      }
      return v;
    };
    // next_cursor is kept whole: a cut one would only fail on the next call.
    const keep = typeof body.next_cursor === 'string' ? { next_cursor: body.next_cursor } : {};
    const out = { ...(cut(body, 0) as JsonObject), ...keep, ...marker };
    if (fits(out, budget)) return out;
  }
  const error = typeof body.error === 'string' ? { error: body.error.slice(0, 200) } : {};
  return { ...error, _truncated: 'too large for one answer' };
}

function fillPath(template: string, values: JsonObject): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(values[name] ?? '')));
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

const NOTE = (kept: number) => ` (${kept} items kept to fit the answer budget; use next_cursor)`;

/**
 * The longest prefix of a page that fits the budget with its own `next_cursor` and note (binary search:
 * the size grows with the items kept). At least one item is kept, shrunk if it must be, so that a
 * cursor always moves on.
 */
function fitPage(
  ctx: ExecuteContext,
  data: unknown[],
  build: (kept: number) => JsonObject,
): { body: JsonObject; note?: string } {
  const size = (body: JsonObject, note = '') => ctx.redact(JSON.stringify(body)).length + note.length;
  const whole = build(data.length);
  if (size(whole) <= ctx.textBudget) return { body: whole };
  const at = (n: number): { body: JsonObject; note: string } => ({
    body: { ...build(n), truncated: true },
    note: NOTE(n),
  });
  let lo = 1;
  let hi = data.length - 1;
  let best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const { body, note } = at(mid);
    if (size(body, note) <= ctx.textBudget) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best > 0) return at(best);
  const one = at(1);
  return { body: { ...one.body, data: (one.body.data as unknown[]).map(shrink) }, note: one.note };
}

/** Why a call stopped: the MCP request's cancellation, or this server's deadline. */
class DeadlineReached extends Error {
  override name = 'DeadlineReached';
}

/** Runs `fn` with a signal that aborts on `outer` or when `own` times out after `ms`; the timer is cleared once it settles. */
async function withDeadline<T>(
  own: AbortController,
  ms: number,
  outer: AbortSignal | undefined,
  fn: (s: AbortSignal) => Promise<T>,
): Promise<T> {
  // A plain timer, held until cleared: AbortSignal.timeout's may be collected with its signal.
  const timer = setTimeout(() => own.abort(new DeadlineReached(`no answer within ${ms} ms`)), ms);
  try {
    return await fn(outer ? AbortSignal.any([outer, own.signal]) : own.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** Executes one operation for a tool call; `signal` is the MCP request's (notifications/cancelled). */
export async function execute(
  op: OperationInfo,
  schemas: ToolSchemas,
  rawArgs: unknown,
  ctx: ExecuteContext,
  signal?: AbortSignal,
): Promise<CallToolResult> {
  if (rawArgs !== undefined && !isObj(rawArgs))
    return errorResult(ctx, 'The arguments must be an object, as in the input schema.');
  const args: JsonObject = rawArgs ?? {};
  const deadlineMs = ctx.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const deadline = new AbortController();
  const answer: Answer = {};
  try {
    const problems = validate(schemas.input, args);
    if (problems.length) return errorResult(ctx, 'The arguments do not match the input schema.', { problems });
    const dryRun = args.dry_run === true && isWrite(op);
    // A dry run sends nothing, so it needs no confirmation; the real delete or merge does.
    if (needsConfirm(op) && args.confirm !== true && !dryRun)
      return errorResult(ctx, 'This deletes data: ask the user, then call again with `confirm: true`.');

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
      return fitResult(ctx, { dry_run: true, request });
    }
    const init: JsonObject = { params: { path, query } };
    if (hasBody) init.body = body;
    const response = await answers.run(answer, () =>
      withDeadline(deadline, deadlineMs, signal, (s) => ctx.call(op.operationId, { ...init, signal: s })),
    );
    if (!list) return fitResult(ctx, isObj(response) ? response : { value: response });
    const page = isObj(response) ? response : {};
    const items = Array.isArray(page.data) ? page.data : [];
    const data = items.slice(seen, seen + limit);
    const nextOf = (returned: number): CursorState | null => {
      if (op.pagination === 'offset') {
        const more = returned < items.length || page.has_more === true;
        return more ? { skip: (state.skip ?? 0) + returned } : null;
      }
      const closeNext = op.pagination === 'cursor' ? page.cursor_next : page.cursor;
      if (seen + returned < items.length) return { cursor: state.cursor ?? null, seen: seen + returned, pageLimit };
      return typeof closeNext === 'string' && closeNext ? { cursor: closeNext } : null;
    };
    const build = (kept: number): JsonObject => {
      const next = nextOf(kept);
      const out: JsonObject = { data: data.slice(0, kept), next_cursor: next ? encodeCursor(next) : null };
      if (typeof page.total_results === 'number' || page.total_results === null) out.total_results = page.total_results;
      return out;
    };
    const { body: result, note } = fitPage(ctx, data, build);
    return fitResult(ctx, result, note === undefined ? {} : { note });
  } catch (err) {
    return failure(
      ctx,
      op,
      err,
      signal?.aborted
        ? 'the request was cancelled'
        : deadline.signal.aborted
          ? `no answer within ${deadlineMs / 1000} s`
          : undefined,
      answer,
    );
  }
}

/** The status and Content-Type of the last answer the client got for one tool call (answerRecorder). */
interface Answer {
  status?: number;
  contentType?: string;
}
const answers = new AsyncLocalStorage<Answer>();

/**
 * A `fetch` for the tools' client (below its credentials and retries) that notes each answer's status
 * and Content-Type for the tool call it serves. A 2xx read whose body is not JSON surfaces from
 * openapi-fetch as a bare SyntaxError; with this, the model is told which status Close sent.
 */
export function answerRecorder(
  inner: (input: Request, init?: RequestInit) => Promise<Response> = (input, init) => globalThis.fetch(input, init),
): (input: Request, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const response = await inner(input, init);
    const answer = answers.getStore();
    if (answer) {
      answer.status = response.status;
      answer.contentType = response.headers.get('content-type') ?? undefined;
    }
    return response;
  };
}

/** Gateway answers: the request may have reached Close and been processed behind them. */
const GATEWAY = new Set([502, 503, 504]);

/** A thrown error as a tool error the model can act on: what was called, the status if any, and what to do. */
function failure(
  ctx: ExecuteContext,
  op: OperationInfo,
  err: unknown,
  /** Why the call was stopped, if it was: cancelled by the client, or past the deadline. */
  stopped: string | undefined,
  answer: Answer,
): CallToolResult {
  if (err instanceof ToolInputError) return errorResult(ctx, err.message);
  const where = `${op.operationId} (${op.method.toUpperCase()} ${op.path})`;
  const operation = op.operationId;
  const unknownOutcome = 'it may or may not have been applied, and it was not retried: check before calling again.';
  const Unknown = `I${unknownOutcome.slice(1)}`;
  if (err instanceof CloseApiError) {
    const details: JsonObject = { operation, status: err.status };
    if (Object.keys(err.fieldErrors).length) details.field_errors = err.fieldErrors as JsonObject;
    if (err.retryAfterMs !== undefined) details.retry_after_ms = err.retryAfterMs;
    // A gateway's 502/503/504 to a write says nothing of whether Close got and processed it.
    if (isWrite(op) && GATEWAY.has(err.status))
      return errorResult(
        ctx,
        `${where}: ${err.message}. A ${err.status} does not say whether Close processed the write: ${unknownOutcome}`,
        {
          ...details,
          outcome_unknown: true,
        },
      );
    return errorResult(ctx, err.message, details);
  }
  if (err instanceof CloseRateLimitError) {
    const secs = Math.ceil(err.askedMs / 1000);
    return errorResult(
      ctx,
      `Close asked to wait ${secs} s before this request (rate limit), longer than this server waits. Nothing was processed: call again after ${secs} s.`,
      { operation, status: 429, retry_after_ms: err.askedMs },
    );
  }
  if (stopped) {
    // Nothing in flight (a wait was cut short) or a read: safe again. A write cut off on the wire: unknown.
    const known = !isWrite(op) || (err instanceof CloseAbortError && !err.outcomeUnknown);
    const then = known ? 'Nothing was changed; you may call again.' : Unknown;
    return errorResult(ctx, `Stopped: ${stopped}. ${then}`, { operation, outcome_unknown: !known });
  }
  if (err instanceof CloseResponseParseError) {
    const body = err.problem === 'unreadable' ? 'could not be read' : 'is not valid JSON';
    const type = err.contentType ? ` (${err.contentType})` : '';
    return errorResult(
      ctx,
      `${where}: Close answered HTTP ${err.status} but the body ${body}${type}. The write was applied: do not call again; read the record back instead.`,
      { operation, status: err.status, write_succeeded: true },
    );
  }
  if (err instanceof SyntaxError) {
    // openapi-fetch's JSON.parse of a 2xx body (a read: writes throw CloseResponseParseError).
    const status = answer.status === undefined ? 'a success status' : `HTTP ${answer.status}`;
    const type = answer.contentType ? ` (${answer.contentType})` : '';
    return errorResult(
      ctx,
      `${where}: Close answered ${status} with a body that is not valid JSON${type}, so there is no result. Nothing was changed; calling again later may work.`,
      answer.status === undefined ? { operation } : { operation, status: answer.status },
    );
  }
  if (err instanceof CloseNetworkError) {
    const reason = typeof err.cause === 'string' ? err.cause : 'no answer';
    const tries = `${err.attempts} attempt${err.attempts === 1 ? '' : 's'}`;
    return err.outcomeUnknown
      ? errorResult(ctx, `${where}: the connection failed before an answer (${reason}). ${Unknown}`, {
          operation,
          outcome_unknown: true,
        })
      : errorResult(
          ctx,
          `${where}: no answer from Close after ${tries} (${reason}). Nothing was changed; try again later.`,
          {
            operation,
          },
        );
  }
  if (isObj(err) && err.outcomeUnknown === true)
    return errorResult(ctx, `${where}: ${errText(err)} ${Unknown}`, { operation, outcome_unknown: true });
  return errorResult(ctx, `${where}: ${errText(err)}`, { operation });
}

const errText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));
