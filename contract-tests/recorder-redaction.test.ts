// The recorder's fetch sits below the client's redaction: whatever a server echoes reaches it raw. A key
// echoed back (raw, JSON-escaped, percent-encoded, base64 at any byte offset, upper case, hex, HTML
// character references) must not reach drift.json, coverage.json or the violation messages that become
// test failure text. Real local server, real client.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCloseClient } from '../src/index.js';
import { ContractRecorder } from './support/recorder.js';
import { ContractSpec } from './support/spec.js';

const KEY = 'live_key_Zr8Kq2WmX5vN9tLp3YcB7dHs';
const escaped = [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
const hex = Buffer.from(KEY).toString('hex').toUpperCase();
const html = [...KEY].map((c) => `&#${c.charCodeAt(0)};`).join('');
/** The key 2 bytes into a base64 encoding: its characters from the 4th on encode only key bytes. */
const shifted = Buffer.from(`u:${KEY}`).toString('base64');
let server: http.Server;
let baseUrl = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.includes('/lead/lead_text/'))
      res.writeHead(502, { 'content-type': 'text/html' }).end(`<h1>bad gateway for ${req.headers.authorization}</h1>`);
    else if (req.url?.includes('/lead/lead_json/'))
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          `{"id":"lead_json","${escaped}":"${escaped}","${hex}":"${html}","${KEY.toUpperCase()}":"${shifted}","${shifted}":1,"${html}":2}`,
        );
    else res.writeHead(404, { 'content-type': 'text/plain' }).end(`no such thing, ${encodeURIComponent(KEY)} ${KEY}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('drift.json, coverage.json and violation messages never hold an echoed key', async () => {
  const recorder = new ContractRecorder({ spec: new ContractSpec(), baseUrl, secrets: [KEY] });
  const close = createCloseClient({ apiKey: KEY, baseUrl, fetch: recorder.fetch, retry: false });
  for (const id of ['lead_text', 'lead_json', 'lead_none'] as const)
    await close.GET('/lead/{lead_id}/', { params: { path: { lead_id: id } } });
  const violations = recorder.violations();
  expect(violations.length).toBeGreaterThan(0);
  const dir = mkdtempSync(join(tmpdir(), 'recorder-'));
  recorder.writeReports(dir, { run: 'x' }, { drift: true });
  const written = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
  expect(written.length).toBeGreaterThanOrEqual(2);
  const basic = Buffer.from(`${KEY}:`).toString('base64');
  for (const text of [JSON.stringify(violations), ...written]) {
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(escaped.slice(0, 48));
    expect(text).not.toContain(basic.slice(0, 40));
    expect(text.toLowerCase()).not.toContain(KEY.toLowerCase());
    expect(text).not.toContain(hex.slice(0, 40));
    expect(text).not.toContain(html.slice(0, 40));
    expect(text).not.toContain(shifted.slice(3, 40));
  }
  expect(written.join('\n')).toContain('[REDACTED]');
});
