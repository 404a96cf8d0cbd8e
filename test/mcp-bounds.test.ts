// The MCP server's bounds, against a real local sandbox: forged cursors and malformed arguments are
// tool errors, never requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../src/sandbox/index.js';
import { type Connected, call, connect, errorText, structured } from './support/mcp.js';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
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
