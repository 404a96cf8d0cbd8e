// A Close API server for bench/sandbox.ts, run as a child process (fork, with an IPC channel) so that
// its CPU time and memory are its own and not the load generator's. Modes:
//   sandbox   startSandbox({ port: 0, seed: 'demo' }) with a rate limit too high to be reached
//   prism     startMock({ port: 0 }) of scripts/mock.ts: Prism with request validation, behind its bridge,
//             as `npm run mock` runs it (without the per-request log line)
//   ceiling <list bytes> <get bytes> <create bytes>
//             a trivial node:http server: any GET with a query string (list), other GETs (get) and any
//             POST (its body read first: create) answered 200 with a fixed JSON body of the given size
//             and the sandbox's headers. No server can answer a call faster through this load
//             generator on this machine, so its req/s over Prism's is the highest ratio any server could show.
// Messages (parent → child, answered with the same `id`):
//   { id, type: 'memory' }   gc() (needs --expose-gc), then process.memoryUsage()
//   { id, type: 'cpu' }      process.cpuUsage() (microseconds since the process started)
//   { id, type: 'reset' }    sandbox.reset(): back to the seed (prism: nothing to do)
// Sends `{ type: 'ready', url }` when listening (127.0.0.1, a free port). Stops when the parent
// disconnects (its IPC channel closes, also when it dies), so it can never outlive the benchmark.
import http from 'node:http';
import { startMock } from '../scripts/mock.js';
import { startSandbox } from '../src/sandbox/index.js';

export type ServerRequest = { id: number; type: 'memory' | 'cpu' | 'reset' };
export type ServerMessage =
  | { type: 'ready'; url: string }
  | { type: 'error'; message: string }
  | { type: 'answer'; id: number; memory?: NodeJS.MemoryUsage; cpu?: NodeJS.CpuUsage };

const mode = process.argv[2];

/** The `ceiling` server: fixed answers of the given sizes (list, get, create), headers like the sandbox's. */
function ceilingServer(sizes: number[]): http.Server {
  const [list, get, create] = sizes.map((n) => {
    if (!Number.isInteger(n) || n < 16) throw new Error(`ceiling: answer sizes in bytes, got ${sizes.join(' ')}`);
    return Buffer.from(JSON.stringify({ data: 'x'.repeat(n - 11) })); // `{"data":""}` is 11 bytes
  }) as [Buffer, Buffer, Buffer];
  const answer = (res: http.ServerResponse, body: Buffer) => {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': String(body.length),
      RateLimit: 'limit=1000000000, remaining=999999999, reset=0.5',
      'access-control-allow-origin': '*',
    });
    res.end(body);
  };
  return http.createServer((req, res) => {
    if (req.method === 'POST') {
      req.resume();
      req.on('end', () => answer(res, create));
    } else answer(res, req.url?.includes('?') ? list : get);
  });
}
const send = (m: ServerMessage) => process.send?.(m);
const gc = (globalThis as { gc?: () => void }).gc;

try {
  if (!process.send) throw new Error('bench/api-server.ts runs as a forked child (it talks over IPC)');
  let url: string;
  let close: () => Promise<void>;
  let reset = () => {};
  if (mode === 'sandbox') {
    // The default (1000 per second and key) would make this a benchmark of 429s.
    const sandbox = await startSandbox({ port: 0, seed: 'demo', rateLimit: { requests: 1_000_000_000, seconds: 1 } });
    ({ url } = sandbox);
    close = () => sandbox.close();
    reset = () => sandbox.reset();
  } else if (mode === 'prism') {
    const mock = await startMock({ port: 0 });
    url = `${mock.url}/api/v1`;
    close = () => mock.close();
  } else if (mode === 'ceiling') {
    const server = ceilingServer(process.argv.slice(3).map(Number));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1`;
    close = () => new Promise<void>((ok) => server.close(() => ok()).closeAllConnections());
  } else {
    throw new Error(`usage: bench/api-server.ts sandbox|prism|ceiling (got ${String(mode)})`);
  }
  process.on('message', (m: ServerRequest) => {
    if (m.type === 'memory') {
      // Twice: the first collection can leave objects that only a second one frees (finalizers).
      gc?.();
      gc?.();
      send({ type: 'answer', id: m.id, memory: process.memoryUsage() });
    } else if (m.type === 'cpu') {
      send({ type: 'answer', id: m.id, cpu: process.cpuUsage() });
    } else if (m.type === 'reset') {
      reset();
      send({ type: 'answer', id: m.id });
    }
  });
  process.on('disconnect', () => {
    close().finally(() => process.exit(0));
  });
  send({ type: 'ready', url });
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
