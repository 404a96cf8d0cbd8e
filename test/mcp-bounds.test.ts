// The MCP server's bounds, against real local servers: a tool call ends at the client's cancellation
// or the server's deadline, a long Retry-After becomes a tool error, every result (errors included)
// fits the text budget, and forged cursors and malformed arguments are tool errors, never requests.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../src/sandbox/index.js';
import { type Connected, call, connect, errorText, structured } from './support/mcp.js';

let sandbox: RunningSandbox;
let slow: Server;
let slowUrl = '';
/** Requests the slow server has received, and whether each one's connection was closed by the client. */
const received: { path: string; closed: Promise<void> }[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  // /lead/ never answers; /contact/ answers 429 asking for 50 s; /opportunity/ a 100 KB error.
  slow = createServer((req: IncomingMessage, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    received.push({ path, closed: new Promise((ok) => res.on('close', () => ok())) });
    if (path.endsWith('/contact/')) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '50' });
      res.end('{"error":"slow down"}');
    } else if (path.endsWith('/opportunity/')) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'x'.repeat(100_000), 'field-errors': { note: 'y'.repeat(50_000) } }));
    }
  });
  await new Promise<void>((ok) => slow.listen(0, '127.0.0.1', () => ok()));
  slowUrl = `http://127.0.0.1:${(slow.address() as { port: number }).port}/api/v1`;
});
afterAll(async () => {
  slow.closeAllConnections();
  await new Promise<void>((ok) => slow.close(() => ok()));
  await sandbox.close();
});

const body = (r: CallToolResult) => JSON.parse(errorText(r)) as Record<string, unknown>;

describe('deadline and cancellation', () => {
  it('turns a long Retry-After into a tool error saying how long Close asked to wait', async () => {
    const c = await connect(slowUrl, { client: 'mcp' });
    try {
      const before = received.length;
      const r = await call(c.client, 'list_contacts', { limit: 1 });
      expect(r.isError).toBe(true);
      expect(errorText(r)).toContain('wait 50 s');
      expect(body(r)).toMatchObject({ status: 429, retry_after_ms: 50_000 });
      expect(received.length - before).toBe(1); // asked once, not retried for 50 s
    } finally {
      await c.close();
    }
  });

  it('stops a call at the deadline and closes its request', async () => {
    const c = await connect(slowUrl, { client: 'mcp', deadlineMs: 300 });
    try {
      const r = await call(c.client, 'list_leads', { limit: 1 });
      expect(r.isError).toBe(true);
      expect(errorText(r)).toContain('no answer within 0.3 s');
      expect(body(r).outcome_unknown).toBe(false); // a read
      await received.at(-1)?.closed;
    } finally {
      await c.close();
    }
  });

  it("passes the client's cancellation to the request on the wire", async () => {
    const c = await connect(slowUrl, { client: 'mcp' });
    try {
      const before = received.length;
      const cancel = new AbortController();
      const pending = c.client.callTool({ name: 'list_leads', arguments: { limit: 1 } }, undefined, {
        signal: cancel.signal,
      });
      while (received.length === before) await new Promise((ok) => setTimeout(ok, 10));
      cancel.abort();
      await expect(pending).rejects.toThrow();
      // Without the signal the request would stay open until the client's 30 s attempt timeout.
      const closed = await Promise.race([
        received.at(-1)?.closed.then(() => true),
        new Promise((ok) => setTimeout(() => ok(false), 5_000)),
      ]);
      expect(closed).toBe(true);
    } finally {
      await c.close();
    }
  });
});

describe('the text budget holds for every result', () => {
  const BUDGET = 1000;
  const within = (r: CallToolResult, what: string) => {
    const text = r.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
    expect(text.length, `${what} text`).toBeLessThanOrEqual(BUDGET);
    if (r.structuredContent)
      expect(JSON.stringify(r.structuredContent).length, `${what} structured`).toBeLessThanOrEqual(BUDGET);
  };

  it('for lists, single items, errors and the search/describe tools', async () => {
    const c = await connect(sandbox.url, { textBudget: BUDGET, allow: ['read', 'create'] });
    const dyn = await connect(sandbox.url, { textBudget: BUDGET, tools: 'dynamic' });
    const bad = await connect(slowUrl, { textBudget: BUDGET, allow: ['read', 'create'] });
    try {
      const list = await call(c.client, 'list_contacts', { limit: 13, fields: ['id', 'name', 'title', 'lead_id'] });
      const page = structured<{ data: unknown[]; truncated?: boolean; next_cursor: string | null }>(list);
      expect(page.truncated).toBe(true); // the case that used to overshoot: the budget did cut it
      expect(page.next_cursor).toEqual(expect.any(String));
      within(list, 'list_contacts');
      for (const limit of [1, 5, 30, 100]) within(await call(c.client, 'list_leads', { limit }), `list_leads ${limit}`);
      const id = structured<{ data: { id: string }[] }>(await call(c.client, 'list_leads', { limit: 1 })).data[0]?.id;
      within(await call(c.client, 'get_lead', { lead_id: id }), 'get_lead');
      const huge = await call(c.client, 'get_lead', { lead_id: `lead_${'a'.repeat(100_000)}` });
      expect(huge.isError).toBe(true);
      within(huge, 'get_lead with a 100,000-character id');
      const closeError = await call(bad.client, 'list_opportunities', { limit: 1 });
      expect(closeError.isError).toBe(true);
      expect(errorText(closeError)).toContain('xxxx');
      within(closeError, "Close's 100 KB error");
      within(await call(c.client, 'create_lead', { name: 'n'.repeat(50_000), dry_run: true }), 'a huge dry run');
      within(await call(c.client, 'search_operations', { query: 'list leads', limit: 20 }), 'search_operations');
      for (const operationId of ['createLead', 'updateLead', 'listLeads'])
        within(await call(dyn.client, 'describe_operation', { operationId }), `describe ${operationId}`);
    } finally {
      await Promise.all([c.close(), dyn.close(), bad.close()]);
    }
  });
});

describe('arguments and cursors', () => {
  let c: Connected;
  let dyn: Connected;
  beforeAll(async () => {
    c = await connect(sandbox.url, { allow: ['read', 'delete'] });
    dyn = await connect(sandbox.url, { tools: 'dynamic' });
  });
  afterAll(async () => {
    await Promise.all([c.close(), dyn.close()]);
  });
  const cursor = (state: unknown) => Buffer.from(JSON.stringify(state)).toString('base64url');

  it('refuses forged cursors instead of forwarding them', async () => {
    const before = sandbox.stats().requests;
    for (const forged of [{ skip: '1' }, { skip: -5 }, { skip: 1.5 }, { cursor: 5 }, { skip: 1, extra: true }, []]) {
      const r = await call(c.client, 'list_leads', { limit: 1, cursor: cursor(forged) });
      expect(r.isError, JSON.stringify(forged)).toBe(true);
      expect(errorText(r)).toContain('next_cursor');
    }
    const r = await call(c.client, 'list_leads', { limit: 1, cursor: 'not base64 json' });
    expect(r.isError).toBe(true);
    expect(sandbox.stats().requests).toBe(before);
    // A cursor this server made still works.
    const first = structured<{ next_cursor: string }>(await call(c.client, 'list_leads', { limit: 1 }));
    expect((await call(c.client, 'list_leads', { limit: 1, cursor: first.next_cursor })).isError).toBeFalsy();
  });

  it('refuses malformed arguments of call_operation and search_operations', async () => {
    const str = await call(dyn.client, 'call_operation', { operationId: 'listLeads', arguments: 'str' });
    expect(str.isError).toBe(true);
    expect(errorText(str)).toContain('arguments');
    for (const args of [
      { query: 'q'.repeat(501) },
      { query: 'leads', limit: 0 },
      { query: 'leads', limit: 21 },
      { query: 'leads', limit: 2.5 },
      { query: 'leads', extra: 1 },
    ]) {
      const r = await call(dyn.client, 'search_operations', args);
      expect(r.isError, JSON.stringify(args).slice(0, 60)).toBe(true);
    }
    expect((await call(dyn.client, 'search_operations', { query: 'q'.repeat(500) })).isError).toBeFalsy();
  });
});
