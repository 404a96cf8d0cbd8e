// `npm run mock`: a mock of the Close API built from generated/openapi.yaml.
//
// Prism 5.14.2 runs in this process (its public packages: @stoplight/prism-http reads the spec,
// @stoplight/prism-http-server serves it) on an internal port, with request validation and security
// checks on. In front of it sits a small node:http bridge on the public port (127.0.0.1:4011, or
// $PORT / --port). It serves the API both under Close's base path and at the root
// (`http://127.0.0.1:4011/api/v1/lead/` = `http://127.0.0.1:4011/lead/`: a leading `/api/v1` is
// stripped before forwarding), so `http://127.0.0.1:4011/api/v1` can stand in for
// `https://api.close.com/api/v1` as a client's base URL.
//
// The bridge is what the outside world talks to, so it guards Prism and the process
// (src/lib/http-guard.ts); no request, however malformed, may stop it:
//
//   - A path with malformed percent-encoding (`/lead/%ff/`, `/%`) is answered `400 {"error": ...}`
//     and a path with an empty segment (`//[`, `//lead/`) `404 {"error": ...}` by the bridge: Prism
//     never sees them (its path matcher threw URIError out of the event loop, `new URL` reads `//x` as
//     a host). Anything thrown while proxying becomes a 500/502 `{"error": ...}` for that request.
//   - Bodies are read by the bridge with a 10 MB limit while they stream in: a declared
//     Content-Length over it gets 413 at once, a chunked body 413 as soon as it passes the limit; what
//     is over the limit is never held in memory. Then the body goes to Prism in one piece.
//   - The request line and headers must arrive within 10 s, the whole request within 30 s (408
//     otherwise); malformed HTTP gets 400 (431 for oversized headers), all in Close's `{"error"}` shape.
//   - CORS: any origin, never credentials (`Access-Control-Allow-Origin: *`, no
//     `Access-Control-Allow-Credentials`), preflights answered by the bridge, the rate-limit headers
//     exposed. Prism's own CORS (which echoed the origin *with* credentials) is off.
//
// Invalid requests are answered like Close would:
//
//   - Prism answers an invalid request to an operation that declares a 400 with that operation's
//     *first 400 example* and hides the real reasons in the `sl-violations` header; to an operation
//     without a 400 it answers 422 application/problem+json with a `validation` array.
//   - The bridge turns both into `400 {"errors": [...], "field-errors": {"<field>": "<message>"}}`,
//     the shape Close uses for validation errors, naming every offending field (`name`,
//     `contacts.0.emails`, `_limit`, ...). Problems not tied to a field (wrong content type, missing
//     body) go to `errors`. The `sl-violations` header is kept for debugging.
//   - A JSON body that does not parse (Prism answers `{"error": {"code": "invalid_json"}}`) gets
//     `400 {"errors": ["Invalid JSON: ..."], "field-errors": {}}`.
//   - Everything else passes through unchanged: examples, `Prefer: example=<name>`,
//     `Prefer: code=<status>`, 401 for missing or malformed credentials, 404 for unknown paths.
//
// One Prism quirk is corrected when the spec is loaded: @stoplight/http-spec puts the media type's
// *schema* `examples[0]` in front of the named examples as an extra example called `default`, so
// Prism would answer e.g. a 401 with the ApiError schema's first example (a field-errors body) and
// `Prefer: example=default` would pick that one instead of the spec's named `default`. Where a
// media type declares named `examples`, only those are kept, as OpenAPI intends.
//
// Usage: tsx scripts/mock.ts [--spec generated/openapi.yaml] [--port 4011] [--host 127.0.0.1] [--quiet]
// Library: `const mock = await startMock({ port: 0 }); mock.url; await mock.close();`
// (`startMock({ limits: { requestTimeoutMs: 2000 } })` shortens the timeouts, e.g. for tests.)
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  BodyTooLargeError,
  CORS_EXPOSED_HEADERS,
  cors,
  type GuardLimits,
  hardenServer,
  parseRequestTarget,
  RequestAbortedError,
  readBody,
  resolveLimits,
  sendError,
} from '../src/lib/http-guard.js';
import { deref, JsonPointerError } from '../src/lib/json-pointer.js';
import { isMain } from './lib/cli.js';

// Prism's packages are CommonJS and reached through @stoplight/prism-cli; they are loaded on demand.
const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultSpec = join(root, 'generated', 'openapi.yaml');

/** A running server (the mock, or the docs server of scripts/start.ts). */
export interface RunningServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:4011`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface MockOptions {
  /** OpenAPI file Prism serves (default generated/openapi.yaml). */
  spec?: string;
  /** 0 picks a free port (default 4011, beside the sandbox on 4010). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Receives one line per request; silent when omitted. */
  log?: ((line: string) => void) | undefined;
  /** Body size and timeouts of the bridge (default DEFAULT_LIMITS of src/lib/http-guard.ts: 10 MB, 10 s, 30 s). */
  limits?: Partial<GuardLimits>;
}

/** Close's base path: the mock answers under it as well as at the root (`/api/v1/lead/` = `/lead/`). */
export const API_BASE_PATH = '/api/v1';

/**
 * One of Prism's validation results. `location` starts with `request` or `response` (sl-violations
 * header) or directly with `body`/`query`/`path`/`header` (422 problem+json); its items are keys or
 * array indexes.
 */
export interface PrismViolation {
  location?: (string | number)[];
  severity?: string;
  code?: string | number;
  message?: string;
}

/** Close's validation error body. */
export interface CloseValidationError {
  errors: string[];
  'field-errors': Record<string, string>;
}

export type Headers = Record<string, string | string[]>;

export interface BridgedResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The body was replaced by a Close-shaped validation error. */
  rewritten: boolean;
  /** Where Prism found the mock's own response breaking the spec. */
  responseViolations: PrismViolation[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

// Close's own wording, as recorded in real 400 bodies (see the ApiError schema).
const REQUIRED = 'This field is required.';
const BAD_CHOICE = 'Not a valid choice.';

/**
 * Turns Prism's request violations into Close's validation error body.
 * Each violation is `{location, code, message}`; the location starts with `request`
 * (sl-violations header) or directly with `body`/`query`/`path`/`header` (422 problem+json).
 */
export function toCloseError(violations: readonly PrismViolation[]): CloseValidationError {
  const errors: string[] = [];
  const fieldErrors: Record<string, string> = {};
  const add = (field: string | undefined, message: string) => {
    if (!field) {
      if (!errors.includes(message)) errors.push(message);
      return;
    }
    const before = fieldErrors[field];
    fieldErrors[field] = before && before !== message ? `${before} ${message}` : message;
  };
  for (const v of violations) {
    const loc = [...(v.location ?? [])];
    if (loc[0] === 'request') loc.shift();
    const where = loc.shift(); // body | query | path | header | undefined
    const message = String(v.message ?? 'Invalid request.');
    const path = loc.map(String);
    // Missing property: the location is the parent object, the name is only in the message.
    const missing = /must have required property '([^']+)'/.exec(message);
    // Unknown property (additionalProperties: false): likewise.
    const unknown = /must NOT have additional properties; found '([^']+)'/.exec(message);
    if (missing && where) {
      add([...path, missing[1]].join('.'), REQUIRED);
    } else if (unknown && where) {
      add([...path, unknown[1]].join('.'), 'Unknown field.');
    } else if (where && path.length) {
      const detail = v.code === 'enum' ? BAD_CHOICE + allowed(message) : sentence(stripSubject(message));
      add(path.join('.'), detail);
    } else {
      add(undefined, sentence(message));
    }
  }
  return { errors, 'field-errors': fieldErrors };
}

function allowed(message: string): string {
  const m = /allowed values: (.+)$/.exec(message);
  return m ? ` Allowed values: ${m[1]}.` : '';
}

// "Request body property contacts.0.name must be string" -> "must be string"
function stripSubject(message: string): string {
  const m =
    /^Request (?:body|query parameter|path parameter|header parameter|header)(?: property)? \S+ (must .*|should .*)$/.exec(
      message,
    );
  return m?.[1] ?? message;
}

function sentence(text: string): string {
  const t = text.trim();
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

function parseViolations(header: string | string[] | undefined): PrismViolation[] {
  if (!header) return [];
  try {
    const parsed: unknown = JSON.parse(String(header));
    return Array.isArray(parsed) ? parsed.filter(isObj) : [];
  } catch {
    return []; // "Too many violations! ..." (truncated) or garbage: leave the response alone
  }
}

// Security failures (code 401) are answered with the declared 401 and are not validation errors.
const isRequestError = (v: PrismViolation) =>
  Array.isArray(v.location) && v.location[0] === 'request' && v.severity === 'Error' && v.code !== 401;

/**
 * Prism's notice that a response carries a header the spec marks deprecated (the 429's legacy
 * `X-Rate-Limit-*`): the mock sends them because the spec declares them, so it is not a break of the spec
 * and is not logged as one (it was printed on every 429).
 */
const isDeprecatedHeaderNotice = (v: PrismViolation) =>
  v.location?.[1] === 'header' && /^Header param \S+ is deprecated$/.test(v.message ?? '');

/** Decides what the bridge sends for one Prism answer. */
export function bridgeResponse(status: number, headers: Headers, body: Buffer): BridgedResponse {
  const violations = parseViolations(headers['sl-violations']);
  const responseViolations = violations.filter(
    (v) => Array.isArray(v.location) && v.location[0] === 'response' && !isDeprecatedHeaderNotice(v),
  );
  let close: CloseValidationError | undefined;
  if (status === 400) {
    // The declared 400 example stands in for the real reasons: replace it. A 400 without request
    // violations (e.g. asked for with `Prefer: code=400`) passes through.
    const requestErrors = violations.filter(isRequestError);
    if (requestErrors.length) close = toCloseError(requestErrors);
    else {
      const code = micriErrorCode(body);
      if (code === 'invalid_json')
        close = { errors: ['Invalid JSON: the request body could not be parsed.'], 'field-errors': {} };
      else if (code === 'invalid_body')
        close = { errors: ['Invalid body: it could not be read (an unsupported charset?).'], 'field-errors': {} };
    }
  } else if (status === 422 && String(headers['content-type'] ?? '').startsWith('application/problem+json')) {
    try {
      const problem: unknown = JSON.parse(body.toString('utf8'));
      if (isObj(problem) && Array.isArray(problem.validation) && problem.validation.length)
        close = toCloseError(problem.validation.filter(isObj));
    } catch {
      // not Prism's problem document: pass through
    }
  }
  if (!close) return { status, headers, body, rewritten: false, responseViolations };
  const out = Buffer.from(JSON.stringify(close));
  const newHeaders = { ...headers, 'content-type': 'application/json', 'content-length': String(out.length) };
  return { status: 400, headers: newHeaders, body: out, rewritten: true, responseViolations };
}

/**
 * Prism's HTTP layer (micri) answers a body it cannot read or parse itself, before any validation, with
 * `400 {"error": {"code": "invalid_json" | "invalid_body", ...}}`: an `error` object that is not Close's
 * shape. Returns that code.
 */
function micriErrorCode(body: Buffer): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return isObj(parsed) && isObj(parsed.error) && typeof parsed.error.code === 'string'
      ? parsed.error.code
      : undefined;
  } catch {
    return undefined;
  }
}

// RFC 9110 media type (`type/subtype *( ; name=value )`) exactly as the content-type package, which
// Prism's body reader uses, parses it (spaces only around parameters): a Content-Type it cannot parse
// makes Prism answer 500.
const TOKEN = String.raw`[!#$%&'*+.^_\`|~0-9A-Za-z-]+`;
const QUOTED = String.raw`"(?:[\x0b\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\x0b\x20-\xff])*"`; // \x0b (not \t): as the package has it
const MEDIA_TYPE = new RegExp(String.raw`^\s*${TOKEN}/${TOKEN}\s*(?:; *${TOKEN} *= *(?:${TOKEN}|${QUOTED}) *)*$`);

/** Whether a Content-Type header value parses as a media type (absent is fine). */
export function isValidContentType(value: string | undefined): boolean {
  return value === undefined || MEDIA_TYPE.test(value);
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

/** Starts Prism and the bridge. Port 0 picks a free port; `log` receives one line per request (default: silent). */
export async function startMock(options: MockOptions = {}): Promise<RunningServer> {
  const spec = resolveSpec(options.spec ?? defaultSpec);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4011;
  const log = options.log ?? (() => {});

  const { getHttpOperationsFromSpec } = require('@stoplight/prism-http') as typeof import('@stoplight/prism-http');
  const { createServer } = require('@stoplight/prism-http-server') as typeof import('@stoplight/prism-http-server');
  const { createLogger } = require('@stoplight/prism-core') as typeof import('@stoplight/prism-core');

  const operations = await getHttpOperationsFromSpec(spec);
  if (operations.length === 0) throw new Error(`no operations found in ${spec}`);
  keepOnlyNamedExamples(operations, parseYaml(readFileSync(spec, 'utf8'), { maxAliasCount: -1 }));
  const prism = createServer(operations, {
    cors: false, // the bridge answers preflights and sets CORS headers itself (never with credentials)
    config: {
      validateRequest: true,
      validateResponse: true,
      checkSecurity: true,
      errors: false,
      upstreamProxy: undefined,
      isProxy: false,
      mock: { dynamic: false, ignoreExamples: false, seed: undefined },
    },
    // Prism's own log is JSON; the bridge prints one readable line per request instead.
    components: { logger: createLogger('PRISM', { level: 'silent' }) },
  });
  const inner = new URL(await prism.listen(0, '127.0.0.1'));
  const agent = new http.Agent({ keepAlive: true });
  const limits = resolveLimits(options.limits);

  const bridge = http.createServer((req, res) => {
    // Whatever goes wrong with one request stays with that request.
    handle(req, res).catch((err: unknown) => {
      log(`${describe(req)} -> 500 (mock bridge error: ${err instanceof Error ? err.message : String(err)})`);
      sendError(res, 500, 'mock bridge: internal error.');
    });
  });
  hardenServer(bridge, limits);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (cors(req, res)) {
      log(`${describe(req)} -> 204 (CORS preflight)`);
      return;
    }
    res.setHeader('access-control-expose-headers', [...CORS_EXPOSED_HEADERS, 'Sl-Violations'].join(', '));
    const refuse = (status: number, message: string) => {
      sendError(res, status, message);
      log(`${describe(req)} -> ${status} (${message})`);
    };
    // Prism must never see a target it cannot parse: its path matcher throws on bad percent-encoding
    // (out of the event loop: it used to stop the process), and `new URL` reads a leading `//` as a host.
    const target = parseRequestTarget(req.url);
    if (!target) return refuse(400, 'Malformed URL: expected a path (/...) with valid percent-encoding.');
    let path = target.pathname;
    if (path === API_BASE_PATH || path.startsWith(`${API_BASE_PATH}/`)) path = path.slice(API_BASE_PATH.length) || '/';
    if (path.includes('//')) return refuse(404, 'Not found: the path has an empty segment.');

    if (!isValidContentType(req.headers['content-type'])) {
      const message = 'Invalid Content-Type header: not a media type (type/subtype; name=value).';
      sendError(res, 400, message, { errors: [message], 'field-errors': {} });
      log(`${describe(req)} -> 400 (${message})`);
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req, limits.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError || err instanceof RequestAbortedError)
        return refuse(err.status, err.message);
      throw err;
    }

    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && k !== 'expect') headers[k] = v;
    headers.host = inner.host;
    if (body.length > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'])
      headers['content-length'] = String(body.length);
    const upstream = http.request(
      { host: inner.hostname, port: inner.port, method: req.method, path: path + target.search, headers, agent },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('error', (err) => fail(res, err));
        up.on('end', () => {
          try {
            const raw: Headers = {};
            for (const [k, v] of Object.entries(up.headers)) {
              // The bridge does CORS itself: any origin, never credentials.
              if (!HOP_BY_HOP.has(k) && !k.startsWith('access-control-') && v !== undefined) raw[k] = v;
            }
            const out = bridgeResponse(up.statusCode ?? 502, raw, Buffer.concat(chunks));
            if (!out.rewritten && !('content-length' in out.headers))
              out.headers['content-length'] = String(out.body.length);
            res.writeHead(out.status, out.headers);
            res.end(out.body);
            let line = `${describe(req)} -> ${out.status}`;
            if (out.rewritten) line += ` (request invalid: ${out.body.toString('utf8')})`;
            if (out.responseViolations.length) {
              line += ` WARNING: the mock's own response breaks the spec: ${out.responseViolations.map((v) => `${(v.location ?? []).join('.')} ${v.message}`).join('; ')}`;
            }
            log(line);
          } catch (err) {
            fail(res, err instanceof Error ? err : new Error(String(err)));
          }
        });
      },
    );
    // Prism answers in about a millisecond; under a loaded event loop (the hostile tests run in-process) it
    // can take longer than a client gets to send its request, so the bridge waits as long as for an idle client.
    upstream.setTimeout(limits.socketTimeoutMs, () =>
      upstream.destroy(new Error(`no answer within ${limits.socketTimeoutMs} ms`)),
    );
    upstream.on('error', (err) => fail(res, err));
    upstream.end(body);
  }
  await new Promise<void>((ok, ko) => {
    bridge.once('error', ko);
    bridge.listen(port, host, () => {
      bridge.off('error', ko);
      ok();
    });
  });
  const address = bridge.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port: actualPort,
    close() {
      closing ??= (async () => {
        await new Promise<void>((ok) => {
          bridge.close(() => ok());
          bridge.closeAllConnections();
        });
        agent.destroy();
        await prism.close().catch(() => {});
      })();
      return closing;
    },
  };
}

/** The parts of Prism's operations (@stoplight/types IHttpOperation) that keepOnlyNamedExamples edits. */
export interface PrismOperation {
  path: string;
  method: string;
  responses?: Array<{ code: string; contents?: Array<{ mediaType: string; examples?: Array<{ key: string }> }> }>;
}

/**
 * Drops the example http-spec derives from a schema's `examples` wherever the media type has named
 * `examples` of its own (see the header comment). `operations` are Prism's, `doc` the raw spec.
 * Returns how many were dropped.
 */
export function keepOnlyNamedExamples(operations: readonly PrismOperation[], doc: unknown): number {
  // A multi-file spec (--spec spec/openapi.yaml) has refs to other files, which Prism resolves but this
  // correction does not: whatever deref cannot follow locally is left alone, not an error.
  const follow = (node: unknown): Obj | undefined => {
    try {
      const n = deref(doc, node);
      return isObj(n) ? n : undefined;
    } catch (err) {
      if (err instanceof JsonPointerError) return undefined;
      throw err;
    }
  };
  /** `node[key]`, its $refs followed. */
  const get = (node: Obj | undefined, key: string) => follow(node?.[key]);
  let dropped = 0;
  for (const op of operations) {
    const pathItem = get(get(isObj(doc) ? doc : undefined, 'paths'), op.path);
    const raw = get(pathItem, op.method);
    for (const response of op.responses ?? []) {
      const rawResponse = get(get(raw, 'responses'), response.code);
      for (const content of response.contents ?? []) {
        const media = get(get(rawResponse, 'content'), content.mediaType);
        if (!media || 'example' in media || !isObj(media.examples)) continue;
        const named = Object.keys(media.examples).length;
        if (named > 0 && content.examples?.length === named + 1 && content.examples[0]?.key === 'default') {
          content.examples.shift();
          dropped++;
        }
      }
    }
  }
  return dropped;
}

function resolveSpec(spec: string): string {
  const file = isAbsolute(spec) ? spec : resolve(process.cwd(), spec);
  if (!existsSync(file)) {
    throw new Error(`${spec} does not exist. Build it first: npm run bundle (or npm run generate).`);
  }
  return file;
}

function fail(res: http.ServerResponse, err: Error): void {
  sendError(res, 502, `mock bridge: Prism did not answer (${err.message}).`);
}

/** `METHOD target` for the log, the target cut short. */
function describe(req: http.IncomingMessage): string {
  const target = String(req.url ?? '');
  return `${req.method} ${target.length > 200 ? `${target.slice(0, 200)}...` : target}`;
}

function parseArgs(argv: string[]): { spec: string; port: number; host: string; quiet: boolean } {
  const opts = {
    spec: defaultSpec,
    port: Number(process.env.PORT ?? 4011),
    host: process.env.HOST ?? '127.0.0.1',
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--spec') opts.spec = value();
    else if (a === '--port' || a === '-p') opts.port = Number(value());
    else if (a === '--host' || a === '-h') opts.host = value();
    else if (a === '--quiet' || a === '-q') opts.quiet = true;
    else if (a === '--help') {
      console.log(
        'usage: tsx scripts/mock.ts [--spec generated/openapi.yaml] [--port 4011] [--host 127.0.0.1] [--quiet]',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error(`invalid port ${opts.port}`);
  return opts;
}

/** Stops `servers` on SIGINT/SIGTERM and exits 0. */
export function stopOnSignals(servers: readonly RunningServer[]): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    await Promise.allSettled(servers.map((s) => s.close()));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (isMain(import.meta.url)) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const mock = await startMock({
      spec: opts.spec,
      port: opts.port,
      host: opts.host,
      log: opts.quiet ? undefined : (line) => console.log(`[mock] ${line}`),
    });
    console.log(`Mock of the Close API (Prism, request validation on) listening on ${mock.url}`);
    console.log(`  spec: ${opts.spec}`);
    console.log(`  base URL for clients: ${mock.url}/api/v1 (the root works too)`);
    console.log(`  try:  curl -u key: ${mock.url}/api/v1/lead/`);
    stopOnSignals([mock]);
  } catch (err) {
    console.error(`mock: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  }
}
