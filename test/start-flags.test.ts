// `npm start -- <sandbox flags>`: scripts/start.ts passes the sandbox's own flags (src/cli.ts) to the
// sandbox it serves, and refuses a bad flag with exit code 2 before starting anything.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { tsxArgs } from '../scripts/lib/cli.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const AUTH = { Authorization: `Basic ${Buffer.from('start_flags_key:').toString('base64')}` };
const children: ChildProcess[] = [];

function start(...flags: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, tsxArgs(join(root, 'scripts', 'start.ts'), '--no-build', ...flags), {
    cwd: root,
    env: { ...process.env, SANDBOX_PORT: '0', MOCK_PORT: '0', DOCS_PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

async function until(what: () => boolean, ms: number): Promise<void> {
  const started = Date.now();
  while (!what()) {
    if (Date.now() - started > ms) throw new Error('timed out');
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((ok) => setTimeout(ok, 5_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('--seed empty and --rate-limit reach the sandbox', async () => {
  const { child, output } = start('--quiet', '--seed', 'empty', '--rate-limit=7/2');
  await until(() => /Press Ctrl-C/.test(output()) || child.exitCode !== null, 60_000);
  const url = /Close API sandbox[^:]*:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output())?.[1];
  expect(url, output()).toBeDefined();
  expect(output()).toMatch(/sandbox \(stateful, empty data\)/);
  const res = await fetch(`${url}/api/v1/lead/`, { headers: AUTH });
  expect(res.status).toBe(200);
  expect(res.headers.get('ratelimit')).toMatch(/^limit=7, remaining=6, /);
  expect(await res.json()).toMatchObject({ data: [], has_more: false });
}, 90_000);

test('a bad flag exits 2 with the usage, before anything listens', async () => {
  const { child, output } = start('--seed', 'full');
  const code = await new Promise<number | null>((ok) => child.once('exit', ok));
  expect(code).toBe(2);
  expect(output()).toMatch(/--seed is demo or empty, got "full"/);
  expect(output()).toMatch(/usage: npm start/);
  expect(output()).not.toMatch(/Press Ctrl-C/);
}, 30_000);
