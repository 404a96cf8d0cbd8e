// The MCP server over the Close operations (`close-crm-openapi mcp`). Scope: one tool per operation
// of the generated operations list (or, with `tools: 'dynamic'`, only search/describe/call), intent
// search, the Arazzo workflows as prompts. Limits: it holds no credentials itself; the caller passes a
// `call` that already carries them (the client's `close.call`) and a `redact` that removes them, and
// every result, error and log line passes through that `redact`. Built on the SDK's low-level Server
// because the tool schemas are JSON Schema derived from the spec, not zod.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListToolsRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { type OperationInfo, operations, type Safety } from '../../generated/operations.js';
import { type JsonObject, loadBundledSpec } from '../lib/spec-validator.js';
import { makeRedactor } from '../redact.js';
import {
  type Call,
  DEFAULT_TEXT_BUDGET,
  type ExecuteContext,
  errorResult,
  execute,
  fitResult,
  validate,
} from './execute.js';
import { nameProblem, operationNamed } from './names.js';
import {
  exampleArguments,
  isList,
  isWrite,
  needsConfirm,
  operationInfo,
  operationObject,
  type ToolSchemas,
  toolSchemas,
} from './schema.js';
import { OperationSearch, toolName } from './search.js';
import { loadWorkflows, type PromptScope, renderPrompt, type Workflow, workflowScopes } from './workflows.js';

export const SAFETIES: readonly Safety[] = ['read', 'create', 'update', 'delete'];
export const VERSION = '0.1.0';

export interface CloseMcpOptions {
  /** Executes an operation by operationId (`close.call` of a client built with the key). */
  call: Call;
  /** Removes the credentials from any text (applied to every result, error and log line). */
  redact: (text: string) => string;
  /** Which kinds of operation are listed and callable. Default: read only. */
  allow?: ReadonlySet<Safety>;
  /** `all` (one tool per operation, plus search_operations) or `dynamic` (search/describe/call). */
  tools?: 'all' | 'dynamic';
  /** Largest answer in characters of JSON (every result, errors included). */
  textBudget?: number;
  /** Longest operation call (ms), retries included; default 30 s. */
  deadlineMs?: number;
  /** Whether the tools reach the real Close (openWorldHint); false for the local sandbox. */
  openWorld?: boolean;
  /** Where log lines go (stderr in the CLI: stdout is the protocol). */
  log?: (line: string) => void;
}

interface OperationTool {
  op: OperationInfo;
  schemas: ToolSchemas;
  tool: Tool;
}

function firstParagraph(text: unknown, max = 600): string {
  if (typeof text !== 'string') return '';
  const para = (text.split(/\n\s*\n/)[0] ?? '').replace(/\s*\n\s*/g, ' ').trim();
  if (para.length <= max) return para;
  const cut = para.slice(0, max);
  const stop = cut.lastIndexOf('. ');
  return stop > max / 2 ? cut.slice(0, stop + 1) : `${cut}…`;
}

function describe(op: OperationInfo, doc: JsonObject, schemas: ToolSchemas): string {
  const o = operationObject(doc, op);
  const lines = [`${op.summary} (${op.method.toUpperCase()} ${op.path}).`, firstParagraph(o.description)];
  if (isList(op))
    lines.push(
      'Returns `data` (at most `limit` items) and `next_cursor`; pass it as `cursor` for more. Use `fields` to keep answers small.',
    );
  if (isWrite(op)) lines.push('`dry_run: true` returns the request it would send without sending it.');
  if (needsConfirm(op))
    lines.push('Cannot be undone: needs `confirm: true`, after asking the user (a dry run needs no confirm).');
  lines.push(`Example arguments: ${JSON.stringify(exampleArguments(op, doc, schemas))}`);
  return lines.filter(Boolean).join('\n');
}

export function annotationsOf(op: OperationInfo, openWorld: boolean): NonNullable<Tool['annotations']> {
  const idempotent = op.method === 'get' || op.method === 'put' || op.method === 'delete';
  return {
    title: op.summary,
    readOnlyHint: op.safety === 'read',
    // Updates overwrite values, deletes and merges remove records: all destructive. Creates only add.
    destructiveHint: op.safety === 'update' || op.safety === 'delete',
    idempotentHint: idempotent,
    openWorldHint: openWorld,
  };
}

/** The tools of every operation in `allow`, in the spec's order. */
export function operationTools(allow: ReadonlySet<Safety>, openWorld = true, doc = loadBundledSpec()): OperationTool[] {
  return Object.values(operations)
    .filter((op) => allow.has(op.safety))
    .map((op) => {
      const schemas = toolSchemas(op, doc);
      const tool: Tool = {
        name: toolName(op.operationId),
        title: op.summary,
        description: describe(op, doc, schemas),
        inputSchema: schemas.input as Tool['inputSchema'],
        outputSchema: schemas.output as Tool['outputSchema'],
        annotations: annotationsOf(op, openWorld),
      };
      return { op, schemas, tool };
    });
}

/** Where an operation lives: the fields search results and descriptions share. */
const OPERATION_REF = {
  operationId: { type: 'string' },
  tool: { type: 'string' },
  method: { type: 'string' },
  path: { type: 'string' },
} as const;

const SEARCH_TOOL: Tool = {
  name: 'search_operations',
  title: 'Find the Close API operation for a task',
  description:
    'Finds the operations that do what you describe, best first, among the ones this server allows; when the best match overall is not allowed here, `outside_scope` names it and the --allow it needs (tell the user). Use it before guessing a tool. Example arguments: {"query":"log a 15-minute call with Acme","limit":3}',
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string', minLength: 1, maxLength: 500, description: 'What you want to do, in plain words.' },
      limit: { type: 'integer', minimum: 1, maximum: 20, description: 'How many results (default 5).' },
    },
    required: ['query'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      results: {
        type: 'array',
        items: {
          type: 'object',
          properties: { ...OPERATION_REF, summary: { type: 'string' } },
          required: ['operationId', 'tool', 'method', 'path', 'summary'],
        },
      },
      outside_scope: {
        type: 'object',
        description: 'The best match overall when this server does not allow it: the scope it needs.',
        properties: { ...OPERATION_REF, summary: { type: 'string' }, needs: { type: 'string' } },
        required: ['operationId', 'tool', 'needs'],
      },
    },
    required: ['results'],
  },
  annotations: {
    title: 'Search operations',
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
};

const OPERATION_ID = {
  type: 'string',
  maxLength: 100,
  description:
    'The operation: its operationId or its tool name from search_operations (createCallActivity or create_call_activity).',
};

const DESCRIBE_TOOL: Tool = {
  name: 'describe_operation',
  title: 'Describe one Close API operation',
  description:
    'Returns what an operation (operationId or tool name) does and the input schema of its arguments, for call_operation. Example arguments: {"operationId":"createCallActivity"}',
  inputSchema: {
    type: 'object',
    properties: { operationId: OPERATION_ID },
    required: ['operationId'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      ...OPERATION_REF,
      safety: { type: 'string' },
      description: { type: 'string' },
      inputSchema: { type: 'object' },
      annotations: { type: 'object' },
    },
    required: ['operationId', 'inputSchema'],
  },
  annotations: {
    title: 'Describe operation',
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
};

const CALL_TOOL = (allow: ReadonlySet<Safety>, openWorld: boolean): Tool => ({
  name: 'call_operation',
  title: 'Call a Close API operation',
  description: `Calls an operation, named by its operationId or tool name (as search_operations returns them), with the arguments describe_operation documents. Allowed here: ${[...allow].join(', ')}. Writes take \`dry_run: true\`; deletes and merges need \`confirm: true\` (not for a dry run). Example arguments: {"operationId":"listLeads","arguments":{"limit":5,"fields":["id","display_name"]}}`,
  inputSchema: {
    type: 'object',
    properties: {
      operationId: OPERATION_ID,
      arguments: { type: 'object', description: 'The arguments, as in describe_operation inputSchema.' },
    },
    required: ['operationId'],
    additionalProperties: false,
  },
  // Results differ per operation; every one is an object (see describe_operation).
  outputSchema: { type: 'object' },
  annotations: {
    title: 'Call operation',
    readOnlyHint: allow.size === 1 && allow.has('read'),
    destructiveHint: allow.has('update') || allow.has('delete'),
    idempotentHint: false,
    openWorldHint: openWorld,
  },
});

/** Creates the server; connect it to a transport (stdio, Streamable HTTP, in-memory). */
export function createCloseMcpServer(options: CloseMcpOptions): Server {
  const allow = options.allow ?? new Set<Safety>(['read']);
  const mode = options.tools ?? 'all';
  const openWorld = options.openWorld ?? true;
  const redact = options.redact;
  const log = (line: string) => options.log?.(redact(line));
  const doc = loadBundledSpec();
  const opTools = operationTools(allow, openWorld, doc);
  const byName = new Map(opTools.map((t) => [t.tool.name, t]));
  const byId = new Map<string, OperationTool>(opTools.map((t) => [t.op.operationId, t]));
  const search = new OperationSearch(
    doc,
    opTools.map((t) => t.op),
  );
  // Over every operation: says when the best match is one that --allow leaves out ("log a call" under
  // the default read scope), so the model can tell the user instead of settling for a read.
  const searchAll = new OperationSearch(doc);
  const ctx: ExecuteContext = {
    call: options.call,
    redact,
    textBudget: options.textBudget ?? DEFAULT_TEXT_BUDGET,
    ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
  };
  const workflows: Workflow[] = loadWorkflows();

  const server = new Server(
    { name: 'close-crm-openapi', title: 'Close CRM (local)', version: VERSION },
    {
      capabilities: { tools: { listChanged: false }, prompts: { listChanged: false } },
      instructions:
        'Tools for the Close CRM API. Find the right one with search_operations ("log a call", "move the deal to Closed Won"). Lists return next_cursor. Writes accept dry_run: true. Ids look like lead_…, cont_…, oppo_….',
    },
  );

  const callTool = CALL_TOOL(allow, openWorld);
  const tools: Tool[] =
    mode === 'dynamic' ? [SEARCH_TOOL, DESCRIBE_TOOL, callTool] : [SEARCH_TOOL, ...opTools.map((t) => t.tool)];
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));

  // Suggestions for a wrong name look among every operation (built on first need), so that one
  // outside --allow is named with the scope it needs rather than passed over.
  let everyOperation: OperationSearch | undefined;
  const searchIds = (words: string) => {
    everyOperation ??= new OperationSearch(doc);
    return everyOperation.search(words, 3).map((r) => r.operationId);
  };
  /** A name that names no callable operation: out of scope (said only then), or unknown with the closest names. */
  const badName = (name: string): CallToolResult => {
    const p = nameProblem(name, allow, searchIds);
    return errorResult(ctx, p.message, p.suggestions.length ? { suggestions: p.suggestions } : undefined);
  };
  /** The allowed operation an operationId or tool name names (describe_operation, call_operation). */
  const named = (name: string): OperationTool | undefined => {
    const op = operationNamed(name);
    return op ? byId.get(op.operationId) : undefined;
  };
  /** A tools/call name that is no tool here: the right way to reach it, or badName. */
  const notATool = (name: string): CallToolResult => {
    const t = named(name);
    if (t && mode === 'dynamic')
      return errorResult(
        ctx,
        `This server offers operations through call_operation (--tools dynamic): call it with {"operationId":"${t.op.operationId}","arguments":{…}}.`,
      );
    if (t)
      return errorResult(
        ctx,
        `No tool is named ${JSON.stringify(name)}: the tool of ${t.op.operationId} is ${t.tool.name}.`,
      );
    if (mode === 'all' && (name === 'describe_operation' || name === 'call_operation'))
      return errorResult(
        ctx,
        `${name} exists only with --tools dynamic: here every operation has its own tool (find it with search_operations).`,
      );
    return badName(name);
  };
  // The three tools of this file check their arguments against their own input schemas, as execute() does.
  const invalid = (tool: Tool, args: JsonObject): CallToolResult | undefined => {
    const problems = validate(tool.inputSchema as JsonObject, args);
    return problems.length ? errorResult(ctx, 'The arguments do not match the input schema.', { problems }) : undefined;
  };

  const runSearch = (args: JsonObject): CallToolResult => {
    const query = String(args.query).trim();
    if (!query) return errorResult(ctx, '`query` must be a non-empty string.');
    const results = search.search(query, typeof args.limit === 'number' ? args.limit : 5);
    const best = searchAll.search(query, 1)[0];
    const op = best === undefined || byId.has(best.operationId) ? undefined : operationNamed(best.operationId);
    if (best === undefined || op === undefined) return fitResult(ctx, { results });
    return fitResult(ctx, { results, outside_scope: { ...best, needs: `--allow ${op.safety}` } });
  };

  const describeOne = (t: OperationTool): CallToolResult =>
    fitResult(ctx, {
      operationId: t.op.operationId,
      tool: t.tool.name,
      method: t.op.method.toUpperCase(),
      path: t.op.path,
      safety: t.op.safety,
      description: t.tool.description ?? '',
      inputSchema: t.schemas.input,
      annotations: (t.tool.annotations ?? {}) as JsonObject,
    });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name } = request.params;
    const args = (request.params.arguments ?? {}) as JsonObject;
    const started = Date.now();
    let result: CallToolResult;
    if (name === 'search_operations') result = invalid(SEARCH_TOOL, args) ?? runSearch(args);
    else if (mode === 'dynamic' && name === 'describe_operation') {
      const t = named(String(args.operationId));
      result = invalid(DESCRIBE_TOOL, args) ?? (t ? describeOne(t) : badName(String(args.operationId)));
    } else if (mode === 'dynamic' && name === 'call_operation') {
      const t = named(String(args.operationId));
      result =
        invalid(callTool, args) ??
        (t ? await execute(t.op, t.schemas, args.arguments, ctx, extra.signal) : badName(String(args.operationId)));
    } else {
      const t = mode === 'all' ? byName.get(name) : undefined;
      result = t ? await execute(t.op, t.schemas, args, ctx, extra.signal) : notATool(name);
    }
    log(`tool ${name} ${result.isError ? 'error' : 'ok'} in ${Date.now() - started} ms`);
    return result;
  });

  const promptScope: PromptScope = { allow, mode, takes: takesArgument(doc) };
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: workflows.map((w) => {
      const needs = workflowScopes(w, promptScope);
      const short = needs.filter((k) => !allow.has(k));
      const note = short.length
        ? ` Needs --allow ${needs.join(',')}: on this server (${[...allow].join(',')}) only the steps before a ${short.join('/')} step can run.`
        : ` Needs --allow ${needs.join(',')}.`;
      return {
        name: w.workflowId,
        title: w.summary,
        description: `${w.description}${note}`,
        arguments: w.inputs.map((i) => ({ name: i.name, description: i.description, required: i.required })),
      };
    }),
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    const w = workflows.find((x) => x.workflowId === request.params.name);
    if (!w)
      throw new InvalidParams(
        redact(
          `Unknown prompt ${JSON.stringify(request.params.name.slice(0, 80))}; the prompts are ${workflows.map((x) => x.workflowId).join(', ')}`,
        ),
      );
    const text = renderPrompt(w, request.params.arguments ?? {}, promptScope);
    return { description: w.summary, messages: [{ role: 'user', content: { type: 'text', text: redact(text) } }] };
  });
  return server;
}

/**
 * A JSON-RPC -32602 (invalid params) answer. Not McpError: the SDK sends `message` as is, and
 * McpError's would read "MCP error -32602: …" before the client adds that prefix again.
 */
class InvalidParams extends Error {
  readonly code = ErrorCode.InvalidParams;
}

/** Whether an operation's tool takes an argument (any operation, allowed or not: prompts name the scope a step needs). */
function takesArgument(doc: JsonObject): PromptScope['takes'] {
  const cache = new Map<string, ToolSchemas | undefined>();
  return (operationId, argument) => {
    if (!cache.has(operationId)) {
      const op = operationInfo(operationId);
      cache.set(operationId, op && toolSchemas(op, doc));
    }
    const schemas = cache.get(operationId);
    if (!schemas) return false;
    return (
      Object.hasOwn(schemas.input.properties as JsonObject, argument) ||
      (schemas.args.bodyPatterns && argument.startsWith('custom.'))
    );
  };
}

/** Parses `--allow read,create`: the kinds of operation tools may run. */
export function parseAllow(raw: string): Set<Safety> {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = parts.filter((p) => !SAFETIES.includes(p as Safety));
  if (!parts.length || bad.length) throw new Error(`--allow takes a list of ${SAFETIES.join(',')}, got "${raw}"`);
  return new Set(parts as Safety[]);
}

/** A redactor for `key`: src/redact.ts, the client's own (raw, JSON-escaped, URL-encoded in either hex case, base64). */
export function keyRedactor(key: string | undefined): (text: string) => string {
  return makeRedactor(key ? [key] : []);
}
