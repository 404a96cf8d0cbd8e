// The API key never reaches the model: a local server echoes a canary key back in every form (raw,
// JSON-escaped, URL-encoded in either hex case, upper and lower case, hex in either case, HTML character
// references, base64 at each byte offset and URL-safe, Basic) in bodies, error messages, field errors and headers, and
// no tool result, error, prompt or log line of the MCP server may contain any of them. Also: the key
// file must be private, and the Streamable HTTP listener survives hostile requests.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { McpUsageError, originAllowed, parseMcpArgs, readKeyFile, resolveKey, startMcp } from '../src/mcp/cli.js';
import { fireHostileRequests, summaryLine } from './support/hostile.js';
import { call, connect } from './support/mcp.js';

// Printable ASCII without spaces or colons (what the client accepts), with characters that JSON, URL
// and HTML encoding change.
const CANARY = 'cAnArY"k\\ey/+&=%?9Zq~';
/** Percent-encoding with lowercase hex (`%2f`), which decoders accept as well. */
const lowerUrl = (s: string) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const hex = Buffer.from(CANARY).toString('hex');
const htmlDec = [...CANARY].map((c) => `&#${c.charCodeAt(0)};`).join('');
const htmlHex = [...CANARY].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join('');
/** Base64 of the key starting 0, 1 and 2 bytes into the encoded data (as in `Basic base64("user:" + key)`). */
const shifted = ['', 'x', 'user:'].map((before) => Buffer.from(`${before}${CANARY}:`).toString('base64'));
/** Every form the echo server sends back, by name. */
const ECHOES: Record<string, string> = {
  raw: CANARY,
  json: JSON.stringify(CANARY),
  url: encodeURIComponent(CANARY),
  urlLower: lowerUrl(CANARY),
  b64: Buffer.from(CANARY).toString('base64'),
  upper: CANARY.toUpperCase(),
  lower: CANARY.toLowerCase(),
  hex,
  hexUpper: hex.toUpperCase(),
  htmlDec,
  htmlHex,
  htmlHexUpper: htmlHex.toUpperCase(),
  b64at1: shifted[1] ?? '',
  b64at2: shifted[2] ?? '',
  b64url: Buffer.from(`?${CANARY}`).toString('base64url'),
};
/**
 * What must not be found anywhere: each form, and for the base64 ones the part that encodes only key
 * bytes (at offset 1 the first two characters mix in the byte before; at offset 2, three).
 */
const FORMS = [
  CANARY,
  JSON.stringify(CANARY).slice(1, -1),
  encodeURIComponent(CANARY),
  lowerUrl(CANARY),
  CANARY.toUpperCase(),
  CANARY.toLowerCase(),
  hex,
  hex.toUpperCase(),
  htmlDec,
  htmlHex,
  htmlHex.toUpperCase(),
  Buffer.from(`${CANARY}:`).toString('base64'),
  Buffer.from(CANARY).toString('base64'),
  (shifted[1] ?? '').slice(2, 26),
  (shifted[2] ?? '').slice(7, 31),
  Buffer.from(`?${CANARY}`).toString('base64url').slice(2, 26),
];

let echo: Server;
let echoUrl = '';

function echoes(auth: string): Record<string, unknown> {
  return { ...ECHOES, basic: auth };
}

beforeAll(async () => {
  echo = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const headers = { 'content-type': 'application/json', 'x-echo': auth, 'x-request-id': CANARY.replace(/"/g, '') };
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.endsWith('/lead/') && req.method === 'GET') {
      res.writeHead(200, headers);
      res.end(JSON.stringify({ has_more: true, data: [{ id: 'lead_a', display_name: CANARY, ...echoes(auth) }] }));
    } else if (path.startsWith('/api/v1/lead/lead_')) {
      res.writeHead(400, headers);
      res.end(
        JSON.stringify({
          error: `bad key ${CANARY} ${auth}`,
          errors: [encodeURIComponent(CANARY), lowerUrl(CANARY), ...Object.values(ECHOES)],
          'field-errors': { name: `not ${auth}`, [CANARY]: 'x' },
        }),
      );
    } else {
      res.writeHead(500, { 'content-type': 'text/plain', 'x-echo': auth });
      res.end(`server error for ${auth} ${Object.values(ECHOES).join(' ')}`);
    }
  });
  await new Promise<void>((ok) => echo.listen(0, '127.0.0.1', () => ok()));
  echoUrl = `http://127.0.0.1:${(echo.address() as { port: number }).port}/api/v1`;
});
afterAll(async () => {
  await new Promise<void>((ok) => echo.close(() => ok()));
});

/** A form as it reads inside JSON text, escaped once and twice (results are JSON inside JSON). */
const inJson = (form: string): string[] => {
  const once = JSON.stringify(form).slice(1, -1);
  return [form, once, JSON.stringify(once).slice(1, -1)];
};

function expectClean(text: string): void {
  expect(FORMS.filter((form) => inJson(form).some((f) => text.includes(f)))).toEqual([]);
}

describe('the canary key', () => {
  it('appears in no tool result, error or log line (in-process)', async () => {
    const c = await connect(echoUrl, { key: CANARY, allow: ['read', 'create', 'update', 'delete'] });
    try {
      const results = [
        await call(c.client, 'list_leads', { limit: 5 }),
        await call(c.client, 'get_lead', { lead_id: 'lead_abc' }),
        await call(c.client, 'create_lead', { name: 'x' }),
        await call(c.client, 'create_lead', { name: CANARY, dry_run: true }),
        await call(c.client, 'search_operations', { query: CANARY }),
      ];
      // The echo server did put the key in the answers, so this test can fail.
      expect(JSON.stringify(results)).toContain('[REDACTED]');
      expect(results[1]?.isError).toBe(true);
      expect(results[2]?.isError).toBe(true);
      expectClean(JSON.stringify(results));
      expectClean(c.logs.join('\n'));
      const prompt = await c.client.getPrompt({ name: 'formToLead', arguments: { company: 'Acme' } });
      expectClean(JSON.stringify(prompt));
    } finally {
      await c.close();
    }
  });

  it('appears nowhere on stdout or stderr of the command (stdio)', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', 'src/cli.ts', 'mcp', '--base-url', echoUrl, '--allow', 'read,create'],
      env: { ...(process.env as Record<string, string>), CLOSE_API_KEY: CANARY },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const client = new Client({ name: 'canary', version: '1' });
    await client.connect(transport);
    try {
      const out = [
        await client.callTool({ name: 'list_leads', arguments: {} }),
        await client.callTool({ name: 'get_lead', arguments: { lead_id: 'lead_abc' } }),
        await client.callTool({ name: 'create_lead', arguments: { name: 'y' } }),
      ];
      expect(JSON.stringify(out)).toContain('[REDACTED]');
      expectClean(JSON.stringify(out));
    } finally {
      await client.close();
    }
    expect(stderr).toContain('[mcp] tool list_leads');
    expectClean(stderr);
  }, 90_000);
});

describe('where the key comes from', () => {
  it('refuses a key file that group or others can read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-key-'));
    const file = join(dir, 'key');
    writeFileSync(file, `${CANARY}\n`);
    chmodSync(file, 0o644);
    expect(() => readKeyFile(file)).toThrow(McpUsageError);
    expect(() => readKeyFile(file)).toThrow(/chmod 600/);
    chmodSync(file, 0o600);
    expect(readKeyFile(file)).toBe(CANARY);
  });

  it('uses a random key under --sandbox, never CLOSE_API_KEY or --key-file', () => {
    const key = resolveKey({ sandbox: true, keyFile: '/nonexistent/key' }, { CLOSE_API_KEY: CANARY });
    expect(key).toMatch(/^sandbox_[0-9a-f]{24}$/);
    expect(resolveKey({ sandbox: true }, {})).not.toBe(key);
    expect(resolveKey({ sandbox: false }, { CLOSE_API_KEY: ` ${CANARY} ` })).toBe(CANARY);
    expect(() => resolveKey({ sandbox: false }, {})).toThrow(/no API key/);
  });

  it('has no flag or tool argument for the key itself', () => {
    expect(() => parseMcpArgs(['--key', CANARY])).toThrow(/unknown option '--key'/i);
    expect(() => parseMcpArgs(['--allow', 'read,write'])).toThrow(/--allow/);
    expect(parseMcpArgs(['--allow', 'read,delete']).allow).toEqual(new Set(['read', 'delete']));
  });
});

describe('Streamable HTTP', () => {
  it('serves on 127.0.0.1 and survives hostile requests', async () => {
    const limits = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 };
    const running = await startMcp({ ...parseMcpArgs(['--sandbox', '--http', '0', '--quiet']) }, {}, limits);
    try {
      const url = running.url ?? '';
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const summary = await fireHostileRequests(url.replace(/\/mcp$/, ''), {
        probe: { method: 'GET', path: '/mcp', status: 405 },
        bodyPath: '/mcp',
        serverLimits: { ...limits, maxBodyBytes: 1_000_000 },
        oversizedBytes: 4_000_000,
        total: 1500,
        deadlineMs: 40_000,
      });
      console.log(summaryLine('mcp http', summary));
      expect(summary.problems).toEqual([]);
      expect(summary.stillAnswers).toBe(true);
      expect(summary.oversize.status).toBe(413);
      // fetch cannot set Host; a raw request can (as a DNS-rebinding page's browser would send it).
      const wrongHost = await new Promise<number>((ok, ko) => {
        const req = request(
          url,
          { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            ok(res.statusCode ?? 0);
          },
        );
        req.on('error', ko);
        req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
      });
      expect(wrongHost).toBe(403);
      // Origin (MCP spec, DNS rebinding): absent or loopback passes, any other page is refused.
      const post = (origin: string) =>
        fetch(url, {
          method: 'POST',
          headers: { origin, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        }).then((r) => r.status);
      expect(await post('http://evil.example')).toBe(403);
      expect(await post('http://localhost.evil.example:8080')).toBe(403);
      expect(await post('null')).toBe(403);
      expect(await post('http://localhost:5173')).toBe(200);
      expect(await post('http://127.0.0.1:8080')).toBe(200);
      const client = new Client({ name: 'http', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const { tools } = await client.listTools();
      expect(tools.some((t) => t.name === 'list_leads')).toBe(true);
      const r = await client.callTool({ name: 'get_me', arguments: {} });
      expect(r.isError).toBeFalsy();
      await client.close();
    } finally {
      await running.close();
    }
  }, 90_000);
});

describe('the --http listener', () => {
  it('checks origins as a loopback-only page allow-list', () => {
    expect(originAllowed(undefined)).toBe(true);
    for (const ok of ['http://localhost', 'http://localhost:3000', 'https://127.0.0.1:8443', 'http://[::1]:80'])
      expect(originAllowed(ok), ok).toBe(true);
    for (const bad of ['http://evil.example', 'null', 'file://', 'http://127.0.0.1.evil.example', 'ftp://localhost'])
      expect(originAllowed(bad), bad).toBe(false);
  });

  it('says to choose another port with --http when the port is in use', async () => {
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', () => ok()));
    const port = (busy.address() as { port: number }).port;
    const errors: string[] = [];
    const original = console.error;
    console.error = (...a: unknown[]) => errors.push(a.join(' '));
    try {
      expect(await main(['mcp', '--sandbox', '--quiet', '--http', String(port)])).toBe(1);
    } finally {
      console.error = original;
      busy.close();
    }
    expect(errors.join('\n')).toContain('choose another with --http PORT');
  });
});
