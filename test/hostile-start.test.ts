// `npm start` as users run it (tsx scripts/start.ts in its own process: the sandbox, the mock and the docs server)
// must survive malformed and hostile requests: in a child process an uncaught exception (Prism's
// URIError on /lead/%ff/, `new URL('//[')`) would end the process, where in vitest's own process it
// is only reported. The barrage (test/support/hostile.ts) runs here without the phases that wait for
// the servers' timeouts (the CLI keeps the 10 s / 30 s defaults); hostile-mock and hostile-docs run
// every phase in-process with short timeouts (and the mock's under /api/v1 too).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tsxArgs } from '../scripts/lib/cli.js';
import { fireHostileRequests, type Phase } from './support/hostile.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const AUTH = { Authorization: `Basic ${Buffer.from('hostile_test_key:').toString('base64')}` };
const phases: Phase[] = ['oversize', 'targets', 'bodies', 'pipelining', 'burst'];
let child: ChildProcess;
let output = '';
let sandboxUrl = '';
let mockUrl = '';
let docsUrl = '';

beforeAll(async () => {
  child = spawn(process.execPath, tsxArgs(join(root, 'scripts', 'start.ts'), '--no-build', '--quiet'), {
    cwd: root,
    env: { ...process.env, SANDBOX_PORT: '0', MOCK_PORT: '0', DOCS_PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const started = Date.now();
  while (!/Press Ctrl-C/.test(output)) {
    if (child.exitCode !== null || Date.now() - started > 60_000)
      throw new Error(`npm start did not start:\n${output}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  sandboxUrl = /Close API sandbox[^:]*:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
  mockUrl = /Close API mock[^:]*:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
  docsUrl = /API reference \(Redoc\):\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((ok) => setTimeout(ok, 5_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

/** The child's resident memory, from /proc (Linux); undefined elsewhere. */
function childRss(): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}
const rss = process.platform === 'linux' ? childRss : undefined;

it('the process survives the barrage at the sandbox, the mock and the docs server', async () => {
  expect(sandboxUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(mockUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  // The sandbox rate-limits at 1000 requests a second, as configured by npm start: the burst would be answered
  // with its (correct) 429s, so it is left to hostile-sandbox.test.ts, which raises the limit.
  const sandbox = await fireHostileRequests(`${sandboxUrl}/api/v1`, {
    phases: phases.filter((p) => p !== 'burst'),
    probe: { path: '/lead/?_limit=1', headers: AUTH, status: 200 },
    bodyPath: '/lead/',
    total: 500,
    requestTimeoutMs: 10_000,
    deadlineMs: 40_000,
  });
  expect(docsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const mock = await fireHostileRequests(mockUrl, {
    phases,
    probe: { path: '/lead/', headers: AUTH, status: 200 },
    bodyPath: '/lead/',
    total: 500,
    requestTimeoutMs: 10_000,
    deadlineMs: 40_000,
    ...(rss ? { rss } : {}),
  });
  const docs = await fireHostileRequests(docsUrl, {
    phases,
    probe: { path: '/openapi.json', status: 200 },
    oversizedStatuses: [405, 413],
    total: 500,
    requestTimeoutMs: 10_000,
    deadlineMs: 40_000,
  });
  const o = mock.oversize;
  console.log(
    `npm start: sandbox ${sandbox.requests} requests in ${sandbox.ms} ms, mock ${mock.requests} requests in ${mock.ms} ms, docs ${docs.requests} in ${docs.ms} ms; ` +
      `oversized body to the mock: ${o.status} after ${(o.bytesSent / 2 ** 20).toFixed(1)} MB sent, child RSS ` +
      `${mb(o.rssBefore)} -> peak ${mb(o.rssPeak)} -> ${mb(o.rssAfter)}`,
  );
  expect({ exitCode: child.exitCode, signal: child.signalCode }).toEqual({ exitCode: null, signal: null });
  expect(sandbox.problems).toEqual([]);
  expect(mock.problems).toEqual([]);
  expect(docs.problems).toEqual([]);
  expect(sandbox.stillAnswers && mock.stillAnswers && docs.stillAnswers).toBe(true);
  expect(output).not.toMatch(/URIError|Invalid URL|TypeError/);
}, 150_000);

const mb = (n: number | undefined) => (n === undefined ? '?' : `${(n / 2 ** 20).toFixed(0)} MB`);
