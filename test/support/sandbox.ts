// Test harness for the sandbox: starts one (in this process, on a free 127.0.0.1 port) and checks every
// answer it gives against the spec: the body against the operation's declared schema for that status
// (SpecValidator.validateResponse; a request's `_fields` relaxes `required` to the asked fields), the `RateLimit` header on every answer, `Retry-After` on 429s.
// Answers to requests outside the spec's operations must still be Close-shaped (`{"error": "..."}`).
import { expect } from 'vitest';
import { type CloseClient, createCloseClient } from '../../src/index.js';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import { requestedFields, SpecValidator } from './spec-validator.js';

export const spec = new SpecValidator();

const RATE_LIMIT = /^limit=\d+, ?remaining=\d+, ?reset=\d+(\.\d+)?$/;

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON body, undefined when empty. */
  body: unknown;
}

export interface CallInit {
  body?: unknown;
  /** Raw body text (sent as is). */
  raw?: string;
  /** `Authorization` header; default HTTP Basic with the key `test-key`; null sends none. */
  auth?: string | null;
  headers?: Record<string, string>;
  /** Path prefix before the operation path: default `/api/v1`. */
  prefix?: string;
}

/** Fails the test unless an answer conforms to the spec (or, outside it, to Close's error shape). */
export function checkAnswer(method: string, url: string, status: number, headers: Headers, body: unknown): void {
  const where = `${method} ${url} -> ${status}`;
  const rateLimit = headers.get('ratelimit');
  expect(rateLimit, `${where}: RateLimit header`).toMatch(RATE_LIMIT);
  if (status === 429) expect(headers.get('retry-after'), `${where}: Retry-After`).toMatch(/^\d+$/);
  const path = new URL(url).pathname;
  const op = method === 'OPTIONS' ? undefined : spec.findOperation(method, path);
  if (op) {
    const r = spec.validateResponse(op.operationId, status, body, { fields: requestedFields(url) });
    expect(r.errors, `${where}: response of ${op.operationId} does not match the spec`).toEqual([]);
  } else if (status >= 400) {
    expect(body, `${where}: a Close-shaped error`).toMatchObject({ error: expect.any(String) });
  }
}

export interface Harness {
  sandbox: RunningSandbox;
  /** The typed client against the sandbox (no retries, no pacing); every answer checked. */
  client: CloseClient;
  /** A raw request below the base (`/lead/`), every answer checked. */
  call(method: string, path: string, init?: CallInit): Promise<Answer>;
  /** How many answers were checked. */
  checked(): number;
}

export const basic = (key: string): string => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

async function readAnswer(res: Response): Promise<unknown> {
  const text = await res.text();
  return text ? (JSON.parse(text) as unknown) : undefined;
}

export async function startHarness(options: SandboxOptions = {}): Promise<Harness> {
  const sandbox = await startSandbox({ port: 0, ...options });
  const origin = sandbox.url.replace(/\/api\/v1$/, '');
  let checked = 0;
  const validatingFetch = async (input: Request, init?: RequestInit): Promise<Response> => {
    const res = await fetch(input, init);
    const body = await readAnswer(res.clone());
    checkAnswer(input.method, input.url, res.status, res.headers, body);
    checked++;
    return res;
  };
  const client = createCloseClient({
    apiKey: 'test-key',
    baseUrl: sandbox.url,
    retry: false,
    pacing: false,
    fetch: validatingFetch,
  });
  const call = async (method: string, path: string, init: CallInit = {}): Promise<Answer> => {
    const url = `${origin}${init.prefix ?? '/api/v1'}${path}`;
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const auth = init.auth === undefined ? basic('test-key') : init.auth;
    if (auth !== null) headers.authorization = auth;
    let body: string | undefined = init.raw;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
    const parsed = await readAnswer(res);
    checkAnswer(method, url, res.status, res.headers, parsed);
    checked++;
    return { status: res.status, headers: res.headers, body: parsed };
  };
  return { sandbox, client, call, checked: () => checked };
}

/** `{"errors": [], "field-errors": {...}}` with the given field named. */
export function expectFieldError(answer: Answer, field: string): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  expect(answer.body).toMatchObject({ errors: expect.any(Array), 'field-errors': { [field]: expect.any(String) } });
}
