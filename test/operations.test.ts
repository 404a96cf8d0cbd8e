// generated/operations.js: the list of operations everything else is keyed by (scripts/gen-operations.ts).
// The generator is tested on small documents (classes, pointers, refusals), and the committed list against the
// bundle it was made from, so a spec change without `npm run generate` fails here as well as in --check.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type OperationId, type OperationInfo, operationIds, operations } from '../generated/operations.js';
import {
  operationTable,
  README_END,
  README_START,
  renderOperations,
  renderReadmeTable,
  spliceReadme,
} from '../scripts/gen-operations.js';
import {
  isOperationId,
  type operations as OpenapiTsOperations,
  type OperationBody,
  type OperationPathParams,
  type OperationQuery,
  type OperationResult,
  operationList,
} from '../src/index.js';
import type { Lead, LeadCreate, LeadList } from '../src/types.js';

const root = join(import.meta.dirname, '..');
const bundle = JSON.parse(readFileSync(join(root, 'generated', 'openapi.json'), 'utf8')) as Record<string, unknown>;

const ok = { '200': { description: 'ok' } };
const op = (operationId: string, extra: Record<string, unknown> = {}) => ({
  operationId,
  tags: ['T'],
  summary: `Do ${operationId}`,
  externalDocs: { url: `https://developer.close.com/${operationId}` },
  responses: ok,
  ...extra,
});

describe('gen-operations', () => {
  const doc = {
    paths: {
      '/a/': {
        get: op('listA', { 'x-pagination': { style: 'offset' }, parameters: [{ $ref: '#/components/parameters/L' }] }),
        post: op('createA', {
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/ACreate' } } } },
          responses: { '201': { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } } },
        }),
      },
      '/a/{a_id}/': {
        parameters: [{ name: 'a_id', in: 'path', required: true }],
        // an operation's own parameter overrides the path item's of the same name and location
        put: op('updateA', { parameters: [{ name: 'a_id', in: 'path', required: true, description: 'own' }] }),
        delete: op('deleteA', { responses: { '204': { description: 'gone' } } }),
      },
      '/a/merge/': { post: op('mergeA') },
      '/s/': {
        post: op('searchS', {
          'x-pagination': { style: 'body-cursor' },
          requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
        }),
      },
    },
    components: { parameters: { L: { name: '_limit', in: 'query' } } },
  };

  it('classes each operation by method and verb, and points at its schemas', () => {
    const table = operationTable(doc);
    expect(table.map((o) => [o.operationId, o.safety, o.pagination])).toEqual([
      ['listA', 'read', 'offset'],
      ['createA', 'create', null],
      ['updateA', 'update', null],
      ['deleteA', 'delete', null],
      ['mergeA', 'delete', null],
      ['searchS', 'read', 'body-cursor'],
    ]);
    const [listA, createA, updateA, deleteA, , searchS] = table;
    expect(listA?.queryParams).toEqual(['_limit']);
    expect(updateA?.pathParams).toEqual(['a_id']);
    expect(operationTable({ paths: { '/b/{x}/': { get: op('getB') } } })[0]?.pathParams).toEqual([]);
    expect(createA).toMatchObject({
      requestSchema: '#/components/schemas/ACreate',
      successStatus: 201,
      responseSchema: '#/components/schemas/A',
    });
    expect(deleteA).toMatchObject({ successStatus: 204, responseSchema: null, requestSchema: null });
    // an inline schema is pointed at where it stands
    expect(searchS?.requestSchema).toBe('#/paths/~1s~1/post/requestBody/content/application~1json/schema');
    const inline = { content: { 'application/json': { schema: { type: 'object' } } } };
    const braces = { paths: { '/s/{id}/': { post: op('searchS', { requestBody: inline }) } } };
    expect(operationTable(braces)[0]?.requestSchema).toBe(
      '#/paths/~1s~1%7Bid%7D~1/post/requestBody/content/application~1json/schema',
    );
  });

  it('refuses what it cannot class or key', () => {
    const one = (path: string, method: string, o: object) => ({ paths: { [path]: { [method]: o } } });
    expect(() => operationTable(one('/x/', 'post', op('sendX')))).toThrow(/no safety class for POST sendX/);
    expect(() => operationTable(one('/x/', 'get', op('listX', { 'x-pagination': { style: 'page' } })))).toThrow(
      /must be one of/,
    );
    expect(() => operationTable(one('/x/', 'get', op('list_x')))).toThrow(/camelCase/);
    expect(() => operationTable(one('/x/', 'patch', op('patchX')))).toThrow(/method not supported/);
    expect(() => operationTable(one('/x/', 'get', op('getX', { tags: ['A', 'B'] })))).toThrow(/exactly one tag/);
    expect(() => operationTable(one('/x/', 'get', op('getX', { responses: { '404': {} } })))).toThrow(/no 2xx/);
    const twice = { paths: { '/x/': { get: op('getX') }, '/y/': { get: op('getX') } } };
    expect(() => operationTable(twice)).toThrow(/used twice/);
    const dangling = one('/x/', 'get', op('getX', { parameters: [{ $ref: '#/components/parameters/Nope' }] }));
    expect(() => operationTable(dangling)).toThrow(/unresolvable \$ref/);
  });

  it('writes the README table between its markers, and refuses a README without them', () => {
    const table = renderReadmeTable(operationTable(doc));
    expect(table).toContain(
      '| T | [`mergeA`](https://developer.close.com/mergeA) | `POST /a/merge/` | Do mergeA | delete |  |',
    );
    const readme = `# Title\n\n${README_START}\nold\n${README_END}\n\nafter\n`;
    const spliced = spliceReadme(readme, table);
    expect(spliced.startsWith('# Title\n\n')).toBe(true);
    expect(spliced.endsWith('\n\nafter\n')).toBe(true);
    expect(spliced).not.toContain('old');
    expect(spliceReadme(spliced, table)).toBe(spliced);
    expect(() => spliceReadme('# no markers\n', table)).toThrow(/markers/);
  });
});

describe('generated/operations.js', () => {
  const table = operationTable(bundle);

  it('is what the generator makes of the bundle', () => {
    expect(readFileSync(join(root, 'generated', 'operations.js'), 'utf8')).toBe(renderOperations(table).js);
    expect(readFileSync(join(root, 'generated', 'operations.d.ts'), 'utf8')).toBe(renderOperations(table).dts);
  });

  it('holds every operation of the bundle once, keyed by its operationId, frozen', () => {
    expect(operationIds).toEqual(table.map((o) => o.operationId));
    expect(Object.keys(operations)).toEqual(operationIds);
    for (const id of operationIds) expect(operations[id].operationId).toBe(id);
    expect(Object.isFrozen(operations)).toBe(true);
    expect(Object.isFrozen(operations.getLead.pathParams)).toBe(true);
  });

  it('is exported by the package as operationList, next to openapi-typescript’s operations type', () => {
    expect(operationList).toBe(operations);
    expect(isOperationId('getLead')).toBe(true);
    expect(isOperationId('getlead')).toBe(false);
    expect(isOperationId('toString')).toBe(false);
    expect(isOperationId(undefined)).toBe(false);
    expectTypeOf<OpenapiTsOperations['getLead']['parameters']['path']>().toEqualTypeOf<{ lead_id: `lead_${string}` }>();
  });

  it('lets no hand-written export of the package hide a generated schema alias, but the three documented ones', () => {
    const aliases = [
      ...readFileSync(join(root, 'generated', 'aliases.d.ts'), 'utf8').matchAll(/^export type (\w+) =/gm),
    ]
      .map((m) => m[1])
      .filter((n): n is string => n !== undefined);
    expect(aliases).toContain('Lead');
    // Names src/index.ts exports explicitly (`export { … }` / `export type { … }`), which win over `export type *`.
    const index = readFileSync(join(root, 'src', 'index.ts'), 'utf8');
    const explicit = [...index.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) =>
      (m[1] ?? '').split(',').map(
        (n) =>
          n
            .trim()
            .replace(/^type /, '')
            .split(/\s+as\s+/)
            .pop() ?? '',
      ),
    );
    expect(aliases.filter((n) => explicit.includes(n)).sort()).toEqual([
      'CustomFieldId',
      'CustomFieldInput',
      'CustomFieldValue',
    ]);
  });

  it('classes reads, creates, updates and deletes (a merge deletes its source lead)', () => {
    const safety = (s: string) => operationIds.filter((id) => operations[id].safety === s);
    expect(safety('read')).toContain('searchData');
    expect(safety('delete')).toEqual(expect.arrayContaining(['deleteLead', 'mergeLeads']));
    for (const id of operationIds) {
      const o: OperationInfo = operations[id];
      if (o.method === 'get') expect(o.safety, id).toBe('read');
      if (o.method === 'put') expect(o.safety, id).toBe('update');
      if (o.method === 'delete') expect(o.safety, id).toBe('delete');
    }
    expect(operations.createLead).toMatchObject({
      requestSchema: '#/components/schemas/LeadCreate',
      responseSchema: '#/components/schemas/Lead',
    });
  });

  it('types every entry as an OperationInfo, keyed by the OperationId union', () => {
    expectTypeOf(operations).toMatchTypeOf<Readonly<Record<OperationId, OperationInfo>>>();
    expectTypeOf<keyof typeof operations>().toEqualTypeOf<OperationId>();
    expectTypeOf(operations.getLead.pathParams).toEqualTypeOf<readonly ['lead_id']>();
    expectTypeOf<OperationBody<'createLead'>>().toEqualTypeOf<LeadCreate>();
    expectTypeOf<OperationResult<'getLead'>>().toEqualTypeOf<Lead>();
    expectTypeOf<OperationResult<'listLeads'>>().toEqualTypeOf<LeadList>();
    expectTypeOf<OperationPathParams<'getLead'>>().toEqualTypeOf<{ lead_id: `lead_${string}` }>();
    expectTypeOf<OperationQuery<'listLeads'>['_limit']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<OperationBody<'getLead'>>().toBeNever();
  });
});
