// `npm start` (tsx scripts/start.ts): the spec served the way users consume it, in one process.
//   - the sandbox (src/sandbox: a stateful Close API with demo data) on http://127.0.0.1:4010
//     ($SANDBOX_PORT), base URL http://127.0.0.1:4010/api/v1 (or the root)
//   - the mock of the Close API (scripts/mock.ts: Prism + Close-shaped validation errors, stateless answers
//     from the spec's examples) on http://127.0.0.1:4011 ($MOCK_PORT), base URL …:4011/api/v1 (or the root)
//   - the Redoc reference and the spec downloads on http://127.0.0.1:8080 ($DOCS_PORT):
//     /  (generated/docs/index.html), /openapi.json, /openapi.yaml (GET and HEAD only)
// All three are guarded by src/lib/http-guard.ts: no request, however malformed, stops the process (a bad
// URL gets 400/404 {"error": ...}, malformed HTTP 400), bodies are capped at 10 MB, headers must
// arrive within 10 s and requests within 30 s, and CORS allows any origin without credentials.
// Before serving, it rebuilds generated/ (bundle, types and operation list, docs: a few seconds) when a file
// is missing or spec/'s content hash differs from generated/inputs.sha256. `--no-build` skips that. Ctrl-C / SIGTERM stops all three.
// $HOST changes the interface they listen on (default 127.0.0.1). Every other flag is the sandbox's, as
// `close-crm-openapi sandbox` takes them (src/cli.ts): `npm start -- --seed empty --rate-limit 20/10`;
// `--port` and `--host` there override $SANDBOX_PORT and $HOST for the sandbox alone, `--quiet` also
// silences the mock's request log. A bad flag exits 2 before anything starts.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  BodyTooLargeError,
  cors,
  declaredLength,
  type GuardLimits,
  hardenServer,
  parseRequestTarget,
  resolveLimits,
  sendError,
} from '../src/lib/http-guard.js';
import { isMain, tsxArgs } from './lib/cli.js';
import { GENERATED_INPUTS_HASH_FILE, generatedInputsHash } from './lib/tree-hash.js';
import { type RunningServer, startMock, stopOnSignals } from './mock.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const generated = join(root, 'generated');

/** URL path -> [file, content type] served by the docs server. */
export function docsRoutes(dir = generated): Map<string, [file: string, contentType: string]> {
  const html: [string, string] = [join(dir, 'docs', 'index.html'), 'text/html; charset=utf-8'];
  return new Map<string, [string, string]>([
    ['/', html],
    ['/index.html', html],
    ['/openapi.json', [join(dir, 'openapi.json'), 'application/json; charset=utf-8']],
    ['/openapi.yaml', [join(dir, 'openapi.yaml'), 'application/yaml; charset=utf-8']],
  ]);
}

/**
 * Serves the reference and the spec files (read from disk on each request, so a rebuild shows up on reload).
 * Port 0 picks a free port. Only GET and HEAD of the docsRoutes paths: other paths 404, other methods
 * 405, a URL that does not parse (bad percent-encoding) 400, all as `{"error": "..."}`. Guarded like
 * the mock (src/lib/http-guard.ts): timeouts, malformed HTTP answered 400, CORS for any origin
 * without credentials; no request stops it. `limits` shortens the timeouts (tests).
 */
export async function startDocsServer(
  options: { port?: number; host?: string; dir?: string; limits?: Partial<GuardLimits> } = {},
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const routes = docsRoutes(options.dir ?? generated);
  const limits = resolveLimits(options.limits);
  const server = http.createServer((req, res) => {
    try {
      serveDocs(req, res, routes, limits.maxBodyBytes);
    } catch (err) {
      sendError(res, 500, `docs server: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  hardenServer(server, limits);
  await new Promise<void>((ok, ko) => {
    server.once('error', ko);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', ko);
      ok();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8080);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

function serveDocs(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  routes: ReturnType<typeof docsRoutes>,
  maxBodyBytes: number,
): void {
  if (cors(req, res)) return;
  const target = parseRequestTarget(req.url);
  if (!target) {
    sendError(res, 400, 'Malformed URL: expected a path (/...) with valid percent-encoding.');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    sendError(res, 405, 'Method not allowed: the docs server serves GET and HEAD.');
    return;
  }
  // The body of a GET is ignored (and discarded as it arrives); a declared one over the limit is refused.
  if ((declaredLength(req) ?? 0) > maxBodyBytes) {
    sendError(res, 413, new BodyTooLargeError(maxBodyBytes).message);
    return;
  }
  const route = routes.get(target.pathname);
  let size: number | undefined;
  try {
    if (route) size = statSync(route[0]).size;
  } catch {
    size = undefined; // missing (not built, or being rebuilt)
  }
  if (!route || size === undefined) {
    sendError(res, 404, `Not found. Served here: ${[...routes.keys()].join(' ')}`);
    return;
  }
  const [file, type] = route;
  res.writeHead(200, { 'content-type': type, 'content-length': size, 'cache-control': 'no-cache' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // pipeline closes the file when the client goes away and turns a read error into a cut-off response.
  pipeline(createReadStream(file), res, () => {});
}

/** Why generated/ must be rebuilt before serving, or null when it is fine. */
function staleReason(): string | null {
  const outputs = ['openapi.yaml', 'openapi.json', join('docs', 'index.html')].map((f) => join(generated, f));
  const missing = outputs.find((f) => !existsSync(f));
  if (missing) return `${missing.slice(root.length + 1)} is missing`;
  // By content, not file times: a fresh clone's files all carry the checkout time.
  if (!existsSync(join(root, 'spec'))) return null;
  const stamp = join(generated, GENERATED_INPUTS_HASH_FILE);
  const built = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
  if (built !== generatedInputsHash(root)) return 'spec/ changed since the last build';
  return null;
}

function ensureBuilt(): void {
  const reason = staleReason();
  if (!reason) return;
  console.log(`Building generated/ (${reason}): bundle, types and operation list, docs...`);
  const started = Date.now();
  execFileSync(process.execPath, tsxArgs(join(root, 'scripts', 'generate.ts')), {
    cwd: root,
    stdio: 'inherit',
  });
  console.log(`Built in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
}

function port(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number`);
  return value;
}

const START_USAGE = `usage: npm start [-- options]

Serves the sandbox (:4010, $SANDBOX_PORT), the Prism mock (:4011, $MOCK_PORT) and the reference
(:8080, $DOCS_PORT) on $HOST (default 127.0.0.1).

Options:
  --no-build            do not rebuild generated/ when the spec changed
  --quiet               no request log (sandbox and mock)
  and the sandbox's own (close-crm-openapi sandbox --help): --seed demo|empty, --data FILE,
  --rate-limit N/SECS, --fail-every N, --port N, --host HOST (these two for the sandbox only)`;

if (isMain(import.meta.url)) {
  // Imported here, not at the top: the sandbox compiles its request validators when loaded, which the
  // docs tests that import startDocsServer from this module do not need.
  const { parseSandboxArgs } = await import('../src/cli.js');
  let args: ReturnType<typeof parseSandboxArgs>;
  try {
    args = parseSandboxArgs(process.argv.slice(2).filter((a) => a !== '--no-build'));
  } catch (err) {
    console.error(`start: ${err instanceof Error ? err.message : String(err)}\n\n${START_USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(START_USAGE);
    process.exit(0);
  }
  try {
    if (!process.argv.includes('--no-build')) ensureBuilt();
    const host = process.env.HOST ?? '127.0.0.1';
    const { quiet } = args;
    const { startSandbox } = await import('../src/sandbox/index.js');
    const sandbox = await startSandbox({
      port: port('SANDBOX_PORT', 4010),
      host,
      ...args.options,
      ...(quiet ? {} : { log: (line: string) => console.log(`[sandbox] ${line}`) }),
    });
    const mock = await startMock({
      port: port('MOCK_PORT', 4011),
      host,
      log: quiet ? undefined : (line) => console.log(`[mock] ${line}`),
    });
    const docs = await startDocsServer({ port: port('DOCS_PORT', 8080), host });
    stopOnSignals([sandbox, mock, docs]);
    const sandboxOrigin = sandbox.url.replace(/\/api\/v1$/, '');
    console.log(`
${`Close API sandbox (stateful, ${args.options.seed ?? 'demo'} data):`.padEnd(46)}${sandboxOrigin}
    base URL for clients: ${sandbox.url}   (any API key; what you create stays until Ctrl-C${args.options.data ? `, then is saved to ${args.options.data}` : ''})
    e.g.  curl -u anykey: ${sandbox.url}/lead/
Close API mock (Prism, stateless):            ${mock.url}
    base URL for clients: ${mock.url}/api/v1   (answers from the spec's examples; validates every request)
API reference (Redoc):                        ${docs.url}/
Spec downloads:                               ${docs.url}/openapi.json  ${docs.url}/openapi.yaml

Press Ctrl-C to stop.`);
  } catch (err) {
    console.error(`start: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
