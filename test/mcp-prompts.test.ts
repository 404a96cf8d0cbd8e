// The workflow prompts (workflows/*.arazzo.yaml through src/mcp/workflows.ts) as this server offers
// them: every step names a tool that takes the step's arguments (or the tool that does the same, with
// an example that passes its schema and finds the record in a real sandbox), no prompt sends the
// model to a tool --allow leaves out (it names the scope instead), and an unknown prompt is -32602.
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type Safety } from '../generated/operations.js';
import { validate } from '../src/mcp/execute.js';
import { toolSchemas } from '../src/mcp/schema.js';
import { toolName } from '../src/mcp/search.js';
import { INSTEAD, loadWorkflows, stepPlan } from '../src/mcp/workflows.js';
import { type RunningSandbox, startSandbox } from '../src/sandbox/index.js';
import { call, connect, structured } from './support/mcp.js';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});

const workflows = loadWorkflows();
const takes = (id: string, arg: string) => {
  const s = toolSchemas(operations[id as keyof typeof operations]);
  return Object.hasOwn(s.input.properties as object, arg) || (s.args.bodyPatterns && arg.startsWith('custom.'));
};

async function promptText(allow: Safety[], name: string, args: Record<string, string> = {}): Promise<string> {
  const c = await connect(sandbox.url, { allow });
  try {
    const got = await c.client.getPrompt({ name, arguments: args });
    const content = got.messages[0]?.content;
    return content?.type === 'text' ? content.text : '';
  } finally {
    await c.close();
  }
}

describe('workflow prompts', () => {
  it('every step runs on a tool that takes its arguments, or on the one INSTEAD names', () => {
    expect(workflows).toHaveLength(5);
    const rerouted: string[] = [];
    for (const w of workflows)
      for (const s of w.steps) {
        const plan = stepPlan(s, { takes });
        if (plan.instead) {
          rerouted.push(`${w.workflowId}.${s.stepId} → ${plan.operationId}`);
          const ex = plan.instead.example('Acme');
          expect(validate(toolSchemas(operations[plan.instead.operationId]).input, ex)).toEqual([]);
        } else expect(plan.missing, `${w.workflowId}.${s.stepId}`).toEqual([]);
      }
    // The two "find the lead by its name" steps use list_leads' deprecated `query`.
    expect(rerouted).toEqual(['followUpTask.findLead → searchData', 'logNoteAndCall.findLead → searchData']);
    expect(Object.keys(INSTEAD)).toEqual(['listLeads query']);
  });

  it('finds a lead by name with search_data, as the prompt says, in a real sandbox', async () => {
    const c = await connect(sandbox.url);
    try {
      const lead = structured<{ data: { id: string; display_name: string }[] }>(
        await call(c.client, 'list_leads', { limit: 1, fields: ['id', 'display_name'] }),
      ).data[0];
      const name = lead?.display_name ?? '';
      const text = await promptText(['read', 'create'], 'logNoteAndCall', { leadName: name, note: 'hi' });
      expect(text).not.toContain('Tool: `list_leads`');
      const m =
        /Tool: `search_data` \(operationId searchData\).*Arguments: (\{.*\}); then take the lead whose display_name is (".*")\.$/m.exec(
          text,
        );
      expect(m, text).not.toBeNull();
      expect(JSON.parse(m?.[2] ?? '""')).toBe(name);
      const found = structured<{ data: { id: string; display_name: string }[] }>(
        await call(c.client, 'search_data', JSON.parse(m?.[1] ?? '{}') as Record<string, unknown>),
      );
      expect(found.data.find((l) => l.display_name === name)?.id).toBe(lead?.id);
    } finally {
      await c.close();
    }
  });

  it('under the default read scope names no tool it cannot call, and says which steps need which scope', async () => {
    const c = await connect(sandbox.url);
    try {
      const { tools } = await c.client.listTools();
      const callable = new Set(tools.map((t) => t.name));
      const { prompts } = await c.client.listPrompts();
      for (const p of prompts) {
        const text = await promptText(['read'], p.name);
        const named = [...text.matchAll(/Tool: `(\w+)`/g)].map((m) => m[1] ?? '');
        for (const n of named) expect(callable.has(n), `${p.name} sends the model to ${n}`).toBe(true);
        const w = workflows.find((x) => x.workflowId === p.name);
        const writes = (w?.steps ?? []).filter(
          (s) => operations[s.operationId as keyof typeof operations].safety !== 'read',
        );
        for (const s of writes) {
          const safety = operations[s.operationId as keyof typeof operations].safety;
          expect(text).toContain(`Needs --allow ${safety} (operation ${s.operationId})`);
          expect(text).not.toContain(toolName(s.operationId));
        }
        if (writes.length) {
          expect(text).toMatch(/This workflow needs --allow read,[a-z,]+; this server allows only read/);
          expect(p.description).toMatch(/Needs --allow read,/);
        } else expect(text).not.toContain('--allow');
      }
      // With the scope, the same step names its tool.
      expect(await promptText(['read', 'create', 'update'], 'followUpTask')).toContain(
        'Tool: `create_task` (operationId createTask)',
      );
    } finally {
      await c.close();
    }
  });

  it('with --tools dynamic, steps go through call_operation', async () => {
    const c = await connect(sandbox.url, { tools: 'dynamic', allow: ['read', 'create'] });
    try {
      const got = await c.client.getPrompt({ name: 'logNoteAndCall', arguments: { leadName: 'Acme', note: 'x' } });
      const text = got.messages[0]?.content.type === 'text' ? got.messages[0].content.text : '';
      expect(text).toContain('`call_operation` with operationId `createCallActivity`');
      expect(text).not.toMatch(/Tool: `create_call_activity`/);
    } finally {
      await c.close();
    }
  });

  it('answers an unknown prompt with -32602 (invalid params), naming the prompts', async () => {
    const c = await connect(sandbox.url);
    try {
      const err = await c.client.getPrompt({ name: 'nope' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(McpError);
      expect((err as McpError).code).toBe(ErrorCode.InvalidParams);
      expect((err as McpError).message).toContain('closeWon');
      expect((err as McpError).message).not.toMatch(/MCP error -32602: MCP error/);
    } finally {
      await c.close();
    }
  });
});
