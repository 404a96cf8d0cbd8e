import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { startMock } from '../scripts/mock.js';
import { startSandbox } from '../src/sandbox/index.js';

const root = join(import.meta.dirname, '..');
const examplePath = join(root, 'test', 'client-readme-example.ts');
const MARKER = '<!-- client-example:';

/** The client example block of README.md (the fenced ts block after the marker comment). */
function readmeExample(): string {
  const text = readFileSync(join(root, 'README.md'), 'utf8');
  const at = text.indexOf(MARKER);
  const example = at === -1 ? undefined : /```ts\n([\s\S]*?)```/.exec(text.slice(at))?.[1];
  if (example === undefined) throw new Error('no client example block in README.md');
  return example;
}

it('the README client example is the type-checked example file', () => {
  const example = readFileSync(examplePath, 'utf8').replace("from '../src/index.js'", "from 'close-crm-openapi'");
  expect(readmeExample()).toBe(example);
});

it('the README client example runs against the mock, whose repeated pages paginate stops', async () => {
  const mock = await startMock({ port: 0 });
  try {
    // The mock answers every page with its example (has_more: true, whatever `_skip` says): after the first
    // page, paginate() stops with ClosePaginationError instead of yielding the same leads again and again.
    const failed = await promisify(execFile)(process.execPath, ['--import', 'tsx', examplePath], {
      cwd: root,
      env: { ...process.env, CLOSE_API_KEY: 'mock_readme_key_1234', CLOSE_BASE_URL: `${mock.url}/api/v1` },
      encoding: 'utf8',
      timeout: 60_000,
    }).then(
      () => undefined,
      (e: unknown) => e as { stdout: string; stderr: string },
    );
    expect(failed).toBeDefined();
    const lines = (failed?.stdout ?? '').trim().split('\n');
    expect(lines[0]).toMatch(/^created lead_\S+ and logged call acti_\S+$/);
    expect(lines.slice(1).length).toBeGreaterThan(0);
    expect(lines.slice(1).length).toBeLessThan(50);
    expect(lines.slice(1).every((l) => /^lead_\S+ /.test(l))).toBe(true);
    expect(failed?.stderr).toMatch(/ClosePaginationError: paginate: \/lead\/ returned a page with the same items/);
  } finally {
    await mock.close();
  }
}, 90_000);

it('the README client example runs against the sandbox: the lead it creates is the one it finds', async () => {
  const sandbox = await startSandbox({ port: 0, seed: 'demo' });
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', examplePath], {
      cwd: root,
      env: { ...process.env, CLOSE_API_KEY: 'sandbox_readme_key', CLOSE_BASE_URL: sandbox.url },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const lines = stdout.trim().split('\n');
    const created = /^created (lead_\S+) and logged call acti_\S+$/.exec(lines[0] ?? '')?.[1];
    expect(created).toBeDefined();
    // State and pagination that ends: the search finds exactly the lead just created.
    expect(lines.slice(1)).toEqual([`${created} Wayne Enterprises`]);
  } finally {
    await sandbox.close();
  }
}, 90_000);
