// `tsx contract-tests/run-standin.ts` (npm test's last step): runs the contract suite in *live* mode
// against the in-memory stand-in server, the way it would run against a Close sandbox:
//   1. starts contract-tests/standin/main.ts (node:http on a free 127.0.0.1 port),
//   2. runs `vitest run --config contract-tests/vitest.config.ts` with
//      CLOSE_API_KEY=standin CLOSE_BASE_URL=http://127.0.0.1:<port>/api/v1,
//   3. stops the stand-in and exits with vitest's status.
// `--report <file>` also writes vitest's JSON report there (npm test sums the results). Any other
// arguments go to vitest. Ctrl-C lets vitest finish its cleanup before the stand-in stops.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tsxArgs } from '../scripts/lib/cli.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const reportAt = args.indexOf('--report');
const report = reportAt >= 0 ? args[reportAt + 1] : undefined;
const passThrough = reportAt >= 0 ? [...args.slice(0, reportAt), ...args.slice(reportAt + 2)] : args;

// Its own process group, so that a Ctrl-C (sent to the terminal's group) does not stop it while the
// suite is still deleting what it created; it stops when told to or when this process goes away
// (its stdin, a pipe from here, closes).
const standin = spawn(process.execPath, tsxArgs(join(root, 'contract-tests', 'standin', 'main.ts')), {
  cwd: root,
  stdio: ['pipe', 'pipe', 'inherit'],
  detached: true,
  env: { ...process.env, PORT: '0', STANDIN_STOP_ON_STDIN_END: '1' },
});
const url = await new Promise<string>((resolveUrl, reject) => {
  const timer = setTimeout(() => reject(new Error('the stand-in did not start within 30 s')), 30_000);
  standin.once('exit', (code) => reject(new Error(`the stand-in exited early (${code})`)));
  createInterface({ input: standin.stdout }).on('line', (line) => {
    const found = /^STANDIN_URL=(\S+)$/.exec(line)?.[1];
    if (found) {
      clearTimeout(timer);
      resolveUrl(found);
    }
  });
});
console.log(`stand-in listening at ${url}`);

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
    CLOSE_API_KEY: 'standin',
    CLOSE_BASE_URL: url,
    CONTRACT_STRICT_FIELD_ERRORS: '1',
    CONTRACT_EXPECT_429: '1',
  },
});
// Ctrl-C reaches vitest directly (same process group): wait for its cleanup instead of dying, and do
// not send it a second signal. A SIGTERM aimed at this process is passed on.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => vitest.kill('SIGTERM'));
const [code, signal] = (await once(vitest, 'exit')) as [number | null, NodeJS.Signals | null];
standin.kill('SIGTERM');
await once(standin, 'exit');
process.exit(code ?? (signal === 'SIGINT' ? 130 : 1));
