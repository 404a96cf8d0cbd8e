// What the model is told when a call fails below Close's own error answers, against a real local server
// that misbehaves per path: a 2xx read whose body is not JSON (operation, status, a plain reason), a
// write cut off on the wire (outcome unknown, said once), a gateway's 502/503/504 to a write (outcome
// unknown, not retried) but not to a read, and a 2xx write whose body is not JSON (applied: do not resend).
import { createServer, type Server } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connected, call, connect, errorText } from './support/mcp.js';

let server: Server;
let c: Connected;
/** Requests received, by method and path: a write must reach the server exactly once. */
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/api\/v1/, '');
      const key = `${req.method} ${path}`;
      hits.set(key, (hits.get(key) ?? 0) + 1);
      const gateway = /^\/(task|opportunity|activity\/note)\//.exec(path);
      if (path === '/lead/lead_html/')
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
      else if (path === '/activity/call/') req.socket.destroy();
      else if (gateway || path === '/lead/lead_gateway/') {
        const status = { '/task/': 502, '/opportunity/': 503 }[gateway?.[0] ?? ''] ?? 504;
        res.writeHead(status, { 'content-type': 'text/plain' }).end('upstream trouble');
      } else if (req.method === 'POST' && path === '/lead/')
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "lead_new", broken');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"user_1"}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1`;
  c = await connect(url, { allow: ['read', 'create'] });
});
afterAll(async () => {
  await c.close();
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

const body = (r: CallToolResult) => {
  expect(r.isError).toBe(true);
  return JSON.parse(errorText(r)) as { error: string; [k: string]: unknown };
};

describe('failed calls', () => {
  it('a 2xx read whose body is not JSON: operation, status and a plain reason', async () => {
    const b = body(await call(c.client, 'get_lead', { lead_id: 'lead_html' }));
    expect(b).toMatchObject({ operation: 'getLead', status: 200 });
    expect(b.error).toMatch(
      /^getLead \(GET \/lead\/\{lead_id\}\/\): Close answered HTTP 200 with a body that is not valid JSON \(text\/html\)/,
    );
    expect(b.error).not.toContain('SyntaxError');
    expect(b).not.toHaveProperty('outcome_unknown');
  });

  it('a write cut off on the wire: outcome unknown, said once, sent once', async () => {
    const b = body(
      await call(c.client, 'create_call_activity', { lead_id: 'lead_abc', direction: 'outbound', duration: 900 }),
    );
    expect(b).toMatchObject({ operation: 'createCallActivity', outcome_unknown: true });
    expect(b.error.match(/may or may not/g)).toHaveLength(1);
    expect(b.error).not.toMatch(/outcome is unknown/);
    expect(hits.get('POST /activity/call/')).toBe(1);
  });

  it.each([
    ['create_task', { lead_id: 'lead_abc', text: 'x' }, 'POST /task/', 502],
    ['create_opportunity', { lead_id: 'lead_abc' }, 'POST /opportunity/', 503],
    ['create_note_activity', { lead_id: 'lead_abc', note: 'x' }, 'POST /activity/note/', 504],
  ] as const)('a write answered by a gateway (%s): outcome unknown, not retried', async (tool, args, hit, status) => {
    const b = body(await call(c.client, tool, args));
    expect(b).toMatchObject({ status, outcome_unknown: true });
    expect(b.error.match(/may or may not/g)).toHaveLength(1);
    expect(hits.get(hit)).toBe(1);
  });

  it('a read answered by a gateway is not marked outcome unknown', async () => {
    const b = body(await call(c.client, 'get_lead', { lead_id: 'lead_gateway' }));
    expect(b).toMatchObject({ operation: 'getLead', status: 504 });
    expect(b).not.toHaveProperty('outcome_unknown');
  });

  it('a 2xx write whose body is not JSON: applied, do not send again', async () => {
    const b = body(await call(c.client, 'create_lead', { name: 'x' }));
    expect(b).toMatchObject({ operation: 'createLead', status: 200, write_succeeded: true });
    expect(b.error).toContain('do not call again');
    expect(hits.get('POST /lead/')).toBe(1);
  });
});
