// Helpers for the MCP tests: a server (src/mcp/server.ts) wired to a real client and a real local
// sandbox, connected to the SDK's Client through InMemoryTransport.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Safety } from '../../generated/operations.js';
import { createCloseClient } from '../../src/client.js';
import { mcpCloseClient } from '../../src/mcp/cli.js';
import { answerRecorder } from '../../src/mcp/execute.js';
import { type CloseMcpOptions, createCloseMcpServer, keyRedactor } from '../../src/mcp/server.js';

export interface Connected {
  client: Client;
  logs: string[];
  close(): Promise<void>;
}

export async function connect(
  baseUrl: string,
  opts: {
    key?: string;
    allow?: Safety[];
    tools?: 'all' | 'dynamic';
    textBudget?: number;
    deadlineMs?: number;
    /** `mcp`: the client `close-crm-openapi mcp` uses (retries, bounded waits); default: no retries. */
    client?: 'mcp';
  } = {},
): Promise<Connected> {
  const key = opts.key ?? 'test_key_abc';
  const close =
    opts.client === 'mcp'
      ? mcpCloseClient(key, baseUrl)
      : createCloseClient({ apiKey: key, baseUrl, retry: false, timeoutMs: 10_000, fetch: answerRecorder() });
  const logs: string[] = [];
  const options: CloseMcpOptions = {
    call: close.call as CloseMcpOptions['call'],
    redact: keyRedactor(key),
    allow: new Set(opts.allow ?? ['read']),
    tools: opts.tools ?? 'all',
    log: (line) => logs.push(line),
    ...(opts.textBudget ? { textBudget: opts.textBudget } : {}),
    ...(opts.deadlineMs ? { deadlineMs: opts.deadlineMs } : {}),
  };
  const server = createCloseMcpServer(options);
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
  return {
    client,
    logs,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** Calls a tool; the SDK client checks structuredContent against the tool's outputSchema. */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export function structured<T = Record<string, unknown>>(r: CallToolResult): T {
  if (r.isError) throw new Error(`tool error: ${JSON.stringify(r.content)}`);
  return r.structuredContent as T;
}

export function errorText(r: CallToolResult): string {
  const first = r.content[0];
  return first && first.type === 'text' ? first.text : '';
}
