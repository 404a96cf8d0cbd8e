#!/usr/bin/env node
// `close-crm-openapi <command>`: the package's command line (`npx close-crm-openapi sandbox`, or
// `npm run sandbox` in this repository).
//
//   sandbox   a stateful local Close API (src/sandbox/) at http://127.0.0.1:4010/api/v1
//   mcp       an MCP server over the operations, for agents (src/mcp/)
//
// Exit codes: 0 after a clean stop (SIGINT/SIGTERM; the --data snapshot is written first), 1 when the
// sandbox cannot start (port in use, unreadable --data file), 2 for a usage error (unknown command or
// flag, a bad value).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { McpUsageError, runMcp } from './mcp/cli.js';
import { type SandboxOptions, type SeedName, startSandbox } from './sandbox/index.js';

const USAGE = `usage: close-crm-openapi <command> [options]

Commands:
  sandbox          Run a stateful, in-memory Close API on this machine: every operation of the
                   spec with state, Close's errors, rate-limit headers and pagination.
  mcp              An MCP server for agents: one tool per operation, intent search, scopes,
                   dry runs; the API key stays out of the model's context.

Run "close-crm-openapi <command> --help" for a command's options.`;

const SANDBOX_USAGE = `usage: close-crm-openapi sandbox [options]

Serves the Close API at http://<host>:<port>/api/v1 (and without the /api/v1 prefix). Any API key
is accepted: curl -u anykey: http://127.0.0.1:4010/api/v1/lead/

Options:
  --port N              TCP port (default 4010; 0 picks a free one)
  --host HOST           interface to listen on (default 127.0.0.1)
  --seed demo|empty     starting data (default demo: a small organisation with 30 leads)
  --data FILE           load the state from FILE at start (when it exists) and write it back on
                        shutdown (Ctrl-C / SIGTERM)
  --rate-limit N/SECS   N requests per SECS seconds and API key, then 429 (default 1000/1)
  --fail-every N        answer every N-th request with a 429 (default off), to test retries
  --quiet               do not print a line per request
  -h, --help            this help`;

/** A command-line mistake: printed with the usage hint, exit code 2. */
class UsageError extends Error {
  override name = 'UsageError';
}

interface SandboxArgs {
  options: SandboxOptions;
  quiet: boolean;
  help: boolean;
}

function wholeNumber(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, got "${raw}"`);
  return Number(raw);
}

/** Parses the sandbox's flags (`--flag value` or `--flag=value`). */
export function parseSandboxArgs(argv: readonly string[]): SandboxArgs {
  const options: SandboxOptions = {};
  let quiet = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--port':
        options.port = wholeNumber(flag, value(), 0, 65535);
        break;
      case '--host': {
        const host = value();
        if (!host) throw new UsageError('--host needs a value');
        options.host = host;
        break;
      }
      case '--seed': {
        const seed = value();
        if (seed !== 'demo' && seed !== 'empty') throw new UsageError(`--seed is demo or empty, got "${seed}"`);
        options.seed = seed as SeedName;
        break;
      }
      case '--data': {
        const file = value();
        if (!file) throw new UsageError('--data needs a file name');
        options.data = file;
        break;
      }
      case '--rate-limit': {
        const raw = value();
        const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(raw);
        if (!m?.[1] || !m[2] || Number(m[1]) < 1 || Number(m[2]) <= 0)
          throw new UsageError(
            `--rate-limit takes REQUESTS/SECONDS, e.g. 100/1 or 20/10 (both positive), got "${raw}"`,
          );
        options.rateLimit = { requests: Number(m[1]), seconds: Number(m[2]) };
        break;
      }
      case '--fail-every':
        options.failEvery = wholeNumber(flag, value(), 0);
        break;
      case '--quiet':
      case '-q':
        quiet = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(arg.startsWith('-') ? `unknown option ${flag}` : `unexpected argument "${arg}"`);
    }
  }
  return { options, quiet, help };
}

async function runSandbox(argv: readonly string[]): Promise<void> {
  const { options, quiet, help } = parseSandboxArgs(argv);
  if (help) {
    console.log(SANDBOX_USAGE);
    return;
  }
  const sandbox = await startSandbox({
    ...options,
    ...(quiet ? {} : { log: (line: string) => console.log(`[sandbox] ${line}`) }),
  });
  const limit = options.rateLimit ?? { requests: 1000, seconds: 1 };
  console.log(`Close API sandbox listening on ${sandbox.url}`);
  console.log(
    `  seed ${options.seed ?? 'demo'}${options.data ? `, data ${options.data}` : ''}, rate limit ${limit.requests}/${limit.seconds}s${options.failEvery ? `, a 429 every ${options.failEvery} requests` : ''}`,
  );
  console.log(`  try: curl -u anykey: ${sandbox.url}/lead/   (Ctrl-C stops${options.data ? ' and saves' : ''})`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox${options.data ? ` and writing ${options.data}` : ''}...`);
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`close-crm-openapi: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Runs the command line; resolves with the exit code for errors (servers keep running otherwise). */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === 'sandbox') {
      await runSandbox(rest);
      return undefined;
    }
    if (command === 'mcp') {
      await runMcp(rest);
      return undefined;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (err) {
    if (err instanceof UsageError || err instanceof McpUsageError) {
      const sub = command === 'sandbox' || command === 'mcp' ? `${command} ` : '';
      console.error(`close-crm-openapi: ${err.message}\n(run "close-crm-openapi ${sub}--help")`);
      return 2;
    }
    const e = err as NodeJS.ErrnoException;
    const detail =
      e.code === 'EADDRINUSE'
        ? `the port is already in use (${e.message}); choose another with ${command === 'mcp' ? '--http PORT' : '--port'}`
        : e instanceof Error
          ? e.message
          : String(err);
    console.error(`close-crm-openapi: ${detail}`);
    return 1;
  }
}

/** Whether this module is what node was started with (through npm's bin symlink, tsx or plain node). */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const code = await main(process.argv.slice(2));
  if (code !== undefined) process.exit(code);
}
