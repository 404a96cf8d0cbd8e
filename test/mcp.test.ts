// The MCP server through the SDK's in-memory transport, against a real local sandbox: the tool list
// (names, annotations, inlined schemas), scopes, confirm, dry runs, paging under the text budget,
// Close's field errors as tool errors, dynamic mode and the workflow prompts.
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../generated/operations.js';
import { type RunningSandbox, startSandbox } from '../src/sandbox/index.js';
import { type Connected, call, connect, errorText, structured } from './support/mcp.js';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});

const allOps = Object.values(operations);
const everything = ['read', 'create', 'update', 'delete'] as const;

function hasKey(node: unknown, key: string): boolean {
  if (Array.isArray(node)) return node.some((n) => hasKey(n, key));
  if (node && typeof node === 'object') return Object.entries(node).some(([k, v]) => k === key || hasKey(v, key));
  return false;
}

async function listTools(c: Connected): Promise<Tool[]> {
  return (await c.client.listTools()).tools;
}

describe('tools/list', () => {
  it('lists one tool per operation, well named, annotated and inlined', async () => {
    const c = await connect(sandbox.url, { allow: [...everything] });
    try {
      const tools = await listTools(c);
      expect(tools.length).toBe(allOps.length + 1);
      const names = new Set(tools.map((t) => t.name));
      expect(names.size).toBe(tools.length);
      for (const t of tools) {
        expect(t.name, t.name).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
        const a = t.annotations ?? {};
        for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const)
          expect(typeof a[hint], `${t.name} ${hint}`).toBe('boolean');
        expect(hasKey(t.inputSchema, '$ref'), `${t.name} has a $ref`).toBe(false);
        expect(t.inputSchema).not.toHaveProperty('oneOf');
        expect(t.inputSchema).not.toHaveProperty('anyOf');
        expect(t.outputSchema?.type).toBe('object');
        expect(t.description, t.name).toContain('Example arguments: {');
      }
      const byName = new Map(tools.map((t) => [t.name, t]));
      expect(byName.get('list_leads')?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
      expect(byName.get('create_call_activity')?.annotations).toMatchObject({
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
      });
      expect(byName.get('update_opportunity')?.annotations).toMatchObject({
        destructiveHint: true,
        idempotentHint: true,
      });
      expect(byName.get('merge_leads')?.annotations).toMatchObject({ destructiveHint: true, idempotentHint: false });
      // confirm is checked by the server (a dry run needs none), so the schema offers it without requiring it.
      expect(byName.get('delete_lead')?.inputSchema.properties?.confirm).toMatchObject({ const: true });
      expect(byName.get('delete_lead')?.inputSchema.properties?.lead_id).toMatchObject({ maxLength: 200 });
      // Server-side and import-only fields are not offered to the model.
      const call = byName.get('create_call_activity')?.inputSchema.properties ?? {};
      expect(call).toHaveProperty('duration');
      expect(call).toHaveProperty('dry_run');
      expect(call).not.toHaveProperty('organization_id');
      expect(call).not.toHaveProperty('date_created');
      expect(byName.get('list_leads')?.inputSchema.properties).toHaveProperty('cursor');
      // The event log's `_limit` stops at 50: the tool's `limit` says so rather than earning a 400.
      expect(byName.get('list_events')?.inputSchema.properties?.limit).toMatchObject({ maximum: 50 });
    } finally {
      await c.close();
    }
  });

  it('lists only reads by default, and writes are not callable', async () => {
    const c = await connect(sandbox.url);
    try {
      const tools = await listTools(c);
      const reads = allOps.filter((o) => o.safety === 'read').length;
      expect(tools.length).toBe(reads + 1);
      expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
      const r = await call(c.client, 'create_lead', { name: 'Nope' });
      expect(r.isError).toBe(true);
      expect(errorText(r)).toMatch(/outside the allowed scope/);
      const found = structured<{ results: { operationId: string }[] }>(
        await call(c.client, 'search_operations', { query: 'create a lead' }),
      );
      expect(found.results.map((x) => x.operationId)).not.toContain('createLead');
    } finally {
      await c.close();
    }
  });
});

describe('tool calls against the sandbox', () => {
  let c: Connected;
  beforeAll(async () => {
    c = await connect(sandbox.url, { allow: [...everything] });
  });
  afterAll(async () => {
    await c.close();
  });

  it('pages a list with limit, fields and next_cursor', async () => {
    const first = structured<{ data: { id: string; display_name: string }[]; next_cursor: string | null }>(
      await call(c.client, 'list_leads', { limit: 3, fields: ['id', 'display_name'] }),
    );
    expect(first.data).toHaveLength(3);
    expect(Object.keys(first.data[0] ?? {}).sort()).toEqual(['display_name', 'id']);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = structured<{ data: { id: string }[] }>(
      await call(c.client, 'list_leads', { limit: 3, cursor: first.next_cursor, fields: ['id'] }),
    );
    expect(second.data).toHaveLength(3);
    const ids = new Set([...first.data, ...second.data].map((l) => l.id));
    expect(ids.size).toBe(6);
  });

  it('keeps a list under the text budget and resumes where it cut', async () => {
    const small = await connect(sandbox.url, { textBudget: 3000 });
    try {
      const r = await call(small.client, 'list_leads', { limit: 30 });
      const text = errorText(r);
      const page = structured<{ data: { id: string }[]; truncated?: boolean; next_cursor: string }>(r);
      expect(page.truncated).toBe(true);
      expect(page.data.length).toBeGreaterThan(0);
      expect(page.data.length).toBeLessThan(30);
      expect(JSON.stringify(page).length).toBeLessThanOrEqual(3000);
      expect(text.length).toBeLessThan(3200);
      const all = structured<{ data: { id: string }[] }>(
        await call(c.client, 'list_leads', { limit: 30, fields: ['id'] }),
      );
      const next = structured<{ data: { id: string }[] }>(
        await call(small.client, 'list_leads', { limit: 1, cursor: page.next_cursor, fields: ['id'] }),
      );
      expect(next.data[0]?.id).toBe(all.data[page.data.length]?.id);
    } finally {
      await small.close();
    }
  });

  it('answers a dry run (of a delete or merge too, without confirm) with the request and sends nothing', async () => {
    const before = sandbox.stats().requests;
    const r = structured<{
      dry_run: boolean;
      request: { method: string; path: string; body: Record<string, unknown> };
    }>(await call(c.client, 'create_lead', { name: 'Dry Run Inc', dry_run: true }));
    expect(r).toEqual({ dry_run: true, request: { method: 'POST', path: '/lead/', body: { name: 'Dry Run Inc' } } });
    const del = structured<{ request: { method: string; path: string } }>(
      await call(c.client, 'delete_lead', { lead_id: 'lead_abc', dry_run: true }),
    );
    expect(del.request).toEqual({ method: 'DELETE', path: '/lead/lead_abc/' });
    const merge = await call(c.client, 'merge_leads', { source: 'lead_a', destination: 'lead_b', dry_run: true });
    expect(merge.isError).toBeFalsy();
    expect(sandbox.stats().requests).toBe(before);
  });

  it('refuses a delete without confirm: true', async () => {
    const lead = structured<{ data: { id: string }[] }>(
      await call(c.client, 'list_leads', { limit: 1, fields: ['id'] }),
    );
    const id = lead.data[0]?.id ?? '';
    const r = await call(c.client, 'delete_lead', { lead_id: id });
    expect(r.isError).toBe(true);
    expect(errorText(r)).toContain('confirm');
    expect(structured<{ id: string }>(await call(c.client, 'get_lead', { lead_id: id, fields: ['id'] })).id).toBe(id);
  });

  it("returns Close's errors as tool errors the model can act on", async () => {
    const bad = await call(c.client, 'create_lead', { nmae: 'typo' });
    expect(bad.isError).toBe(true);
    expect(errorText(bad)).toContain('nmae');
    const missing = await call(c.client, 'get_lead', { lead_id: 'lead_doesnotexist000000000000' });
    expect(missing.isError).toBe(true);
    expect(JSON.parse(errorText(missing))).toMatchObject({ status: 404 });
    const fieldErr = await call(c.client, 'create_opportunity', { lead_id: 'lead_doesnotexist000000000000', value: 5 });
    expect(fieldErr.isError).toBe(true);
    const body = JSON.parse(errorText(fieldErr)) as { status: number; field_errors?: Record<string, unknown> };
    expect(body.status).toBe(400);
    // The sandbox names the field as Close does (`lead`); what matters is that the model gets it.
    expect(Object.keys(body.field_errors ?? {}).length).toBeGreaterThan(0);
  });

  it('creates through the client and the result matches its output schema', async () => {
    const lead = structured<{ id: string; display_name: string }>(
      await call(c.client, 'create_lead', { name: 'MCP Test Co' }),
    );
    expect(lead.id).toMatch(/^lead_/);
    expect(lead.display_name).toBe('MCP Test Co');
  });
});

describe('search_operations', () => {
  it('finds the operation for what an agent types', async () => {
    const c = await connect(sandbox.url, { allow: [...everything] });
    try {
      const top = async (query: string) =>
        structured<{ results: { operationId: string; tool: string }[] }>(
          await call(c.client, 'search_operations', { query }),
        ).results[0];
      expect(await top('log a 15-minute call with Acme')).toMatchObject({
        operationId: 'createCallActivity',
        tool: 'create_call_activity',
      });
      expect((await top('move the deal to Closed Won'))?.operationId).toBe('updateOpportunity');
      expect((await top('who am I'))?.operationId).toBe('getMe');
      expect((await top('what changed since yesterday'))?.operationId).toBe('listEvents');
      const limited = structured<{ results: unknown[] }>(
        await call(c.client, 'search_operations', { query: 'lead', limit: 2 }),
      );
      expect(limited.results).toHaveLength(2);
      // Everything is allowed here, so nothing is outside the scope.
      expect(
        structured<Record<string, unknown>>(await call(c.client, 'search_operations', { query: 'log a call' })),
      ).not.toHaveProperty('outside_scope');
    } finally {
      await c.close();
    }
  });

  it('says when the best match is outside the allowed scope', async () => {
    const c = await connect(sandbox.url, { allow: ['read'] });
    try {
      const found = structured<{
        results: { operationId: string }[];
        outside_scope?: { operationId: string; needs: string };
      }>(await call(c.client, 'search_operations', { query: 'log a 15-minute call with Acme' }));
      expect(found.outside_scope).toMatchObject({ operationId: 'createCallActivity', needs: '--allow create' });
      // The results stay within the scope.
      expect(found.results.map((r) => r.operationId)).not.toContain('createCallActivity');
      const read = structured<Record<string, unknown>>(
        await call(c.client, 'search_operations', { query: 'who am I' }),
      );
      expect(read).not.toHaveProperty('outside_scope');
    } finally {
      await c.close();
    }
  });
});

describe('--tools dynamic', () => {
  it('offers search, describe and call, within the scope', async () => {
    const c = await connect(sandbox.url, { tools: 'dynamic', allow: ['read', 'create'] });
    try {
      const tools = await listTools(c);
      expect(tools.map((t) => t.name)).toEqual(['search_operations', 'describe_operation', 'call_operation']);
      const d = structured<{ inputSchema: { properties: Record<string, unknown> } }>(
        await call(c.client, 'describe_operation', { operationId: 'createNoteActivity' }),
      );
      expect(d.inputSchema.properties).toHaveProperty('note');
      const r = structured<{ data: unknown[] }>(
        await call(c.client, 'call_operation', { operationId: 'listLeads', arguments: { limit: 2 } }),
      );
      expect(r.data).toHaveLength(2);
      const del = await call(c.client, 'call_operation', {
        operationId: 'deleteLead',
        arguments: { lead_id: 'x', confirm: true },
      });
      expect(del.isError).toBe(true);
      const unknown = await call(c.client, 'list_leads', {});
      expect(unknown.isError).toBe(true);
      expect(errorText(unknown)).toContain('call_operation');
    } finally {
      await c.close();
    }
  });

  it('takes the tool name search_operations returns as well as the operationId', async () => {
    const c = await connect(sandbox.url, { tools: 'dynamic', allow: ['read', 'create'] });
    try {
      const found = structured<{ results: { tool: string }[] }>(
        await call(c.client, 'search_operations', { query: 'log a call', limit: 1 }),
      );
      const tool = found.results[0]?.tool ?? '';
      expect(tool).toBe('create_call_activity');
      const d = structured<{ operationId: string }>(await call(c.client, 'describe_operation', { operationId: tool }));
      expect(d.operationId).toBe('createCallActivity');
      const me = structured<{ id: string }>(await call(c.client, 'call_operation', { operationId: 'get_me' }));
      expect(me.id).toMatch(/^user_/);
      const dry = structured<{ request: { path: string } }>(
        await call(c.client, 'call_operation', {
          operationId: 'create_note_activity',
          arguments: { lead_id: 'lead_abc', note: 'hi', dry_run: true },
        }),
      );
      expect(dry.request.path).toBe('/activity/note/');
    } finally {
      await c.close();
    }
  });

  it('answers a wrong name with the closest names, and says "scope" only when that is the reason', async () => {
    const c = await connect(sandbox.url, { tools: 'dynamic' });
    const message = (r: CallToolResult) => (JSON.parse(errorText(r)) as { error: string }).error;
    try {
      const typo = await call(c.client, 'describe_operation', { operationId: 'get_leed' });
      expect(typo.isError).toBe(true);
      expect(message(typo)).toMatch(/No operation is named "get_leed"\. Closest: getLead \(tool get_lead\)/);
      expect(errorText(typo)).not.toMatch(/scope|--allow/);
      // Named by what it does: search finds it, and it is outside read, so the scope it needs is given.
      const near = JSON.parse(errorText(await call(c.client, 'call_operation', { operationId: 'log_call' }))) as {
        suggestions: string[];
      };
      expect(near.suggestions[0]).toBe('createCallActivity (tool create_call_activity, needs --allow create)');
      const scoped = await call(c.client, 'call_operation', {
        operationId: 'deleteLead',
        arguments: { lead_id: 'lead_abc', confirm: true },
      });
      expect(errorText(scoped)).toContain('outside the allowed scope');
      expect(errorText(scoped)).toContain('--allow read,delete');
      const nothing = await call(c.client, 'describe_operation', { operationId: 'frobnicate' });
      expect(message(nothing)).toMatch(/No operation is named "frobnicate"\. Use search_operations/);
    } finally {
      await c.close();
    }
  });

  it('in all-tools mode too: unknown names get the closest tools, out-of-scope ones the scope', async () => {
    const c = await connect(sandbox.url);
    try {
      expect(errorText(await call(c.client, 'list_lead', {}))).toMatch(/Closest: listLeads \(tool list_leads\)/);
      const scoped = errorText(await call(c.client, 'create_lead', { name: 'x' }));
      expect(scoped).toContain('outside the allowed scope');
      expect(scoped).toContain('--allow read,create');
      expect(errorText(await call(c.client, 'getMe', {}))).toContain('the tool of getMe is get_me');
      expect(errorText(await call(c.client, 'describe_operation', { operationId: 'getMe' }))).toContain(
        'only with --tools dynamic',
      );
    } finally {
      await c.close();
    }
  });
});

describe('prompts', () => {
  it('offers the five workflows without the credential input', async () => {
    const c = await connect(sandbox.url, { allow: ['read', 'create'] });
    try {
      const { prompts } = await c.client.listPrompts();
      expect(prompts.map((p) => p.name).sort()).toEqual(
        ['closeWon', 'followUpTask', 'formToLead', 'logNoteAndCall', 'smartViewDigest'].sort(),
      );
      for (const p of prompts) expect(p.arguments?.map((a) => a.name)).not.toContain('authorization');
      const got = await c.client.getPrompt({ name: 'logNoteAndCall', arguments: { leadName: 'Acme', note: 'hi' } });
      const text = got.messages[0]?.content.type === 'text' ? got.messages[0].content.text : '';
      expect(text).toContain('create_call_activity');
      expect(text).toContain('"Acme"');
    } finally {
      await c.close();
    }
  });
});
