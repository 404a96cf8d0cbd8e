// Every tool's worked example ("Example arguments: {…}" in its description, as tools/list sends it)
// passes the tool's own input schema, checked with the validator the server checks arguments with
// (src/mcp/execute.ts validate). In both tool modes and with every scope, so no tool is left out.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../generated/operations.js';
import type { JsonObject } from '../src/lib/spec-validator.js';
import { validate } from '../src/mcp/execute.js';
import { type RunningSandbox, startSandbox } from '../src/sandbox/index.js';
import { call, connect, structured } from './support/mcp.js';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});

const everything = ['read', 'create', 'update', 'delete'] as const;

function exampleOf(t: Tool): JsonObject {
  const m = /Example arguments: (\{.*\})\s*$/m.exec(t.description ?? '');
  expect(m, `${t.name} has no example`).not.toBeNull();
  return JSON.parse(m?.[1] ?? '{}') as JsonObject;
}

describe('worked examples', () => {
  it('every tool of every operation: its example passes its input schema', async () => {
    const c = await connect(sandbox.url, { allow: [...everything] });
    try {
      const { tools } = await c.client.listTools();
      expect(tools).toHaveLength(Object.keys(operations).length + 1);
      const failing: Record<string, string[]> = {};
      for (const t of tools) {
        const problems = validate(t.inputSchema as JsonObject, exampleOf(t));
        if (problems.length) failing[t.name] = problems;
      }
      expect(failing).toEqual({});
      // Ids in examples are realistic: the spec's own example ids, with Close's prefixes.
      const ids = tools.flatMap((t) =>
        Object.entries(exampleOf(t)).filter(([k]) => k.endsWith('_id') && t.inputSchema.required?.includes(k)),
      );
      expect(ids.length).toBeGreaterThan(5);
      for (const [k, v] of ids) expect(String(v), k).toMatch(/^[a-z]{4}_[A-Za-z0-9]{10,}$/);
    } finally {
      await c.close();
    }
  });

  it('the three dynamic tools: examples pass, and call_operation’s arguments pass the operation’s schema', async () => {
    const c = await connect(sandbox.url, { tools: 'dynamic', allow: [...everything] });
    try {
      const { tools } = await c.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['search_operations', 'describe_operation', 'call_operation']);
      for (const t of tools) expect(validate(t.inputSchema as JsonObject, exampleOf(t)), t.name).toEqual([]);
      const callEx = exampleOf(tools[2] as Tool) as { operationId: string; arguments: JsonObject };
      const described = structured<{ inputSchema: JsonObject }>(
        await call(c.client, 'describe_operation', { operationId: callEx.operationId }),
      );
      expect(validate(described.inputSchema, callEx.arguments)).toEqual([]);
    } finally {
      await c.close();
    }
  });
});
