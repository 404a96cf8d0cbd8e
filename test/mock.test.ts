// The mock (`npm run mock`, scripts/mock.ts) started from the test on a free port:
// valid requests get spec examples that validate against the spec; invalid requests get Close's
// validation error shape naming the offending field; auth and Prefer headers behave like Prism.
// Requests are built from generated/operations.js and openapi.json, so the test follows the spec as it grows.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeResponse, type RunningServer, startMock, toCloseError } from '../scripts/mock.js';
import { deref as followRef } from '../src/lib/json-pointer.js';
import { rawExchange } from './support/raw-http.js';
import { SpecValidator } from './support/spec-validator.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
/** `v` when it is an object, else an empty one (absent parts of the spec read as empty). */
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

// GENERATED_DIR points the test at another build of generated/ (default: the committed one).
const generated = process.env.GENERATED_DIR ? resolve(process.env.GENERATED_DIR) : join(root, 'generated');
const spec: Obj = JSON.parse(readFileSync(join(generated, 'openapi.json'), 'utf8'));
// The operation list of the same build.
const { operationIds, operations: opList } = (await import(
  pathToFileURL(join(generated, 'operations.js')).href
)) as typeof import('../generated/operations.js');
const AUTH = { Authorization: `Basic ${Buffer.from('test_api_key:').toString('base64')}` };
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** `node` with its local `$ref`s followed (src/lib/json-pointer.ts), read as an object. */
const deref = (node: unknown): Obj => obj(followRef(spec, node));

/** The application/json media type object of a response or request body (its `$ref` followed). */
const jsonMedia = (node: unknown): Obj | undefined => {
  const media = obj(deref(node).content)['application/json'];
  return isObj(media) ? media : undefined;
};

/** An object schema's properties/required/additionalProperties, with `allOf` members merged. */
function objectShape(schema: unknown): { properties: Obj; required: string[]; closed: boolean } {
  const s = deref(schema);
  const out = {
    properties: { ...obj(s.properties) },
    required: arr(s.required).filter((r): r is string => typeof r === 'string'),
    closed: s.additionalProperties === false,
  };
  for (const part of arr(s.allOf)) {
    const p = objectShape(part);
    Object.assign(out.properties, p.properties);
    out.required.push(...p.required);
    out.closed ||= p.closed;
  }
  return out;
}

interface Operation {
  operationId: string;
  method: (typeof METHODS)[number];
  path: string;
  tags: string[];
  op: Obj;
  parameters: Obj[];
}

// From the generated operation list, with each operation's object and parameters read from the bundle.
const operations: Operation[] = operationIds
  .map((operationId) => {
    const { method, path } = opList[operationId];
    const pathItem = deref(obj(spec.paths)[path]);
    const op = obj(pathItem[method]);
    const parameters = [...arr(pathItem.parameters), ...arr(op.parameters)].map((p) => deref(p));
    return { operationId, method, path, tags: arr(op.tags).map(String), op, parameters };
  })
  .sort((a, b) => a.operationId.localeCompare(b.operationId));

/** The operation `method path` (throws when the spec lacks it). */
function operation(method: Operation['method'], path: string): Operation {
  const o = operations.find((x) => x.method === method && x.path === path);
  if (!o) throw new Error(`${method.toUpperCase()} ${path} is not in the spec`);
  return o;
}

function exampleOf(schema: unknown): unknown {
  const s = deref(schema);
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (s.example !== undefined) return s.example;
  for (const part of [...arr(s.allOf), ...arr(s.anyOf), ...arr(s.oneOf)]) {
    const e = exampleOf(part);
    if (e !== undefined) return e;
  }
  return undefined;
}

/** Fills path parameters with their schema examples. */
function urlFor(o: Operation, query = ''): string {
  const path = o.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const param = o.parameters.find((p) => p.in === 'path' && p.name === name);
    const value = isObj(param?.examples)
      ? deref(Object.values(param.examples)[0]).value
      : (param?.example ?? exampleOf(param?.schema));
    if (value === undefined) throw new Error(`${o.operationId}: no example for path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  return path + query;
}

/** Named examples of the JSON request body: [name, value][]. */
function requestExamples(o: Operation): [string, Json][] {
  const media = jsonMedia(o.op.requestBody);
  if (!media) return [];
  const named = Object.entries(obj(media.examples)).map(([name, ex]) => [name, deref(ex).value] as [string, Json]);
  if (named.length) return named;
  const single = media.example ?? exampleOf(media.schema);
  return single === undefined ? [] : [['schema example', single as Json]];
}

let mock: RunningServer;
let validator: SpecValidator;

async function call(
  o: Operation | { method: string; url: string },
  init: { body?: unknown; headers?: Record<string, string>; query?: string; auth?: boolean } = {},
) {
  const url = 'url' in o ? o.url : urlFor(o, init.query ?? '');
  const headers: Record<string, string> = { ...(init.auth === false ? {} : AUTH), ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(init.body);
  }
  const res = await fetch(mock.url + url, { method: o.method.toUpperCase(), headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

function expectValid(o: Operation, status: number, body: unknown) {
  const result = validator.validateResponse(o.operationId, status, body);
  expect(result.errors, `${o.operationId} ${status} does not match the spec`).toEqual([]);
  expect(result.valid).toBe(true);
}

beforeAll(async () => {
  validator = new SpecValidator(spec);
  mock = await startMock({ port: 0, spec: join(generated, 'openapi.yaml') });
}, 60_000);

afterAll(async () => {
  await mock?.close();
});

describe('the spec the mock serves', () => {
  it('has tagged operations with unique operationIds', () => {
    expect(operations.length).toBeGreaterThan(0);
    expect(new Set(operations.map((o) => o.operationId)).size).toBe(operations.length);
    for (const o of operations) expect(o.tags.length, o.operationId).toBeGreaterThan(0);
  });
});

describe('valid requests get responses that validate against the spec', () => {
  it('GET /lead/ answers a list of leads', async () => {
    const o = operation('get', '/lead/');
    const res = await call(o);
    expect(res.status).toBe(200);
    expect(Array.isArray(obj(res.json).data)).toBe(true);
    expect(arr(obj(res.json).data).length).toBeGreaterThan(0);
    expectValid(o, res.status, res.json);
  });

  const tags = arr(spec.tags).map((t) => String(obj(t).name));
  it('every declared tag has operations', () => {
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags)
      expect(
        operations.some((o) => o.tags.includes(tag)),
        tag,
      ).toBe(true);
  });

  // One operation per tag: a GET (the first by operationId, preferring one without path parameters).
  for (const tag of tags) {
    const gets = operations.filter((o) => o.tags.includes(tag) && o.method === 'get');
    const pick = gets.find((o) => !o.path.includes('{')) ?? gets[0];
    it(`${tag}: ${pick ? `${pick.operationId} (GET ${pick.path})` : 'a GET operation'}`, async () => {
      if (!pick) throw new Error(`tag ${tag} has no GET operation`);
      const res = await call(pick);
      expect(res.status, JSON.stringify(res.json)).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
      expectValid(pick, res.status, res.json);
    });
  }

  // Every documented request body example is accepted, and the answer validates.
  const withBodies = operations.flatMap((o) => requestExamples(o).map(([name, body]) => ({ o, name, body })));
  it('the spec has request body examples', () => expect(withBodies.length).toBeGreaterThan(0));
  for (const { o, name, body } of withBodies) {
    it(`${o.operationId} accepts its request example "${name}"`, async () => {
      const res = await call(o, { body });
      expect(res.status, JSON.stringify(res.json)).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
      expectValid(o, res.status, res.json);
    });
  }
});

describe('Prefer headers pass through to Prism', () => {
  // An operation whose success response has several named examples.
  const multi = operations
    .map((o) => {
      const [status, response] = Object.entries(obj(o.op.responses)).find(([s]) => s.startsWith('2')) ?? [];
      const examples = obj(jsonMedia(response)?.examples);
      return {
        o,
        status: Number(status),
        examples: Object.entries(examples).map(([n, e]) => [n, deref(e).value] as const),
      };
    })
    .find((x) => x.examples.length > 1 && !x.o.op.requestBody);

  it.runIf(multi)(`Prefer: example=<name> picks a named example (${multi?.o.operationId})`, async () => {
    if (!multi) throw new Error('runIf: no operation with several named examples');
    for (const [name, value] of multi.examples) {
      const res = await call(multi.o, { headers: { Prefer: `example=${name}` } });
      expect(res.status).toBe(multi.status);
      expect(res.json, `example ${name}`).toEqual(value);
    }
  });

  it('Prefer: code=429 answers 429 with Retry-After and a spec-valid body', async () => {
    const o = operation('get', '/lead/');
    const res = await call(o, { headers: { Prefer: 'code=429' } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expectValid(o, res.status, res.json);
  });

  it('Prefer: code=400 on a valid request returns the declared 400 example unchanged', async () => {
    const o = operation('get', '/lead/');
    const declared = deref(jsonMedia(obj(o.op.responses)['400'])?.examples);
    const first = deref(Object.values(declared)[0]).value;
    const res = await call(o, { headers: { Prefer: 'code=400' } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(first);
  });
});

describe('credentials', () => {
  it('no Authorization header: 401 with a spec-valid error body', async () => {
    const o = operation('get', '/lead/');
    const res = await call(o, { auth: false });
    expect(res.status).toBe(401);
    expectValid(o, res.status, res.json);
    expect(typeof obj(res.json).error).toBe('string');
  });

  it('malformed Basic credentials: 401', async () => {
    const o = operation('get', '/lead/');
    const res = await call(o, {
      auth: false,
      headers: { Authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` },
    });
    expect(res.status).toBe(401);
  });
});

describe("invalid requests get 400 in Close's shape, naming the field", () => {
  // Candidates: operations with a JSON body and an example to start from (first by operationId wins).
  const bodies = operations.flatMap((o) => {
    const media = jsonMedia(o.op.requestBody);
    const example = requestExamples(o)[0]?.[1];
    if (!media || !example || typeof example !== 'object' || Array.isArray(example)) return [];
    return [{ o, shape: objectShape(media.schema), example }];
  });

  const firstBody = () => {
    const first = bodies[0];
    if (!first) throw new Error('no operation with a JSON request body example');
    return first;
  };

  function expectFieldError(res: { status: number; json: unknown }, field: string, message?: RegExp) {
    expect(res.status, JSON.stringify(res.json)).toBe(400);
    const body = obj(res.json);
    expect(Array.isArray(body.errors)).toBe(true);
    expect(body['field-errors'], JSON.stringify(body)).toHaveProperty([field]);
    if (message) expect(obj(body['field-errors'])[field]).toMatch(message);
  }

  const missing = bodies.flatMap(({ o, shape, example }) =>
    shape.required.filter((f) => f in example).map((f) => ({ o, example, f })),
  )[0];
  it(`missing required field (${missing?.o.operationId}: ${missing?.f})`, async () => {
    if (!missing) throw new Error('no request body with a required field');
    const { [missing.f]: _dropped, ...rest } = missing.example;
    const res = await call(missing.o, { body: rest });
    expectFieldError(res, missing.f, /^This field is required\.$/);
    const valid = validator.validateResponse(missing.o.operationId, 400, res.json);
    expect(valid.errors).toEqual([]);
  });

  const isPlainString = (s: Obj) =>
    (s.type === 'string' ||
      (Array.isArray(s.type) &&
        s.type.includes('string') &&
        !s.type.some((t: unknown) => typeof t === 'string' && ['number', 'integer', 'object'].includes(t)))) &&
    !s.enum;
  const wrongType = bodies.flatMap(({ o, shape, example }) =>
    Object.entries(shape.properties)
      .filter(([name, s]) => name in example && isPlainString(deref(s)))
      .map(([f]) => ({ o, example, f })),
  )[0];
  it(`wrong type (${wrongType?.o.operationId}: ${wrongType?.f} as a number)`, async () => {
    if (!wrongType) throw new Error('no request body with a string field');
    const res = await call(wrongType.o, { body: { ...wrongType.example, [wrongType.f]: 12345 } });
    expectFieldError(res, wrongType.f, /string/);
  });

  const enumField = bodies.flatMap(({ o, shape, example }) =>
    Object.entries(shape.properties)
      .filter(([, s]) => Array.isArray(deref(s).enum))
      .map(([f]) => ({ o, example, f })),
  )[0];
  it(`unknown enum value (${enumField?.o.operationId}: ${enumField?.f})`, async () => {
    if (!enumField) throw new Error('no request body with an enum field');
    const res = await call(enumField.o, { body: { ...enumField.example, [enumField.f]: 'not_a_valid_choice' } });
    expectFieldError(res, enumField.f, /^Not a valid choice\./);
  });

  const closed = bodies.find((b) => b.shape.closed);
  it(`unknown field (${closed?.o.operationId}: not_a_close_field)`, async () => {
    if (!closed) throw new Error('no request body with additionalProperties: false');
    const res = await call(closed.o, { body: { ...closed.example, not_a_close_field: 'x' } });
    expectFieldError(res, 'not_a_close_field', /^Unknown field\.$/);
  });

  const limited = operations.find(
    (o) => o.method === 'get' && o.parameters.some((p) => p.in === 'query' && p.name === '_limit'),
  );
  it(`wrong query parameter type (${limited?.operationId}: _limit=abc)`, async () => {
    if (!limited) throw new Error('no operation with _limit');
    const res = await call(limited, { query: '?_limit=abc' });
    expectFieldError(res, '_limit', /integer/);
  });

  it('a body that is not JSON: 400 with the reason in errors', async () => {
    const o = firstBody().o;
    const res = await fetch(mock.url + urlFor(o), {
      method: o.method.toUpperCase(),
      headers: { ...AUTH, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(400);
    const json = obj(await res.json());
    expect(arr(json.errors).join(' ')).toMatch(/content type/i);
    expect(json['field-errors']).toEqual({});
  });

  it("a malformed JSON body: 400 in Close's error shape, valid against the spec", async () => {
    const o = firstBody().o;
    const res = await fetch(mock.url + urlFor(o), {
      method: o.method.toUpperCase(),
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(res.status).toBe(400);
    const json = obj(await res.json());
    expectValid(o, 400, json);
    expect(arr(json.errors).join(' ')).toMatch(/JSON/);
    expect(json['field-errors']).toEqual({});
  });
});

describe("Close's base path, CORS and requests the bridge answers itself", () => {
  it('serves the API under /api/v1 as well as at the root', async () => {
    const o = operation('get', '/lead/');
    const root = await call(o);
    const based = await call({ method: 'get', url: `/api/v1${urlFor(o)}` });
    expect(based.status).toBe(200);
    expect(based.json).toEqual(root.json);
    const invalid = await call({ method: 'get', url: '/api/v1/lead/?_limit=abc' });
    expect(invalid.status).toBe(400);
    expect(Object.keys(obj(obj(invalid.json)['field-errors']))).toContain('_limit');
  });

  it('any origin may call it, without credentials; the rate-limit headers are readable', async () => {
    const res = await fetch(`${mock.url}/api/v1/lead/`, { headers: { ...AUTH, Origin: 'http://localhost:5173' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-expose-headers')).toMatch(/\bRetry-After\b.*\bX-Rate-Limit-Reset\b/);
    const preflight = await fetch(`${mock.url}/api/v1/lead/`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type, prefer',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization.*Content-Type.*Prefer/);
  });

  it('malformed percent-encoding: 400 {error} from the bridge, and the mock keeps answering', async () => {
    for (const path of ['/lead/%ff/', '/api/v1/lead/%ff/', '/%', '/lead/%E0%A4%A/']) {
      const res = await call({ method: 'get', url: path });
      expect(res.status, path).toBe(400);
      expect(typeof obj(res.json).error, path).toBe('string');
    }
    expect((await call(operation('get', '/lead/'))).status).toBe(200);
  });

  it('a path with an empty segment (//[, //lead/): 404 {error}', async () => {
    for (const path of ['//[', '//lead/', '/api/v1//lead/']) {
      // fetch would normalize these URLs: send them as written.
      const res = await rawExchange(mock.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(res.statuses, path).toEqual([404]);
      expect(JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4)), path).toHaveProperty('error');
    }
  });

  it("a Content-Type that is not a media type, or an unknown charset: 400 in Close's shape (Prism answered 500)", async () => {
    for (const contentType of [';;;/;', 'application/json; charset', 'application/json; charset=klingon']) {
      const res = await call(
        { method: 'post', url: '/lead/' },
        { body: { name: 'x' }, headers: { 'content-type': contentType } },
      );
      expect(res.status, contentType).toBe(400);
      expect(arr(obj(res.json).errors).length, contentType).toBe(1);
      expect(obj(res.json)['field-errors'], contentType).toEqual({});
    }
  });

  it('a body over 10 MB: 413 {error}, refused on its declared length', async () => {
    const res = await rawExchange(
      mock.port,
      'POST /lead/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n',
      { end: false, responses: 1 },
    );
    expect(res.statuses).toEqual([413]);
    expect(res.text).toContain('"error":"Request body too large');
  });
});

describe('toCloseError (Prism violation -> Close error body)', () => {
  it('maps each kind of violation to a field', () => {
    const out = toCloseError([
      {
        location: ['request', 'body'],
        severity: 'Error',
        code: 'required',
        message: "Request body must have required property 'name'",
      },
      {
        location: ['request', 'body', 'contacts', '0'],
        severity: 'Error',
        code: 'required',
        message: "Request body property contacts.0 must have required property 'emails'",
      },
      {
        location: ['request', 'body', 'status'],
        severity: 'Error',
        code: 'enum',
        message: 'Request body property status must be equal to one of the allowed values: active, won',
      },
      {
        location: ['request', 'body'],
        severity: 'Error',
        code: 'additionalProperties',
        message: "Request body must NOT have additional properties; found 'nmae'",
      },
      {
        location: ['request', 'query', '_limit'],
        severity: 'Error',
        code: 'type',
        message: 'Request query parameter _limit must be integer',
      },
      {
        location: ['path', 'lead_id'],
        severity: 'Error',
        code: 'pattern',
        message: 'Request path parameter lead_id must match pattern "^lead_"',
      },
      { location: ['request'], severity: 'Error', code: 415, message: 'Supported content types: application/json' },
    ]);
    expect(out).toEqual({
      errors: ['Supported content types: application/json.'],
      'field-errors': {
        name: 'This field is required.',
        'contacts.0.emails': 'This field is required.',
        status: 'Not a valid choice. Allowed values: active, won.',
        nmae: 'Unknown field.',
        _limit: 'Must be integer.',
        lead_id: 'Must match pattern "^lead_".',
      },
    });
  });

  it('joins two problems with the same field', () => {
    const out = toCloseError([
      {
        location: ['request', 'body', 'name'],
        severity: 'Error',
        code: 'type',
        message: 'Request body property name must be string',
      },
      {
        location: ['request', 'body', 'name'],
        severity: 'Error',
        code: 'minLength',
        message: 'Request body property name must NOT have fewer than 1 characters',
      },
    ]);
    expect(out['field-errors']).toEqual({ name: 'Must be string. Must NOT have fewer than 1 characters.' });
  });
});

describe('the bridge log', () => {
  it("does not call the 429's deprecated X-Rate-Limit-* headers a break of the spec, and still reports real breaks", () => {
    const deprecated = [
      {
        location: ['response', 'header', 'X-Rate-Limit-Limit'],
        message: 'Header param X-Rate-Limit-Limit is deprecated',
      },
      {
        location: ['response', 'header', 'X-Rate-Limit-Reset'],
        message: 'Header param X-Rate-Limit-Reset is deprecated',
      },
    ];
    const real = { location: ['response', 'body', 'id'], message: 'Request body property id must match pattern' };
    const answer = (violations: object[]) =>
      bridgeResponse(429, { 'sl-violations': JSON.stringify(violations) }, Buffer.from('{}')).responseViolations;
    expect(answer(deprecated)).toEqual([]);
    expect(answer([...deprecated, real])).toEqual([real]);
  });
});
