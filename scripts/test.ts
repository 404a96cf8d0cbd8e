// `npm test` (tsx scripts/test.ts): every check CI runs, in order, stopping at the first failing step:
//   1. generated/ matches spec/ (staleness)   2. lint (Redocly + Spectral on source and bundle, Biome)
//   3. tsc --noEmit                            4. unit, spec, client, mock and docs tests (vitest)
//   5. contract tests against the Prism mock   6. contract tests in live mode against the sandbox
// Vitest results are summed into one plain closing line `N passed, N failed` that CI reads (skipped
// tests are counted on the line before it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsxArgs } from './lib/cli.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = join(root, '.tmp');
mkdirSync(tmp, { recursive: true });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const totals = { passed: 0, failed: 0, skipped: 0 };

/** The counts read from vitest's JSON reporter output. */
interface VitestReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
}

function step(title: string, cmd: string, args: string[], extraEnv: Record<string, string> = {}): boolean {
  const started = Date.now();
  console.log(`\n▶ ${title}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (res.status !== 0) {
    console.error(`✖ ${title} failed (exit ${res.status ?? res.signal}) after ${secs}s`);
    return false;
  }
  console.log(`✔ ${title} (${secs}s)`);
  return true;
}

function vitest(title: string, args: string[], extraEnv: Record<string, string> = {}): boolean {
  const report = join(tmp, `vitest-${title.replace(/\W+/g, '-')}.json`);
  rmSync(report, { force: true });
  const ok = step(
    title,
    process.execPath,
    [
      join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      ...args,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ],
    extraEnv,
  );
  return collect(report, title) && ok;
}

/** Adds a vitest JSON report to the totals; false when it is missing or ran no test. */
function collect(report: string, title: string): boolean {
  if (!existsSync(report)) {
    console.error(`✖ ${title} wrote no report`);
    return false;
  }
  const r = JSON.parse(readFileSync(report, 'utf8')) as VitestReport;
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  if (r.numTotalTests === 0) {
    console.error(`✖ ${title} ran no test`);
    return false;
  }
  return true;
}

function finish(ok: boolean): never {
  if (!ok && totals.failed === 0) totals.failed = 1; // a non-test step failed: never report green
  console.log(`\n${totals.skipped} skipped`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  process.exit(ok ? 0 : 1);
}

const pipeline = [
  () => step('generated/ is up to date', process.execPath, tsxArgs(join(root, 'scripts', 'generate.ts'), '--check')),
  () => step('lint', npm, ['run', '--silent', 'lint']),
  () => step('typecheck', npm, ['run', '--silent', 'typecheck']),
  () => vitest('unit and spec tests', []),
  // CLOSE_API_KEY is blanked so that a developer's exported key never turns `npm test` into a live run
  // against their real Close organisation; the live path runs against the local sandbox below.
  () =>
    vitest('contract tests (mock)', ['--config', 'contract-tests/vitest.config.ts'], {
      CLOSE_API_KEY: '',
      CLOSE_BASE_URL: '',
    }),
  () => {
    // A report left by an earlier run must not be counted; a failing run's counts are counted too.
    const report = join(tmp, 'vitest-sandbox.json');
    rmSync(report, { force: true });
    const title = 'contract tests (live mode against the sandbox)';
    const ok = step(
      title,
      process.execPath,
      tsxArgs(join(root, 'contract-tests', 'run-sandbox.ts'), '--report', report),
    );
    return collect(report, title) && ok;
  },
];

for (const run of pipeline) {
  if (!run()) finish(false);
}
finish(true);
