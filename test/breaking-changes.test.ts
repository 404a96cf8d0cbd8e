// Breaking-change check (scripts/breaking-changes.ts): one small before/after pair per rule, plus runs
// of the CLI against the real published description.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BreakingChangeFinding, compareDocuments, toMarkdown } from '../scripts/breaking-changes.js';
import { formatPointer, resolvePointer } from '../src/lib/json-pointer.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SCRIPT = path.join(ROOT, 'scripts/breaking-changes.ts');

type Obj = Record<string, unknown>;

/** A small description: GET/PUT /lead/{lead_id}/ and POST /lead/, with request and response schemas. */
function baseDoc(): Obj {
  return {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/lead/{lead_id}/': {
        parameters: [{ $ref: '#/components/parameters/LeadIdPath' }],
        get: {
          operationId: 'getLead',
          parameters: [{ name: '_fields', in: 'query', schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Lead' } } },
            },
            '404': {
              description: 'missing',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } },
            },
          },
        },
      },
      '/lead/': {
        post: {
          operationId: 'createLead',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/LeadCreate' } } },
          },
          responses: {
            '200': {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Lead' } } },
            },
          },
        },
      },
    },
    components: {
      parameters: {
        LeadIdPath: { name: 'lead_id', in: 'path', required: true, schema: { type: 'string' } },
      },
      schemas: {
        ApiError: { type: 'object', properties: { error: { type: 'string' } } },
        StatusType: { type: 'string', enum: ['active', 'won', 'lost'] },
        Contact: {
          type: 'object',
          required: ['id'],
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/components/schemas/Contact' } },
          },
        },
        Lead: {
          type: 'object',
          required: ['id', 'display_name'],
          properties: {
            id: { type: 'string' },
            display_name: { type: 'string' },
            status_type: { $ref: '#/components/schemas/StatusType' },
            contacts: { type: 'array', items: { $ref: '#/components/schemas/Contact' } },
          },
        },
        LeadCreate: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', maxLength: 200 },
            url: { type: ['string', 'null'] },
            size: { type: 'integer', minimum: 0, maximum: 1000 },
            status_type: { type: 'string', enum: ['active', 'won', 'lost'] },
            kind: { const: 'lead' },
            contact: { oneOf: [{ $ref: '#/components/schemas/Contact' }, { type: 'string' }] },
          },
        },
      },
    },
  };
}

function diff(mutate: (d: Obj) => void) {
  const before = baseDoc();
  const after = baseDoc();
  mutate(after);
  return compareDocuments(before, after);
}

function has(list: BreakingChangeFinding[], rule: string, operation?: string): BreakingChangeFinding {
  const f = list.find((x) => x.rule === rule && (!operation || x.operation === operation));
  if (!f) throw new Error(`no ${rule}${operation ? ` on ${operation}` : ''} in ${JSON.stringify(list, null, 1)}`);
  return f;
}

/** The object at `keys` in `d`, edited in place by the tests (throws when there is none). */
function at(d: unknown, ...keys: string[]): Obj {
  const node = resolvePointer(d, keys);
  if (node === null || typeof node !== 'object' || Array.isArray(node))
    throw new Error(`no object at ${formatPointer(keys)}`);
  return node as Obj;
}

/** The array at `keys` in `d`, edited in place by the tests. */
function listAt(d: unknown, ...keys: string[]): unknown[] {
  const node = resolvePointer(d, keys);
  if (!Array.isArray(node)) throw new Error(`no array at ${formatPointer(keys)}`);
  return node;
}

/** A component schema, or an object inside it: `S(d, 'Lead', 'properties')`. */
const S = (d: unknown, ...keys: string[]) => at(d, 'components', 'schemas', ...keys);
const GET = 'GET /lead/{lead_id}/';
const POST = 'POST /lead/';

describe('breaking-change rules', () => {
  it('reports nothing for identical documents', () => {
    const r = diff(() => {});
    expect(r.breaking).toEqual([]);
    expect(r.additions).toEqual([]);
  });

  // Both directions
  it('removed operation', () => {
    const r = diff((d) => {
      delete at(d, 'paths', '/lead/').post;
    });
    expect(has(r.breaking, 'operation-removed', POST).message).toContain('Remove operation POST /lead/');
  });

  it('changed operationId', () => {
    const r = diff((d) => {
      at(d, 'paths', '/lead/{lead_id}/', 'get').operationId = 'fetchLead';
    });
    expect(has(r.breaking, 'operation-id-changed', GET).message).toBe('Change operationId `getLead` to `fetchLead`');
  });

  it('removed parameter', () => {
    const r = diff((d) => {
      at(d, 'paths', '/lead/{lead_id}/', 'get').parameters = [];
    });
    expect(has(r.breaking, 'parameter-removed', GET).message).toContain('`_fields`');
  });

  it('renamed parameter', () => {
    const r = diff((d) => {
      at(d, 'paths', '/lead/{lead_id}/', 'get', 'parameters', '0').name = 'fields';
    });
    expect(has(r.breaking, 'parameter-renamed', GET).message).toBe('Rename query parameter `_fields` to `fields`');
  });

  it('renamed path parameter (generated clients name it) and a path template rename', () => {
    const r = diff((d) => {
      const item = at(d, 'paths', '/lead/{lead_id}/');
      delete at(d, 'paths')['/lead/{lead_id}/'];
      at(d, 'paths')['/lead/{id}/'] = item;
      item.parameters = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
    });
    expect(r.breaking.filter((f) => f.rule === 'operation-removed')).toEqual([]);
    expect(has(r.breaking, 'parameter-renamed', 'GET /lead/{id}/').message).toBe(
      'Rename path parameter `lead_id` to `id`',
    );
  });

  it('request body became required', () => {
    const r = diff((d) => {
      at(d, 'paths', '/lead/{lead_id}/', 'get').requestBody = {
        required: true,
        content: { 'application/json': { schema: { type: 'object' } } },
      };
    });
    has(r.breaking, 'request-body-required', GET);
  });

  it('parameter became required, and a new required parameter', () => {
    const r = diff((d) => {
      at(d, 'paths', '/lead/{lead_id}/', 'get', 'parameters', '0').required = true;
      at(d, 'paths', '/lead/', 'post').parameters = [
        { name: 'dry_run', in: 'query', required: true, schema: { type: 'boolean' } },
      ];
    });
    has(r.breaking, 'parameter-became-required', GET);
    has(r.breaking, 'parameter-added-required', POST);
  });

  // Request
  it('request: new required field', () => {
    const r = diff((d) => {
      S(d, 'LeadCreate', 'properties').owner = { type: 'string' };
      listAt(d, 'components', 'schemas', 'LeadCreate', 'required').push('owner');
    });
    expect(has(r.breaking, 'request-property-added-required', POST).message).toBe(
      'Add required `owner` to `LeadCreate` request',
    );
  });

  it('request: optional field became required', () => {
    const r = diff((d) => {
      listAt(d, 'components', 'schemas', 'LeadCreate', 'required').push('url');
    });
    expect(has(r.breaking, 'request-property-required', POST).message).toBe(
      'Make `url` required in `LeadCreate` request',
    );
  });

  it('request: removed property of a closed object, but not of an open one', () => {
    const r = diff((d) => {
      delete S(d, 'LeadCreate', 'properties').url;
    });
    expect(has(r.breaking, 'request-property-removed', POST).message).toBe('Remove `url` from `LeadCreate` request');
    const open = diff((d) => {
      delete S(d, 'LeadCreate', 'properties').url;
      S(d, 'LeadCreate').additionalProperties = true;
    });
    expect(open.breaking.filter((f) => f.rule === 'request-property-removed')).toEqual([]);
    has(open.additions, 'request-property-removed-open', POST);
  });

  it('request: narrowed type (a type removed from `type`)', () => {
    const r = diff((d) => {
      S(d, 'LeadCreate', 'properties', 'url').type = 'string';
    });
    const f = has(r.breaking, 'request-type-narrowed', POST);
    expect(f.message).toBe('Narrow `LeadCreate.url` in request: no longer accepts type `null`');
    expect(f.location).toBe('/paths/~1lead~1/post/requestBody/content/application~1json/schema/properties/url');
  });

  it('request: removed enum value and changed const', () => {
    const r = diff((d) => {
      S(d, 'LeadCreate', 'properties', 'status_type').enum = ['active', 'won'];
      S(d, 'LeadCreate', 'properties', 'kind').const = 'company';
    });
    expect(has(r.breaking, 'request-enum-value-removed', POST).message).toBe(
      'Remove value `lost` from enum `LeadCreate.status_type` in request',
    );
    has(r.breaking, 'request-const-changed', POST);
  });

  it('request: tighter constraints (pattern, maximum, minimum, maxLength)', () => {
    const r = diff((d) => {
      const p = (name: string) => S(d, 'LeadCreate', 'properties', name);
      p('name').pattern = '^[A-Z]';
      p('name').maxLength = 100;
      p('size').maximum = 500;
      p('size').minimum = 1;
      p('url').format = 'uri';
    });
    const msgs = r.breaking.filter((f) => /tightened/.test(f.rule)).map((f) => f.message);
    expect(msgs).toEqual(
      expect.arrayContaining([
        'Tighten `LeadCreate.name` in request: must match pattern `^[A-Z]`',
        'Tighten `LeadCreate.name` in request: lower `maxLength` from 200 to 100',
        'Tighten `LeadCreate.size` in request: lower `maximum` from 1000 to 500',
        'Tighten `LeadCreate.size` in request: raise `minimum` from 0 to 1',
        'Tighten `LeadCreate.url` in request: must have format `uri`',
      ]),
    );
    // Loosening goes to the additions.
    const loose = diff((d) => {
      S(d, 'LeadCreate', 'properties', 'size').maximum = 5000;
    });
    expect(loose.breaking).toEqual([]);
    has(loose.additions, 'request-constraint-loosened', POST);
  });

  it('request: removed oneOf member', () => {
    const r = diff((d) => {
      listAt(d, 'components', 'schemas', 'LeadCreate', 'properties', 'contact', 'oneOf').pop();
    });
    expect(has(r.breaking, 'request-member-removed', POST).message).toContain('from `LeadCreate.contact` in request');
  });

  it('request: additions are not breaking (optional field, enum value, wider type, new member)', () => {
    const r = diff((d) => {
      S(d, 'LeadCreate', 'properties').description = { type: 'string' };
      listAt(d, 'components', 'schemas', 'LeadCreate', 'properties', 'status_type', 'enum').push('paused');
      S(d, 'LeadCreate', 'properties', 'size').type = ['integer', 'null'];
      listAt(d, 'components', 'schemas', 'LeadCreate', 'properties', 'contact', 'oneOf').push({ type: 'integer' });
    });
    expect(r.breaking).toEqual([]);
    for (const rule of [
      'request-property-added',
      'request-enum-value-added',
      'request-type-widened',
      'request-member-added',
    ])
      has(r.additions, rule, POST);
  });

  // Response
  it('response: removed property', () => {
    const r = diff((d) => {
      delete S(d, 'Lead', 'properties').status_type;
    });
    const f = has(r.breaking, 'response-property-removed', GET);
    expect(f.message).toBe('Remove `status_type` from `Lead` response');
    has(r.breaking, 'response-property-removed', POST); // the same schema answers both operations
  });

  it('response: nested property removed inside a recursive schema', () => {
    const r = diff((d) => {
      delete S(d, 'Contact', 'properties').name;
    });
    expect(has(r.breaking, 'response-property-removed', GET).message).toBe('Remove `name` from `Contact` response');
  });

  it('response: property no longer required', () => {
    const r = diff((d) => {
      S(d, 'Lead').required = ['id'];
    });
    expect(has(r.breaking, 'response-property-optional', GET).message).toBe(
      'Make `display_name` optional in `Lead` response',
    );
  });

  it('response: type widened (became nullable, by type array or by a null union member)', () => {
    const r = diff((d) => {
      S(d, 'Lead', 'properties', 'display_name').type = ['string', 'null'];
    });
    expect(has(r.breaking, 'response-type-widened', GET).message).toBe('Make `Lead.display_name` nullable in response');
    const u = diff((d) => {
      S(d, 'Lead', 'properties').status_type = {
        anyOf: [{ $ref: '#/components/schemas/StatusType' }, { type: 'null' }],
      };
    });
    expect(has(u.breaking, 'response-member-added', GET).message).toBe('Make `Lead.status_type` nullable in response');
  });

  it('response: a field that becomes required (always sent) is not breaking', () => {
    const r = diff((d) => {
      S(d, 'Lead').required = ['id', 'display_name', 'status_type'];
    });
    expect(r.breaking).toEqual([]);
    expect(has(r.additions, 'response-property-required', GET).message).toBe(
      'Make `status_type` always present in `Lead` response',
    );
  });

  it('response: a plain object that becomes a union of narrower objects is not breaking', () => {
    const open = { type: 'object', required: ['type'], properties: { type: { type: 'string' } } };
    const before = baseDoc();
    S(before, 'Lead', 'properties').query = open;
    const after = baseDoc();
    S(after, 'Lead', 'properties').query = {
      oneOf: [
        { type: 'object', required: ['type'], properties: { type: { const: 'and' }, queries: { type: 'array' } } },
        { type: 'object', required: ['type'], properties: { type: { const: 'id' }, value: { type: 'string' } } },
      ],
    };
    const r = compareDocuments(before, after);
    expect(r.breaking).toEqual([]);
    // A member the old schema did not allow (a number) is still a breaking addition.
    listAt(after, 'components', 'schemas', 'Lead', 'properties', 'query', 'oneOf').push({ type: 'number' });
    expect(has(compareDocuments(before, after).breaking, 'response-member-added', GET)).toBeDefined();
  });

  it('response: enum value added to a closed enum (exhaustive switches) is breaking; removed is not', () => {
    const r = diff((d) => {
      listAt(d, 'components', 'schemas', 'StatusType', 'enum').push('paused');
    });
    const f = has(r.breaking, 'response-enum-value-added', GET);
    expect(f.message).toBe('Add value `paused` to enum `StatusType` in response');
    expect(f.warn).toBe(true);
    const nullable = baseDoc();
    S(nullable, 'Lead', 'properties', 'display_name').type = ['string', 'null'];
    const narrowed = compareDocuments(nullable, baseDoc());
    expect(narrowed.breaking).toEqual([]);
    has(narrowed.additions, 'response-type-narrowed', GET);
    const removed = diff((d) => {
      S(d, 'StatusType').enum = ['active'];
    });
    expect(removed.breaking).toEqual([]);
    has(removed.additions, 'response-enum-value-removed', GET);
  });

  it('response: removed success status code (a removed error code is not breaking)', () => {
    const r = diff((d) => {
      const res = at(d, 'paths', '/lead/{lead_id}/', 'get', 'responses');
      res['201'] = res['200'];
      delete res['200'];
      delete res['404'];
    });
    has(r.breaking, 'response-status-removed', GET);
    expect(r.breaking.filter((f) => f.message.includes('404'))).toEqual([]);
    expect(r.additions.map((f) => f.message)).toEqual(
      expect.arrayContaining(['Remove 404 response', 'Add 201 response']),
    );
  });

  it('response: removed response schema', () => {
    const r = diff((d) => {
      delete at(d, 'paths', '/lead/{lead_id}/', 'get', 'responses', '200').content;
    });
    has(r.breaking, 'response-schema-removed', GET);
  });

  it('response and operation additions are not breaking', () => {
    const r = diff((d) => {
      S(d, 'Lead', 'properties').created_by = { type: 'string' };
      at(d, 'paths', '/lead/{lead_id}/', 'get', 'responses')['429'] = { description: 'slow down' };
      at(d, 'paths')['/contact/'] = {
        get: { operationId: 'listContacts', responses: { '200': { description: 'ok' } } },
      };
    });
    expect(r.breaking).toEqual([]);
    expect(r.additions.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['response-property-added', 'response-status-added', 'operation-added']),
    );
  });

  it('Markdown summary uses the changelog grammar with the ⚠️ marker and the operations', () => {
    const md = toMarkdown(
      diff((d) => {
        delete S(d, 'Lead', 'properties').status_type;
        S(d, 'Lead', 'properties').owner = { type: 'string' };
      }),
    );
    expect(md).toContain('- Remove `status_type` from `Lead` response ⚠️ GET /lead/{lead_id}/, POST /lead/');
    expect(md).toContain('- Add `owner` to `Lead` response — GET /lead/{lead_id}/, POST /lead/');
  });
});

describe('breaking-changes CLI', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });

  it('exits 1 on breaking changes, 0 with --allow-breaking, and prints JSON with --json', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'breaking-'));
    const before = baseDoc();
    const after = baseDoc();
    delete S(after, 'Lead', 'properties').status_type;
    writeFileSync(path.join(dir, 'base.json'), JSON.stringify(before));
    writeFileSync(path.join(dir, 'head.json'), JSON.stringify(after));
    const files = ['--base-file', path.join(dir, 'base.json'), '--head-file', path.join(dir, 'head.json')];
    const r = run(files);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('Remove `status_type` from `Lead` response ⚠️');
    expect(run([...files, '--allow-breaking']).status).toBe(0);
    const j = run([...files, '--json']);
    expect(JSON.parse(j.stdout).breaking.length).toBe(2);
    expect(run(['--bogus']).status).toBe(2);
  });

  it('compares the real generated/openapi.json with itself quickly and finds nothing', () => {
    const file = path.join(ROOT, 'generated/openapi.json');
    const t0 = performance.now();
    const r = run(['--base-file', file, '--head-file', file, '--json']);
    const ms = performance.now() - t0;
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.breaking).toEqual([]);
    expect(out.additions).toEqual([]);
    expect(ms).toBeLessThan(5000);
  });

  it('runs against HEAD~5 of this repository without crashing', (ctx) => {
    try {
      execFileSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD~5^{commit}'], { cwd: ROOT, stdio: 'ignore' });
    } catch {
      ctx.skip(); // shallow clone
      return;
    }
    const r = run(['--base', 'HEAD~5', '--json']);
    expect([0, 1], r.stderr).toContain(r.status);
    const out = JSON.parse(r.stdout);
    expect(Array.isArray(out.breaking)).toBe(true);
    expect(Array.isArray(out.additions)).toBe(true);
  });

  it('a base ref without generated/openapi.json (the first commit) is skipped with exit 0', () => {
    const first =
      execFileSync('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: ROOT, encoding: 'utf8' })
        .trim()
        .split('\n')[0] ?? '';
    const present = spawnSync('git', ['cat-file', '-e', `${first}:generated/openapi.json`], { cwd: ROOT }).status === 0;
    const r = run(['--base', first]);
    if (present) {
      expect([0, 1]).toContain(r.status);
    } else {
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('has no generated/openapi.json');
    }
    expect(run(['--base', 'no-such-ref-xyz']).status).toBe(2);
  });
});
