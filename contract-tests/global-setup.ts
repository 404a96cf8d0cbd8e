// Picks the contract suite's target and hands it to the tests (`inject('contractTarget')`):
//   - mock (default): starts the Prism mock with the Close-error bridge (scripts/mock.ts) on a free
//     127.0.0.1 port and stops it afterwards;
//   - live, when CLOSE_API_KEY is set: CLOSE_BASE_URL (default https://api.close.com/api/v1). Leftovers
//     of earlier interrupted runs against the same base URL are deleted first (from their ledgers), and
//     whatever this run's ledger still lists when the run ends (a failure, Ctrl-C, SIGTERM) is deleted
//     by the teardown or, if the process is being torn down, synchronously by the exit handler.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startMock } from '../scripts/mock.js';
import { cleanupLedger, DEFAULT_BASE_URL, leftoverLedgers, reportDir } from './cleanup.js';
import type { ContractTarget } from './support/target.js';

const cleanupScript = join(import.meta.dirname, 'cleanup.ts');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  mkdirSync(reportDir, { recursive: true });
  const runId = `ct${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const specFile = join(import.meta.dirname, '..', 'generated', 'openapi.yaml');
  if (!existsSync(specFile)) throw new Error('generated/openapi.yaml is missing: run `npm run generate` first');

  if (!process.env.CLOSE_API_KEY) {
    const mock = await startMock({ port: 0, host: '127.0.0.1' });
    const target: ContractTarget = { mode: 'mock', baseUrl: mock.url, runId, reportDir };
    project.provide('contractTarget', target);
    return async () => {
      await mock.close();
    };
  }

  const baseUrl = (process.env.CLOSE_BASE_URL ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  for (const stale of leftoverLedgers(baseUrl)) await cleanupLedger(stale, { baseUrl });
  const ledgerFile = join(reportDir, `ledger-${runId}.json`);
  const target: ContractTarget = { mode: 'live', baseUrl, runId, reportDir, ledgerFile };
  project.provide('contractTarget', target);

  // Last resort when the process exits without the teardown (Ctrl-C, SIGTERM, a crash): the exit
  // event is synchronous, so the deletion runs in a child process that this one waits for.
  let tornDown = false;
  const onExit = (): void => {
    if (tornDown || !existsSync(ledgerFile)) return;
    // Through tsx, which `--import` resolves from the repository root.
    spawnSync(process.execPath, ['--import', 'tsx', cleanupScript, ledgerFile], {
      cwd: join(import.meta.dirname, '..'),
      stdio: 'inherit',
      env: process.env,
      timeout: 120_000,
    });
  };
  let exiting = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (exiting) return; // a second Ctrl-C must not cut the cleanup short
    exiting = true;
    process.stderr.write(`\n[contract] ${signal}: deleting what run ${runId} created...\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', onExit);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  return async () => {
    await cleanupLedger(ledgerFile, { baseUrl });
    tornDown = true;
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
