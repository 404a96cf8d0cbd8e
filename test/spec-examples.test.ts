// Every example of the bundled spec validates against its own schema (Ajv 2020-12, the same
// validator as the payload and contract tests): media-type `examples`/`example` (request bodies and
// responses, `$ref`s to components/examples followed), schema `examples` arrays (components and inline
// schemas, at every depth), parameter and header `example`/`examples`.
// Spectral checks only media-type examples, not 3.1 schema `examples` (toolchain.md §6 item 4), and
// Redocly does not see a schema's `examples` through allOf siblings — this test covers all of them.
import { describe, expect, it } from 'vitest';
import { loadBundledSpec, pointerSegment, SpecValidator } from './support/spec-validator.js';

type Obj = Record<string, any>;
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
const join = (ptr: string, ...keys: (string | number)[]) => ptr + keys.map((k) => `/${pointerSegment(k)}`).join('');
/** `#/components/schemas/Lead/properties/id` → `components.schemas.Lead.properties.id` (for test names). */
const readable = (ptr: string) =>
  ptr
    .replace(/^#\//, '')
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');

function collect(): ExampleCase[] {
  const cases: ExampleCase[] = [];
  const seenSchemas = new Set<string>();

  function schema(node: unknown, ptr: string) {
    if (!isObj(node) || typeof node.$ref === 'string' || seenSchemas.has(ptr)) return; // $refs: visited at their component
    seenSchemas.add(ptr);
    if (Array.isArray(node.examples)) {
      node.examples.forEach((value: unknown, i: number) =>
        cases.push({ name: `schema ${readable(ptr)} examples[${i}]`, schemaPointer: ptr, value }),
      );
    }
    if ('example' in node)
      cases.push({ name: `schema ${readable(ptr)} example`, schemaPointer: ptr, value: node.example });
    for (const k of SCHEMA_MAPS)
      if (isObj(node[k])) for (const name of Object.keys(node[k])) schema(node[k][name], join(ptr, k, name));
    for (const k of SCHEMA_ONE) if (isObj(node[k])) schema(node[k], join(ptr, k));
    for (const k of SCHEMA_LISTS)
      if (Array.isArray(node[k])) node[k].forEach((s: unknown, i: number) => schema(s, join(ptr, k, i)));
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
        for (const [name, ex] of Object.entries<any>(node.examples)) {
          const refName = typeof ex?.$ref === 'string' ? ` (${ex.$ref.split('/').pop()})` : '';
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

  const comps: Obj = doc.components ?? {};
  for (const name of Object.keys(comps.schemas ?? {})) schema(comps.schemas[name], join('#/components/schemas', name));
  for (const name of Object.keys(comps.parameters ?? {}))
    holder(join('#/components/parameters', name), `parameter ${name}`);
  for (const name of Object.keys(comps.headers ?? {})) holder(join('#/components/headers', name), `header ${name}`);
  for (const name of Object.keys(comps.responses ?? {}))
    response(join('#/components/responses', name), `response ${name}`);
  for (const name of Object.keys(comps.requestBodies ?? {}))
    holder(join('#/components/requestBodies', name), `request body ${name}`);
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    const itemPtr = join('#/paths', path);
    (item.parameters ?? []).forEach((p: Obj, i: number) => {
      if (typeof p.$ref !== 'string') holder(join(itemPtr, 'parameters', i), `${path} parameter ${p.name}`);
    });
    for (const method of METHODS) {
      const op = item[method];
      if (!isObj(op)) continue;
      const opPtr = join(itemPtr, method);
      const label = op.operationId ?? `${method.toUpperCase()} ${path}`;
      (op.parameters ?? []).forEach((p: Obj, i: number) => {
        if (typeof p.$ref !== 'string') holder(join(opPtr, 'parameters', i), `${label} parameter ${p.name}`);
      });
      if (isObj(op.requestBody) && typeof op.requestBody.$ref !== 'string')
        holder(join(opPtr, 'requestBody'), `${label} request body`);
      for (const status of Object.keys(op.responses ?? {})) {
        // Shared responses are covered once under components; inline ones here.
        if (typeof op.responses[status].$ref !== 'string')
          response(join(opPtr, 'responses', status), `${label} ${status}`);
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
    expect(media).toBeDefined();
    expect(validator.validateAt(media!.schemaPointer, 'not an object').valid).toBe(false);
  });
});
