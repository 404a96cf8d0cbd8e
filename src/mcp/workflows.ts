// The Arazzo workflows of workflows/*.arazzo.yaml, offered by the MCP server as prompts: each prompt
// tells the model the steps in order, with the tool to call for each, as this server offers them:
// a step whose request uses an argument the tool does not take (a deprecated form, dropped from the
// tools) names the tool that does the same (INSTEAD), and a step outside --allow names the scope it
// needs instead of a tool the model cannot call. The `authorization` input is never part of a prompt
// (the server holds the key); run the same files with `redocly respect`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { type OperationId, operations, type Safety } from '../../generated/operations.js';
import { toolName } from './search.js';

export const WORKFLOWS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'workflows');
/** Workflow inputs that carry credentials: left out of prompts. */
const SECRET_INPUTS = new Set(['authorization']);

export interface WorkflowInput {
  name: string;
  description: string;
  required: boolean;
}

export interface WorkflowStep {
  stepId: string;
  operationId: string;
  description: string;
  /** Query and path parameters (name and Arazzo value), as the tools name them (`_limit` is `limit`). */
  parameters: { name: string; value: unknown }[];
  /** Top-level keys of the request body, as the tools name them. */
  bodyKeys: string[];
}

export interface Workflow {
  file: string;
  workflowId: string;
  summary: string;
  description: string;
  inputs: WorkflowInput[];
  steps: WorkflowStep[];
}

type Raw = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
/** Close's list controls as the tools name them (src/mcp/schema.ts). */
const toolArg = (name: string): string => ({ _limit: 'limit', _fields: 'fields' })[name] ?? name;

function stepOf(s: Raw): WorkflowStep {
  const params = ((s.parameters as Raw[] | undefined) ?? []).filter((p) => p.in === 'query' || p.in === 'path');
  const payload = (s.requestBody as Raw | undefined)?.payload;
  return {
    stepId: str(s.stepId),
    operationId: str(s.operationId),
    description: str(s.description),
    parameters: params.map((p) => ({ name: toolArg(str(p.name)), value: p.value })),
    bodyKeys: payload && typeof payload === 'object' ? Object.keys(payload).map(toolArg) : [],
  };
}

export function loadWorkflows(dir = WORKFLOWS_DIR): Workflow[] {
  if (!existsSync(dir)) return [];
  const out: Workflow[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.arazzo.yaml'))
    .sort()) {
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as Raw;
    for (const w of (doc.workflows as Raw[] | undefined) ?? []) {
      const schema = (w.inputs as Raw | undefined) ?? {};
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const props = (schema.properties as Record<string, Raw> | undefined) ?? {};
      out.push({
        file,
        workflowId: str(w.workflowId),
        summary: str(w.summary),
        description: str(w.description),
        inputs: Object.entries(props)
          .filter(([name]) => !SECRET_INPUTS.has(name))
          .map(([name, p]) => ({ name, description: str(p.description), required: required.has(name) })),
        steps: ((w.steps as Raw[] | undefined) ?? []).map(stepOf),
      });
    }
  }
  return out;
}

/** What the server offers, which decides how each step reads. */
export interface PromptScope {
  allow: ReadonlySet<Safety>;
  mode: 'all' | 'dynamic';
  /** Whether the tool of `operationId` takes an argument named `argument`. */
  takes: (operationId: string, argument: string) => boolean;
}

/** How to do a step with another tool: the tool, and a worked example built from the step's value. */
interface Instead {
  operationId: OperationId;
  why: string;
  example: (value: string) => Record<string, unknown>;
  next: (value: string) => string;
}

/**
 * Steps the Arazzo files write with an argument the tools do not take, keyed `operationId argument`.
 * `GET /lead/?query=` is deprecated (2022-02) in favour of Advanced Filtering, so list_leads has no
 * `query`; search_data does the same with a full-text `text` node.
 */
export const INSTEAD: Readonly<Record<string, Instead>> = {
  'listLeads query': {
    operationId: 'searchData',
    why: "list_leads has no `query` (Close's deprecated lead search)",
    example: (name) => ({
      query: {
        type: 'and',
        queries: [
          { type: 'object_type', object_type: 'lead' },
          { type: 'text', mode: 'phrase', value: name },
        ],
      },
      fields: { lead: ['id', 'display_name'] },
      limit: 5,
    }),
    next: (name) => `then take the lead whose display_name is ${name}`,
  },
};

/** An Arazzo value as the prompt shows it: a given input's value, else a placeholder naming it. */
function shown(value: unknown, args: Record<string, string>): string {
  const input = typeof value === 'string' ? /^\$inputs\.(\w+)$/.exec(value)?.[1] : undefined;
  if (input) return args[input] !== undefined ? String(args[input]).slice(0, 500) : `<${input}>`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The operation a step runs, or the one INSTEAD names when the step's tool lacks an argument it uses. */
export function stepPlan(
  step: WorkflowStep,
  scope: Pick<PromptScope, 'takes'>,
): { operationId: string; instead?: Instead; value?: unknown; missing: string[] } {
  const args = [...step.parameters.map((p) => p.name), ...step.bodyKeys];
  const missing = args.filter((a) => !scope.takes(step.operationId, a));
  for (const a of missing) {
    const instead = INSTEAD[`${step.operationId} ${a}`];
    if (instead)
      return {
        operationId: instead.operationId,
        instead,
        value: step.parameters.find((p) => p.name === a)?.value,
        missing,
      };
  }
  return { operationId: step.operationId, missing };
}

const safetyOf = (id: string): Safety | undefined =>
  Object.hasOwn(operations, id) ? operations[id as OperationId].safety : undefined;

/** How the model calls an operation here: its tool, or call_operation with --tools dynamic. */
const how = (id: string, mode: PromptScope['mode']) =>
  mode === 'dynamic' ? `\`call_operation\` with operationId \`${id}\`` : `\`${toolName(id)}\` (operationId ${id})`;

/** The kinds of operation a workflow needs, in --allow order. */
export function workflowScopes(w: Workflow, scope: Pick<PromptScope, 'takes'>): Safety[] {
  const needed = new Set(w.steps.map((s) => safetyOf(stepPlan(s, scope).operationId)));
  return (['read', 'create', 'update', 'delete'] as const).filter((k) => needed.has(k));
}

/** The prompt text of a workflow: goal, the given inputs, the scope it needs, and each step with its tool. */
export function renderPrompt(w: Workflow, args: Record<string, string>, scope: PromptScope): string {
  const given = w.inputs
    .map(
      (i) =>
        `- ${i.name}: ${args[i.name] !== undefined ? JSON.stringify(String(args[i.name]).slice(0, 500)) : '(ask the user)'}`,
    )
    .join('\n');
  const blocked: number[] = [];
  const steps = w.steps
    .map((s, n) => {
      const plan = stepPlan(s, scope);
      const safety = safetyOf(plan.operationId);
      if (safety && !scope.allow.has(safety)) {
        blocked.push(n + 1);
        return `${n + 1}. ${s.description} Needs --allow ${safety} (operation ${plan.operationId}), which this server does not allow: do not try it.`;
      }
      if (plan.instead) {
        const value = shown(plan.value, args);
        const example = JSON.stringify(plan.instead.example(value));
        return `${n + 1}. ${s.description} Tool: ${how(plan.operationId, scope.mode)}, since ${plan.instead.why}. Arguments: ${example}; ${plan.instead.next(JSON.stringify(value))}.`;
      }
      return `${n + 1}. ${s.description} Tool: ${how(plan.operationId, scope.mode)}.`;
    })
    .join('\n');
  const needs = workflowScopes(w, scope);
  const scopeLine = blocked.length
    ? `This workflow needs --allow ${needs.join(',')}; this server allows only ${[...scope.allow].join(',')}, so step${blocked.length > 1 ? 's' : ''} ${blocked.join(', ')} cannot be done here. Do the steps before ${blocked.length > 1 ? 'them' : 'it'}, then tell the user what is left and that it needs the server started with --allow ${needs.join(',')}.`
    : '';
  return [
    `Goal: ${w.summary}.`,
    w.description,
    given ? `Inputs:\n${given}` : '',
    scopeLine,
    `Steps:\n${steps}`,
    'Check each answer before the next step; on a tool error, read its field errors and correct the arguments. Use dry_run: true first if unsure.',
    `(Workflow ${w.workflowId} in workflows/${w.file}.)`,
  ]
    .filter(Boolean)
    .join('\n\n');
}
