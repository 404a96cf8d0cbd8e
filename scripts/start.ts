// `npm start` (tsx scripts/start.ts): the spec served the way users consume it, in one process.
//   - the mock of the Close API (scripts/mock.ts: Prism + Close-shaped validation errors)
//     on http://127.0.0.1:4010 ($MOCK_PORT)
//   - the Redoc reference and the spec downloads on http://127.0.0.1:8080 ($DOCS_PORT):
//     /  (generated/docs/index.html), /openapi.json, /openapi.yaml
// Before serving, it rebuilds generated/ (bundle + docs, a few seconds) when a file is missing or
// anything under spec/ is newer. `--no-build` skips that. Ctrl-C / SIGTERM stops both servers.
// $HOST changes the interface both listen on (default 127.0.0.1).
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain, tsxArgs } from './lib/cli.js';
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
 * Port 0 picks a free port.
 */
export async function startDocsServer(
  options: { port?: number; host?: string; dir?: string } = {},
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const routes = docsRoutes(options.dir ?? generated);
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes.get(path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed\n');
      return;
    }
    if (!route || !existsSync(route[0])) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Not found. Served here: ${[...routes.keys()].join(' ')}\n`);
      return;
    }
    const [file, type] = route;
    res.writeHead(200, { 'content-type': type, 'content-length': statSync(file).size, 'cache-control': 'no-cache' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
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

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!entry.name.startsWith('_subset-')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Why generated/ must be rebuilt before serving, or null when it is fine. */
function staleReason(): string | null {
  const outputs = ['openapi.yaml', 'openapi.json', join('docs', 'index.html')].map((f) => join(generated, f));
  const missing = outputs.find((f) => !existsSync(f));
  if (missing) return `${missing.slice(root.length + 1)} is missing`;
  const oldest = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const spec = join(root, 'spec');
  if (existsSync(spec) && newestMtime(spec) > oldest) return 'spec/ changed since the last build';
  return null;
}

function ensureBuilt(): void {
  const reason = staleReason();
  if (!reason) return;
  console.log(`Building generated/ (${reason}): bundle + docs...`);
  const started = Date.now();
  execFileSync(process.execPath, tsxArgs(join(root, 'scripts', 'generate.ts'), 'bundle', 'docs'), {
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

if (isMain(import.meta.url)) {
  try {
    if (!process.argv.includes('--no-build')) ensureBuilt();
    const host = process.env.HOST ?? '127.0.0.1';
    const quiet = process.argv.includes('--quiet');
    const mock = await startMock({
      port: port('MOCK_PORT', 4010),
      host,
      log: quiet ? undefined : (line) => console.log(`[mock] ${line}`),
    });
    const docs = await startDocsServer({ port: port('DOCS_PORT', 8080), host });
    stopOnSignals([mock, docs]);
    console.log(`
Close API mock (Prism, validates requests):  ${mock.url}
    e.g.  curl -u anykey: ${mock.url}/lead/
API reference (Redoc):                        ${docs.url}/
Spec downloads:                               ${docs.url}/openapi.json  ${docs.url}/openapi.yaml

Press Ctrl-C to stop.`);
  } catch (err) {
    console.error(`start: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
