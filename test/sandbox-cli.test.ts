// `close-crm-openapi sandbox` (src/cli.ts) as a user runs it: it prints its URL (with /api/v1) and
// answers there; --rate-limit and --fail-every apply; --data is written on SIGINT and read at the next
// start; bad flags exit 2 with a message, a port in use exits 1. Children run through tsx on
// 127.0.0.1 with --port 0 and are always stopped (by their pid).
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, test } from 'vitest';
import { basic, checkAnswer } from './support/sandbox.js';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'src', 'cli.ts');
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
});

/** Starts the CLI and resolves with the URL it prints (and the child, and its output so far). */
async function start(
  ...args: string[]
): Promise<{ url: string; child: ChildProcessWithoutNullStreams; out: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, stdio: 'pipe' });
  children.push(child);
  const out: string[] = [];
  createInterface({ input: child.stderr }).on('line', (l) => out.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 20 s:\n${out.join('\n')}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`the CLI exited (${code}):\n${out.join('\n')}`)));
    let found: string | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      out.push(line);
      found ??= /listening on (http:\/\/127\.0\.0\.1:\d+\/api\/v1)$/.exec(line)?.[1];
      // The startup banner ends with the curl hint.
      if (found && line.includes('try: curl')) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  return { url, child, out };
}

async function get(url: string, key = 'cli-test'): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers: { authorization: basic(key) } });
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  checkAnswer('GET', url, res.status, res.headers, body);
  return { status: res.status, body };
}

async function stop(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  const exited = once(child, 'exit') as Promise<[number | null]>;
  if (child.pid) process.kill(child.pid, signal);
  const [code] = await exited;
  return code;
}

/** Runs the CLI to completion (for the cases that exit at once). */
function run(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('close-crm-openapi sandbox', { timeout: 30_000 }, () => {
  test('prints its URL with /api/v1 and a hint, answers GET /api/v1/lead/ with Basic auth, stops on SIGTERM', async () => {
    const { url, child, out } = await start('sandbox', '--port', '0');
    expect(out.join('\n')).toContain('curl -u anykey:');
    const leads = await get(`${url}/lead/?_limit=2`);
    expect(leads.status).toBe(200);
    expect((leads.body as { data: unknown[] }).data).toHaveLength(2);
    expect((await get(url.replace('/api/v1', '/me/'))).status).toBe(200);
    expect(await stop(child)).toBe(0);
    expect(out.some((l) => /\[sandbox\] GET \/api\/v1\/lead\/\?_limit=2 -> 200/.test(l))).toBe(true);
  });

  test('--rate-limit and --fail-every', async () => {
    const limited = await start('sandbox', '--port=0', '--seed', 'empty', '--rate-limit', '2/60', '--quiet');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(`${limited.url}/me/`)).status);
    expect(statuses).toEqual([200, 200, 429]);
    await stop(limited.child);
    const failing = await start('sandbox', '--port', '0', '--seed', 'empty', '--fail-every', '2', '--quiet');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await get(`${failing.url}/me/`)).status);
    expect(answers).toEqual([200, 429, 200, 429]);
    await stop(failing.child);
  });

  test('--data: written back on SIGINT, loaded at the next start', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sandbox-cli-')), 'org.json');
    const first = await start('sandbox', '--port', '0', '--seed', 'empty', '--data', file, '--quiet');
    const res = await fetch(`${first.url}/lead/`, {
      method: 'POST',
      headers: { authorization: basic('k'), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Saved by SIGINT' }),
    });
    const lead = (await res.json()) as { id: string };
    expect(await stop(first.child, 'SIGINT')).toBe(0);
    expect(first.out.join('\n')).toContain(`writing ${file}`);
    expect(readFileSync(file, 'utf8')).toContain('Saved by SIGINT');
    const second = await start('sandbox', '--port', '0', '--data', file, '--quiet');
    const back = await get(`${second.url}/lead/${lead.id}/`);
    expect(back.body).toMatchObject({ name: 'Saved by SIGINT' });
    await stop(second.child);
  });

  test('bad flags exit 2 with a message; a port in use exits 1', { timeout: 60_000 }, async () => {
    const cases: Array<[string[], RegExp]> = [
      [['sandbox', '--nope'], /unknown option --nope/],
      [['sandbox', '--rate-limit', '10'], /--rate-limit takes REQUESTS\/SECONDS/],
      [['sandbox', '--port', 'abc'], /--port takes a whole number from 0 to 65535, got "abc"/],
      [['sandbox', '--port'], /--port needs a value/],
      [['sandbox', '--seed', 'full'], /--seed is demo or empty/],
      [['sandbox', '--fail-every', '-3'], /--fail-every needs a value|--fail-every takes a whole number/],
      [['sandbox', 'extra'], /unexpected argument "extra"/],
      [['serve'], /unknown command "serve"/],
      [[], /usage: close-crm-openapi <command>/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      expect(r.status, `${args.join(' ')}: ${r.out}`).toBe(2);
      expect(r.out).toMatch(message);
    }
    const help = run('sandbox', '--help');
    expect(help.status).toBe(0);
    expect(help.out).toContain('--rate-limit N/SECS');
    expect(run('--help').status).toBe(0);

    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = run('sandbox', '--port', String(port));
      expect(r.status).toBe(1);
      expect(r.out).toContain('already in use');
      // Said once, by the CLI (not also as a logged server error).
      expect(r.out.match(/EADDRINUSE/g)).toHaveLength(1);
    } finally {
      busy.close();
    }
  });
});
