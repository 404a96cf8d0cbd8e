// `close-crm-openapi mcp` over stdio ends when its input ends, whatever stdin is: a file, /dev/null,
// or a pipe the client closes; requests already read are answered first. Spawns the package's bin.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtBin } from './support/bin.js';

let bin = '';
beforeAll(() => {
  bin = builtBin();
}, 120_000);

const REQUESTS = [
  {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
  },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_me', arguments: {} } },
]
  .map((m) => `${JSON.stringify(m)}\n`)
  .join('');

/** Starts the bin with `stdin` as its standard input. */
function start(stdin: number | 'pipe'): ChildProcess {
  return spawn(process.execPath, [bin, 'mcp', '--sandbox', '--quiet'], {
    stdio: [stdin, 'pipe', 'pipe'],
    env: { ...process.env, CLOSE_API_KEY: '' },
  });
}

/** The exit code and stdout, or `timedOut` (the child is then killed) after `ms`. */
function exited(child: ChildProcess, ms: number): Promise<{ code: number | null; timedOut: boolean; out: string }> {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.resume();
  return new Promise((ok) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      ok({ code: null, timedOut: true, out });
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      ok({ code, timedOut: false, out });
    });
  });
}

const ids = (out: string) =>
  out
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: number; error?: unknown }).id);

describe('stdin ends, the server exits', () => {
  it('/dev/null', async () => {
    const fd = openSync('/dev/null', 'r');
    try {
      const r = await exited(start(fd), 20_000);
      expect(r).toMatchObject({ timedOut: false, code: 0 });
    } finally {
      closeSync(fd);
    }
  }, 30_000);

  it('a file of requests: answers them all, then exits', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mcp-stdin-')), 'requests.jsonl');
    writeFileSync(file, REQUESTS);
    const fd = openSync(file, 'r');
    try {
      const r = await exited(start(fd), 20_000);
      expect(r).toMatchObject({ timedOut: false, code: 0 });
      expect(ids(r.out)).toEqual([1, 2]);
      expect(r.out).toContain('user_');
    } finally {
      closeSync(fd);
    }
  }, 30_000);

  it('a pipe: runs while it is open, answers and exits once the client closes it', async () => {
    const child = start('pipe');
    const done = exited(child, 20_000);
    child.stdin?.write(REQUESTS);
    const early = await Promise.race([done, new Promise<'running'>((ok) => setTimeout(() => ok('running'), 1500))]);
    expect(early).toBe('running');
    child.stdin?.end();
    const r = await done;
    expect(r).toMatchObject({ timedOut: false, code: 0 });
    expect(ids(r.out)).toEqual([1, 2]);
  }, 30_000);
});
