// `tsx contract-tests/run-sandbox.ts` (npm test's last step): runs the contract suite in *live* mode
// against the sandbox (src/sandbox/, the stateful Close API the package ships), the way it would run
// against a Close sandbox organisation:
//   1. starts the sandbox in this process with the demo seed on a free 127.0.0.1 port, answering every
//      23rd request with a 429 (so that the client's backoff is exercised: CONTRACT_EXPECT_429),
//   2. runs `vitest run --config contract-tests/vitest.config.ts` in a child process with
//      CLOSE_API_KEY=sandbox CLOSE_BASE_URL=http://127.0.0.1:<port>/api/v1,
//   3. stops the sandbox and exits with vitest's status.
// The sandbox lives in this process, so it never outlives the run. `--report <file>` also writes
// vitest's JSON report there (npm test sums the results); `--verbose` logs every request the sandbox
// answers. Any other arguments go to vitest. Ctrl-C lets vitest finish its cleanup (which still needs
// the sandbox) before the sandbox stops.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../src/sandbox/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const reportAt = args.indexOf('--report');
const report = reportAt >= 0 ? args[reportAt + 1] : undefined;
const passThrough = (reportAt >= 0 ? [...args.slice(0, reportAt), ...args.slice(reportAt + 2)] : args).filter(
  (a) => a !== '--verbose',
);

const sandbox = await startSandbox({
  port: 0,
  seed: 'demo',
  failEvery: 23,
  ...(verbose ? { log: (line: string) => process.stderr.write(`[sandbox] ${line}\n`) } : {}),
});
console.log(`sandbox listening at ${sandbox.url}`);

const vitestArgs = [
  join(root, 'node_modules', 'vitest', 'vitest.mjs'),
  'run',
  '--config',
  'contract-tests/vitest.config.ts',
  ...passThrough,
];
if (report) vitestArgs.push('--reporter=default', '--reporter=json', `--outputFile.json=${report}`);
const vitest = spawn(process.execPath, vitestArgs, {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    CLOSE_API_KEY: 'sandbox',
    CLOSE_BASE_URL: sandbox.url,
    CONTRACT_STRICT_FIELD_ERRORS: '1',
    CONTRACT_EXPECT_429: '1',
  },
});
// Ctrl-C reaches vitest directly (same process group): wait for its cleanup instead of dying, and do
// not send it a second signal. A SIGTERM aimed at this process is passed on.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => vitest.kill('SIGTERM'));
const [code, signal] = (await once(vitest, 'exit')) as [number | null, NodeJS.Signals | null];
const { requests, rateLimited } = sandbox.stats();
console.log(`[sandbox] ${requests} requests, ${rateLimited} answered 429`);
await sandbox.close();
process.exit(code ?? (signal === 'SIGINT' ? 130 : 1));
