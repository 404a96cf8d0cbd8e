// `close-crm-openapi mcp`: runs the MCP server over stdio (default) or Streamable HTTP on 127.0.0.1.
// Scope: argument parsing, where the key comes from (CLOSE_API_KEY or a private --key-file, never a
// tool argument), the client the tools execute through, the in-process sandbox, and the HTTP
// listener's guards (bounded bodies, timeouts, Host and Origin checks, one bad request never stops it).
// Logs go to stderr only: on stdio, stdout is the protocol.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Safety } from '../../generated/operations.js';
import { createCloseClient, DEFAULT_BASE_URL } from '../client.js';
import {
  type GuardLimits,
  hardenServer,
  parseRequestTarget,
  readBody,
  resolveLimits,
  sendError,
  serverOptions,
} from '../lib/http-guard.js';
import { type RunningSandbox, startSandbox } from '../sandbox/index.js';
import { answerRecorder, DEFAULT_DEADLINE_MS, DEFAULT_TEXT_BUDGET } from './execute.js';
import { createCloseMcpServer, keyRedactor, parseAllow } from './server.js';

export const MCP_USAGE = `usage: close-crm-openapi mcp [options]

An MCP server with one tool per Close API operation (or three with --tools dynamic), intent
search (search_operations) and the workflows/ as prompts. Speaks stdio unless --http is given.
The API key comes from CLOSE_API_KEY or --key-file; models never see it.

Options:
  --allow KINDS        what tools may do: read (default), or a list of read,create,update,delete
  --tools all|dynamic  one tool per operation (default), or only search/describe/call_operation
  --sandbox            start the local sandbox (demo data) and point the tools at it, with a
                       random key (CLOSE_API_KEY and --key-file are ignored)
  --base-url URL       the Close API to call (default ${DEFAULT_BASE_URL})
  --key-file FILE      read the API key from FILE (must not be readable by group or others)
  --http PORT          serve Streamable HTTP at http://127.0.0.1:PORT/mcp instead of stdio
  --text-budget N      largest answer in characters (default ${DEFAULT_TEXT_BUDGET})
  --quiet              no log lines on stderr
  -h, --help           this help`;

export class McpUsageError extends Error {
  override name = 'McpUsageError';
}

export interface McpArgs {
  allow: Set<Safety>;
  tools: 'all' | 'dynamic';
  sandbox: boolean;
  baseUrl?: string;
  keyFile?: string;
  http?: number;
  textBudget: number;
  quiet: boolean;
  help: boolean;
}

/** Parses the flags with node's util.parseArgs (`--flag value` or `--flag=value`; unknown flags are errors). */
export function parseMcpArgs(argv: readonly string[]): McpArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        allow: { type: 'string' },
        tools: { type: 'string' },
        sandbox: { type: 'boolean' },
        'base-url': { type: 'string' },
        'key-file': { type: 'string' },
        http: { type: 'string' },
        'text-budget': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new McpUsageError((err as Error).message);
  }
  const whole = (flag: string, raw: string, min: number, max: number): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
      throw new McpUsageError(`--${flag} takes a whole number from ${min} to ${max}, got "${raw}"`);
    return Number(raw);
  };
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const out: McpArgs = {
    allow: new Set(['read']),
    tools: 'all',
    sandbox: values.sandbox === true,
    textBudget: DEFAULT_TEXT_BUDGET,
    quiet: values.quiet === true,
    help: values.help === true,
  };
  const allow = str('allow');
  if (allow !== undefined) {
    try {
      out.allow = parseAllow(allow);
    } catch (err) {
      throw new McpUsageError((err as Error).message);
    }
  }
  const tools = str('tools');
  if (tools !== undefined) {
    if (tools !== 'all' && tools !== 'dynamic') throw new McpUsageError(`--tools is all or dynamic, got "${tools}"`);
    out.tools = tools;
  }
  const baseUrl = str('base-url');
  if (baseUrl !== undefined) {
    if (!/^https?:\/\/\S+$/.test(baseUrl))
      throw new McpUsageError(`--base-url must be an http(s) URL, got "${baseUrl}"`);
    out.baseUrl = baseUrl.replace(/\/+$/, '');
  }
  const keyFile = str('key-file');
  if (keyFile !== undefined) out.keyFile = keyFile;
  const http = str('http');
  if (http !== undefined) out.http = whole('http', http, 0, 65535);
  const budget = str('text-budget');
  if (budget !== undefined) out.textBudget = whole('text-budget', budget, 1000, 1_000_000);
  if (out.sandbox && out.baseUrl) throw new McpUsageError('--sandbox and --base-url exclude each other');
  return out;
}

/** Reads the key file, refusing one that the group or others can read (as ssh does for private keys). */
export function readKeyFile(file: string): string {
  const st = statSync(file);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0)
    throw new McpUsageError(
      `${file} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${file}`,
    );
  const key = readFileSync(file, 'utf8').trim();
  if (!key) throw new McpUsageError(`${file} is empty`);
  return key;
}

/**
 * The key the tools call with. Under --sandbox always a random one: the sandbox accepts any key, and a
 * real key must never go to local traffic (the key file is not even read).
 */
export function resolveKey(args: Pick<McpArgs, 'sandbox' | 'keyFile'>, env: NodeJS.ProcessEnv): string {
  if (args.sandbox) return `sandbox_${randomBytes(12).toString('hex')}`;
  const key = args.keyFile ? readKeyFile(args.keyFile) : env.CLOSE_API_KEY?.trim() || undefined;
  if (!key) throw new McpUsageError('no API key: set CLOSE_API_KEY, pass --key-file FILE, or use --sandbox');
  return key;
}

/** Longest wait the tools' client accepts (a 429's Retry-After, pacing): a longer ask is a tool error. */
export const MCP_MAX_DELAY_MS = 10_000;

/**
 * The client the tools execute through: waits bounded well inside a tool call's 30 s deadline, and each
 * answer's status noted for the tool call's error messages (answerRecorder).
 */
export function mcpCloseClient(apiKey: string, baseUrl: string) {
  return createCloseClient({
    apiKey,
    baseUrl,
    timeoutMs: 30_000,
    retry: { maxDelayMs: MCP_MAX_DELAY_MS },
    fetch: answerRecorder(),
  });
}

/**
 * Whether a request's Origin may use the HTTP endpoint (MCP: servers must validate Origin against DNS
 * rebinding). No Origin (not a browser) and loopback pages pass; any other web page is refused.
 */
export function originAllowed(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const u = new URL(origin);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)
    );
  } catch {
    return false;
  }
}

/** Largest JSON-RPC message accepted over HTTP: tool arguments are small; 1 MB is generous. */
const MAX_BODY = 1_000_000;

/** Transport-level refusals in the house shape `{"error": "..."}` (src/lib/http-guard.ts sendError). */
function reply(res: ServerResponse, status: number, message: string): void {
  sendError(res, status, message);
}

export interface RunningMcp {
  close(): Promise<void>;
  /** stdio: resolves once stdin has ended and the requests read from it are answered (or `ms` passed). */
  inputEnded?: Promise<void>;
  /** The HTTP endpoint (with --http), e.g. http://127.0.0.1:3000/mcp. */
  url?: string;
  sandboxUrl?: string;
}

/**
 * Counts the requests the transport passes on and the answers it sends (by JSON-RPC id), from the
 * call on; the function it returns resolves once none is open, or after `ms` (a tool call ends
 * within its own deadline; this bounds the wait anyway).
 */
function trackRequests(transport: StdioServerTransport): (ms: number) => Promise<void> {
  const open = new Set<string | number>();
  let idle: () => void = () => {};
  const onmessage = transport.onmessage;
  transport.onmessage = (message) => {
    if ('method' in message && 'id' in message) open.add(message.id);
    onmessage?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message) => {
    await send(message);
    if (!('method' in message) && 'id' in message && message.id !== undefined) open.delete(message.id);
    if (open.size === 0) idle();
  };
  return (ms) =>
    new Promise<void>((ok) => {
      if (open.size === 0) return ok();
      const timer = setTimeout(ok, ms);
      idle = () => {
        clearTimeout(timer);
        ok();
      };
    });
}

/** Starts the server as the flags say; resolves once it is listening. `limits`: the HTTP guards (tests shorten them). */
export async function startMcp(
  args: McpArgs,
  env: NodeJS.ProcessEnv = process.env,
  limits: Partial<GuardLimits> = {},
): Promise<RunningMcp> {
  const log = args.quiet ? () => {} : (line: string) => process.stderr.write(`[mcp] ${line}\n`);
  let sandbox: RunningSandbox | undefined;
  if (args.sandbox) {
    sandbox = await startSandbox({ port: 0, seed: 'demo' });
    log(`sandbox with demo data at ${sandbox.url}`);
    if (args.keyFile || env.CLOSE_API_KEY?.trim())
      log('--sandbox uses a random key: CLOSE_API_KEY and --key-file are ignored');
  }
  const key = resolveKey(args, env);
  const redact = keyRedactor(key);
  const baseUrl = sandbox?.url ?? args.baseUrl ?? DEFAULT_BASE_URL;
  const close = mcpCloseClient(key, baseUrl);
  const make = () =>
    createCloseMcpServer({
      call: close.call as (id: string, init?: unknown) => Promise<unknown>,
      redact,
      allow: args.allow,
      tools: args.tools,
      textBudget: args.textBudget,
      openWorld: !sandbox,
      log,
    });
  log(`tools ${args.tools}, allow ${[...args.allow].join(',')}, API ${redact(baseUrl)}`);

  if (args.http === undefined) {
    const server = make();
    const transport = new StdioServerTransport();
    // Listened for before connect() starts reading: a file or /dev/null ends at once, a pipe when closed.
    const ended = new Promise<void>((ok) => {
      process.stdin.once('end', ok);
      process.stdin.once('close', ok);
    });
    await server.connect(transport);
    const idle = trackRequests(transport);
    return {
      sandboxUrl: sandbox?.url,
      inputEnded: ended.then(() => idle(DEFAULT_DEADLINE_MS + 5_000)),
      close: async () => {
        await server.close();
        await sandbox?.close();
      },
    };
  }

  const allowedHosts = () => {
    const port = (http.address() as { port: number }).port;
    return [`127.0.0.1:${port}`, `localhost:${port}`];
  };
  const guard: Partial<GuardLimits> = {
    maxBodyBytes: MAX_BODY,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 60_000,
    ...limits,
  };
  // The project's guards (src/lib/http-guard.ts): node's timeouts checked every second, parse errors
  // answered, bodies refused past the limit while they stream.
  const http = createServer(serverOptions(guard), (req, res) => {
    void (async () => {
      try {
        const target = parseRequestTarget(req.url);
        if (!target) return reply(res, 400, 'malformed request target');
        if (target.pathname !== '/mcp') return reply(res, 404, 'not found: the endpoint is /mcp');
        if (req.method !== 'POST') return reply(res, 405, 'POST only (stateless server)');
        // DNS rebinding: a web page's request through a hostile name carries that name in Host.
        if (!allowedHosts().includes(req.headers.host ?? '')) return reply(res, 403, 'Host not allowed');
        // ...and a browser sends the page's own Origin, which a rebinding page cannot choose.
        if (!originAllowed(req.headers.origin)) return reply(res, 403, 'Origin not allowed');
        const raw = await readBody(req, resolveLimits(guard).maxBodyBytes);
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return reply(res, 400, 'the body is not JSON');
        }
        // Stateless: a fresh server and transport per request, so no request can wedge another.
        const server = make();
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
          enableDnsRebindingProtection: true,
          allowedHosts: allowedHosts(),
        });
        res.on('close', () => {
          void transport.close();
          void server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(req, res, body);
      } catch (err) {
        const status = (err as { status?: number }).status ?? 500;
        if (status >= 500) log(`request failed: ${err instanceof Error ? err.message : String(err)}`);
        reply(res, status, err instanceof Error ? redact(err.message) : 'error');
      }
    })();
  });
  hardenServer(http, guard);
  try {
    await new Promise<void>((ok, ko) => {
      http.once('error', ko);
      http.listen(args.http, '127.0.0.1', () => ok());
    });
  } catch (err) {
    await sandbox?.close(); // a port in use must not leave the sandbox running
    throw err;
  }
  const port = (http.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}/mcp`;
  log(`Streamable HTTP at ${url}`);
  return {
    url,
    sandboxUrl: sandbox?.url,
    close: async () => {
      await new Promise<void>((ok) => http.close(() => ok()));
      http.closeAllConnections();
      await sandbox?.close();
    },
  };
}

/** The `mcp` subcommand: runs until stdin closes (stdio) or a signal arrives. */
export async function runMcp(argv: readonly string[]): Promise<void> {
  const args = parseMcpArgs(argv);
  if (args.help) {
    console.log(MCP_USAGE);
    return;
  }
  const running = await startMcp(args);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // stdio: the client closing stdin (or a file or /dev/null read to its end) ends the server.
  void running.inputEnded?.then(stop);
}
