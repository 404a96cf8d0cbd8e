// The Arazzo workflows of workflows/*.arazzo.yaml, offered by the MCP server as prompts: each prompt
// tells the model the steps in order, with the tool to call for each. The `authorization` input is
// never part of a prompt (the server holds the key); run the same files with `redocly respect`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
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
        steps: ((w.steps as Raw[] | undefined) ?? []).map((s) => ({
          stepId: str(s.stepId),
          operationId: str(s.operationId),
          description: str(s.description),
        })),
      });
    }
  }
  return out;
}

/** The prompt text of a workflow: goal, the given inputs, and each step with its tool. */
export function renderPrompt(w: Workflow, args: Record<string, string>): string {
  const given = w.inputs
    .map(
      (i) =>
        `- ${i.name}: ${args[i.name] !== undefined ? JSON.stringify(String(args[i.name]).slice(0, 500)) : '(ask the user)'}`,
    )
    .join('\n');
  const steps = w.steps
    .map((s, n) => `${n + 1}. ${s.description} Tool: \`${toolName(s.operationId)}\` (operationId ${s.operationId}).`)
    .join('\n');
  return [
    `Goal: ${w.summary}.`,
    w.description,
    given ? `Inputs:\n${given}` : '',
    `Steps:\n${steps}`,
    'Check each answer before the next step; on a tool error, read its field errors and correct the arguments. Use dry_run: true first if unsure.',
    `(Workflow ${w.workflowId} in workflows/${w.file}.)`,
  ]
    .filter(Boolean)
    .join('\n\n');
}
