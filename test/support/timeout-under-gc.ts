// Run by test/client-timeout.test.ts as `node --expose-gc --import tsx`: a call to a server that never
// answers, with the garbage collector forced every 50 ms, must still end at `timeoutMs`. Prints one JSON line.
import { createServer } from 'node:http';
import { createCloseClient } from '../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const server = createServer(() => {}); // never answers
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;
const close = createCloseClient({
  apiKey: 'gc-test-key',
  baseUrl: `http://127.0.0.1:${port}`,
  timeoutMs: 500,
  retry: false,
});
const collect = setInterval(gc, 50);
const started = performance.now();
const outcome = await close.GET('/me/').then(
  () => 'answered',
  (err: unknown) => (err instanceof Error ? err.name : 'thrown'),
);
clearInterval(collect);
console.log(JSON.stringify({ outcome, ms: Math.round(performance.now() - started) }));
server.closeAllConnections();
server.close();
