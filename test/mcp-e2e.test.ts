// End to end: spawns the package's `bin` (dist/cli.js, built first if src/ changed since the last build)
// as `close-crm-openapi mcp --sandbox --allow read,create,update` over stdio, as a user's MCP client
// starts it, and drives the five workflows of workflows/ through tool calls only, finding each tool
// with search_operations first.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtBin } from './support/bin.js';

let client: Client;
let stderr = '';

beforeAll(async () => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [builtBin(), 'mcp', '--sandbox', '--allow', 'read,create,update'],
    env: { ...(process.env as Record<string, string>), CLOSE_API_KEY: '' },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  client = new Client({ name: 'e2e', version: '1' });
  await client.connect(transport);
}, 120_000);
afterAll(async () => {
  await client?.close();
});

type Obj = Record<string, unknown>;

async function tool(name: string, args: Obj = {}): Promise<Obj> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
  return r.structuredContent as Obj;
}

/** The tool search_operations ranks first for a phrase: the agent's way in. */
async function find(query: string): Promise<string> {
  const { results } = (await tool('search_operations', { query, limit: 1 })) as { results: { tool: string }[] };
  return results[0]?.tool ?? '';
}

const data = (r: Obj) => r.data as Obj[];

describe('the five workflows through tool calls', () => {
  it('form to lead with the Source custom field', async () => {
    expect(await find('what custom fields do leads have')).toBe('list_lead_custom_fields');
    const fields = data(await tool('list_lead_custom_fields', { fields: ['id', 'name'] }));
    const source = fields.find((f) => f.name === 'Source');
    expect(source?.id).toMatch(/^cf_/);
    const key = `custom.${String(source?.id)}`;
    expect(await find('create a lead from a web form')).toBe('create_lead');
    const lead = await tool('create_lead', {
      name: 'Form Co',
      contacts: [{ name: 'Ann Form', emails: [{ email: 'ann@form.example', type: 'office' }] }],
      [key]: 'Website',
    });
    const got = await tool('get_lead', { lead_id: lead.id });
    expect(got[key]).toBe('Website');
    expect((got.contacts as Obj[])[0]?.name).toBe('Ann Form');
  });

  it('moves an opportunity to Closed Won with its value', async () => {
    const pipelines = data(await tool('list_pipelines'));
    const won = ((pipelines[0]?.statuses ?? []) as Obj[]).find((s) => s.label === 'Closed Won');
    expect(won?.type).toBe('won');
    const open = data(await tool('list_opportunities', { status_type: 'active', limit: 1, fields: ['id'] }));
    expect(await find('move the deal to Closed Won')).toBe('update_opportunity');
    const preview = await tool('update_opportunity', {
      opportunity_id: open[0]?.id,
      status_id: won?.id,
      value: 750000,
      dry_run: true,
    });
    expect(preview.request).toMatchObject({ method: 'PUT', body: { status_id: won?.id, value: 750000 } });
    const updated = await tool('update_opportunity', {
      opportunity_id: open[0]?.id,
      status_id: won?.id,
      value: 750000,
    });
    expect(updated).toMatchObject({ status_type: 'won', value: 750000 });
  });

  it('logs a note and a 15-minute outbound call', async () => {
    // GET /lead/'s `query` is deprecated (so not offered); a page of names is enough in the demo.
    const leads = data(await tool('list_leads', { limit: 100, fields: ['id', 'display_name'] }));
    const leadId = leads.find((l) => l.display_name === 'Northwind Traders')?.id;
    expect(leadId).toMatch(/^lead_/);
    expect(await find('add a note to the lead')).toBe('create_note_activity');
    const note = await tool('create_note_activity', { lead_id: leadId, note: 'Discussed renewal.' });
    expect(note._type).toBe('Note');
    expect(await find('log a 15-minute call with Northwind')).toBe('create_call_activity');
    const callAct = await tool('create_call_activity', { lead_id: leadId, direction: 'outbound', duration: 900 });
    expect(callAct).toMatchObject({ _type: 'Call', direction: 'outbound', duration: 900 });
    const timeline = data(await tool('list_activities', { lead_id: leadId, limit: 10, fields: ['id', '_type'] }));
    expect(timeline.map((a) => a.id)).toEqual(expect.arrayContaining([note.id, callAct.id]));
  });

  it('a smart-view digest', async () => {
    expect(await find('list smart views')).toBe('list_smart_views');
    const views = data(await tool('list_smart_views'));
    const view = views.find((v) => v.name === 'Website leads');
    expect(view).toBeDefined();
    const sQuery = view?.s_query as Obj;
    const found = await tool('search_data', {
      query: sQuery.query,
      limit: 5,
      fields: { lead: ['id', 'display_name'] },
    });
    const rows = data(found);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.display_name).toEqual(expect.any(String));
  });

  it('a follow-up task created and completed', async () => {
    const me = await tool('get_me', { fields: ['id'] });
    const lead = data(await tool('list_leads', { limit: 1, fields: ['id'] }))[0];
    expect(await find('remind me to follow up with Acme next week')).toBe('create_task');
    const task = await tool('create_task', {
      lead_id: lead?.id,
      assigned_to: me.id,
      text: 'Send the proposal',
      date: '2026-12-08',
    });
    expect(task.is_complete).toBe(false);
    expect(await find('mark the task as done')).toBe('update_task');
    const done = await tool('update_task', { task_id: task.id, is_complete: true });
    expect(done.is_complete).toBe(true);
  });

  it('kept its log on stderr and never allowed a delete', async () => {
    const r = (await client.callTool({
      name: 'delete_lead',
      arguments: { lead_id: 'lead_x', confirm: true },
    })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(stderr).toContain('[mcp] tool create_task ok');
  });
});
