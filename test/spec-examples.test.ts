// Every example of the bundled spec validates against its own schema (Ajv 2020-12, the same
// validator as the payload and contract tests): media-type `examples`/`example` (request bodies and
// responses, `$ref`s to components/examples followed), schema `examples` arrays (components and inline
// schemas, at every depth), parameter and header `example`/`examples`.
// Spectral checks only media-type examples, not 3.1 schema `examples` (toolchain.md §6 item 4), and
// Redocly does not see a schema's `examples` through allOf siblings — this test covers all of them.
import { describe, expect, it } from 'vitest';
import { parsePointer } from '../src/lib/json-pointer.js';
import { childPointer as join, loadBundledSpec, SpecValidator } from './support/spec-validator.js';

type Obj = Record<string, unknown>;
type ExampleCase = { name: string; schemaPointer: string; value: unknown };

const doc = loadBundledSpec();
const validator = new SpecValidator(doc);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];
const SCHEMA_ONE = [
  'items',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
/** `#/components/schemas/Lead/properties/id` → `components.schemas.Lead.properties.id` (for test names). */
const readable = (ptr: string) => parsePointer(ptr).join('.');

function collect(): ExampleCase[] {
  const cases: ExampleCase[] = [];
  const seenSchemas = new Set<string>();

  function schema(node: unknown, ptr: string) {
    if (!isObj(node) || typeof node.$ref === 'string' || seenSchemas.has(ptr)) return; // $refs: visited at their component
    seenSchemas.add(ptr);
    if (Array.isArray(node.examples)) {
      node.examples.forEach((value: unknown, i: number) => {
        cases.push({ name: `schema ${readable(ptr)} examples[${i}]`, schemaPointer: ptr, value });
      });
    }
    if ('example' in node)
      cases.push({ name: `schema ${readable(ptr)} example`, schemaPointer: ptr, value: node.example });
    for (const k of SCHEMA_MAPS) {
      const members = node[k];
      if (isObj(members)) for (const [name, sub] of Object.entries(members)) schema(sub, join(ptr, k, name));
    }
    for (const k of SCHEMA_ONE) if (isObj(node[k])) schema(node[k], join(ptr, k));
    for (const k of SCHEMA_LISTS) {
      const list = node[k];
      if (Array.isArray(list))
        list.forEach((s: unknown, i: number) => {
          schema(s, join(ptr, k, i));
        });
    }
  }

  /** Media types, parameters and headers: `example`, and `examples` maps of Example objects. */
  function holder(ptr: string, label: string) {
    const { pointer: at, node } = validator.resolve(ptr);
    if (!isObj(node)) return;
    if (node.schema !== undefined) {
      schema(node.schema, join(at, 'schema'));
      if ('example' in node)
        cases.push({ name: `${label} example`, schemaPointer: join(at, 'schema'), value: node.example });
      if (isObj(node.examples)) {
        for (const [name, ex] of Object.entries(node.examples)) {
          const ref = obj(ex).$ref;
          const refName = typeof ref === 'string' ? ` (${parsePointer(ref).at(-1)})` : '';
          const resolved = validator.resolve(join(at, 'examples', name)).node;
          if (!isObj(resolved) || !('value' in resolved)) continue; // externalValue: nothing to check here
          cases.push({
            name: `${label} example "${name}"${refName}`,
            schemaPointer: join(at, 'schema'),
            value: resolved.value,
          });
        }
      }
    }
    if (isObj(node.content))
      for (const type of Object.keys(node.content)) holder(join(at, 'content', type), `${label} ${type}`);
  }

  function response(ptr: string, label: string) {
    const { pointer: at, node } = validator.resolve(ptr);
    if (!isObj(node)) return;
    if (isObj(node.headers))
      for (const h of Object.keys(node.headers)) holder(join(at, 'headers', h), `${label} header ${h}`);
    if (isObj(node.content))
      for (const type of Object.keys(node.content)) holder(join(at, 'content', type), `${label} ${type}`);
  }

  const comps = obj(doc.components);
  for (const [name, s] of Object.entries(obj(comps.schemas))) schema(s, join('#/components/schemas', name));
  for (const name of Object.keys(obj(comps.parameters)))
    holder(join('#/components/parameters', name), `parameter ${name}`);
  for (const name of Object.keys(obj(comps.headers))) holder(join('#/components/headers', name), `header ${name}`);
  for (const name of Object.keys(obj(comps.responses)))
    response(join('#/components/responses', name), `response ${name}`);
  for (const name of Object.keys(obj(comps.requestBodies)))
    holder(join('#/components/requestBodies', name), `request body ${name}`);
  /** Inline parameters (shared ones are covered once under components). */
  const parameters = (list: unknown, at: string, label: string) => {
    (Array.isArray(list) ? list : []).forEach((p: unknown, i: number) => {
      const param = obj(p);
      if (typeof param.$ref !== 'string') holder(join(at, 'parameters', i), `${label} parameter ${param.name}`);
    });
  };
  for (const [path, rawItem] of Object.entries(obj(doc.paths))) {
    const item = obj(rawItem);
    const itemPtr = join('#/paths', path);
    parameters(item.parameters, itemPtr, path);
    for (const method of METHODS) {
      const op = item[method];
      if (!isObj(op)) continue;
      const opPtr = join(itemPtr, method);
      const label = typeof op.operationId === 'string' ? op.operationId : `${method.toUpperCase()} ${path}`;
      parameters(op.parameters, opPtr, label);
      if (isObj(op.requestBody) && typeof op.requestBody.$ref !== 'string')
        holder(join(opPtr, 'requestBody'), `${label} request body`);
      for (const [status, res] of Object.entries(obj(op.responses))) {
        // Shared responses are covered once under components; inline ones here.
        if (typeof obj(res).$ref !== 'string') response(join(opPtr, 'responses', status), `${label} ${status}`);
      }
    }
  }
  return cases;
}

const cases = collect();

describe('spec examples', () => {
  it('the bundle has examples to check (media types, schemas, parameters, headers)', () => {
    expect(cases.some((c) => c.name.startsWith('schema '))).toBe(true);
    expect(cases.some((c) => /application\/json example "/.test(c.name))).toBe(true);
    expect(cases.some((c) => c.schemaPointer.startsWith('#/components/headers/'))).toBe(true);
    expect(cases.some((c) => c.schemaPointer.startsWith('#/components/parameters/'))).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = validator.validateAt(c.schemaPointer, c.value);
    expect(
      result.errors.map((e) => `${e.path}: ${e.message}`),
      `against ${c.schemaPointer}`,
    ).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('the validator rejects a wrong example (the check can fail)', () => {
    // Take a real media-type example and break its top-level type.
    const media = cases.find((c) => /application\/json example "/.test(c.name) && isObj(c.value));
    if (!media) throw new Error('no application/json example with an object value');
    expect(validator.validateAt(media.schemaPointer, 'not an object').valid).toBe(false);
  });
});
