// Runs the stand-in server on its own: `node --import tsx contract-tests/standin/main.ts [--port N]`.
// Prints `STANDIN_URL=http://127.0.0.1:<port>/api/v1` once listening; stops on SIGINT/SIGTERM (and, with
// STANDIN_STOP_ON_STDIN_END=1, when its stdin closes: run-standin.ts uses that so it never outlives it).
import { ContractSpec } from '../support/spec.js';
import { startStandin } from './server.js';

const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : Number(process.env.PORT ?? 0);
const every = process.env.STANDIN_429_EVERY === undefined ? undefined : Number(process.env.STANDIN_429_EVERY);
const verbose = args.includes('--verbose');

const standin = await startStandin({
  spec: new ContractSpec(),
  port,
  ...(every === undefined ? {} : { rateLimitEvery: every }),
  ...(verbose ? { log: (line: string) => process.stderr.write(`[stand-in] ${line}\n`) } : {}),
});
process.stdout.write(`STANDIN_URL=${standin.url}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`[stand-in] ${standin.requests()} requests, ${standin.rateLimited()} answered 429\n`);
  void standin.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
if (process.env.STANDIN_STOP_ON_STDIN_END === '1') {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
