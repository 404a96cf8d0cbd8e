// The Arazzo workflows of workflows/ run with `redocly respect` against a fresh sandbox each: every
// step's status, content type, response schema and success criteria must pass. The same files are
// linted by `npm run lint` (redocly.yaml) and offered by the MCP server as prompts.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../src/sandbox/index.js';

const root = join(import.meta.dirname, '..');
const redocly = join(root, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
const files = readdirSync(join(root, 'workflows')).filter((f) => f.endsWith('.arazzo.yaml'));

/** Inputs for every workflow (each takes the ones it declares; respect ignores the others). */
const INPUTS = {
  authorization: `Basic ${Buffer.from('sandbox-key:').toString('base64')}`,
  company: 'Globex Form Co',
  contactName: 'Ann Lee',
  email: 'ann@globex.example',
  source: 'Website',
  value: '500000',
  leadName: 'Northwind Traders',
  note: 'Talked about the renewal.',
  text: 'Send the proposal',
  date: '2026-12-08',
};

function respect(file: string, server: string): Promise<{ code: number | null; out: string }> {
  const args = [redocly, 'respect', join('workflows', file), '--server', `close=${server}`];
  for (const [k, v] of Object.entries(INPUTS)) args.push('--input', `${k}=${v}`);
  return new Promise((ok) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, out });
    });
  });
}

describe('workflows/ with redocly respect against the sandbox', () => {
  it('has the five workflows', () => {
    expect(files.sort()).toEqual(
      [
        'close-won.arazzo.yaml',
        'follow-up-task.arazzo.yaml',
        'form-to-lead.arazzo.yaml',
        'log-note-and-call.arazzo.yaml',
        'smart-view-digest.arazzo.yaml',
      ].sort(),
    );
  });
  for (const file of files) {
    it(`${file} passes`, async () => {
      const sandbox = await startSandbox({ port: 0 });
      try {
        const { code, out } = await respect(file, sandbox.url);
        expect(out, out.slice(-3000)).toMatch(/Workflows: 1 passed, 1 total/);
        expect(code).toBe(0);
        // The run really reached the sandbox (not a skipped or dry run).
        expect(sandbox.stats().requests).toBeGreaterThanOrEqual(2);
      } finally {
        await sandbox.close();
      }
    }, 90_000);
  }
});
