// The bundle (generated/openapi.json) is OpenAPI 3.1.0 and holds exactly the operations of the generated list
// (generated/operations.js, which everything else is keyed by), with unique camelCase operationIds and a
// developer.close.com page for each. No operation count is written here: the list is the count.
import { describe, expect, it } from 'vitest';
import { operationIds, operations } from '../generated/operations.js';
import { loadBundledSpec, SpecValidator } from './support/spec-validator.js';

const doc = loadBundledSpec();
const validator = new SpecValidator(doc);

// Method + path of every operation in the generated list (path parameter names as the spec spells them).
const EXPECTED = operationIds.map((id) => `${operations[id].method.toUpperCase()} ${operations[id].path}`);
const ALL_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation in the bundle, whatever its method (not only the four SpecValidator indexes). */
interface BundledOperation {
  operationId?: unknown;
  callbacks?: unknown;
  externalDocs?: { url?: string };
}
function allOperations(): { key: string; op: BundledOperation }[] {
  const out: { key: string; op: BundledOperation }[] = [];
  const paths = (doc.paths ?? {}) as Record<string, Record<string, BundledOperation | undefined>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const m of ALL_METHODS) {
      const op = item[m];
      if (op) out.push({ key: `${m.toUpperCase()} ${path}`, op });
    }
  }
  return out;
}

describe('spec structure (generated/openapi.json)', () => {
  it('is OpenAPI 3.1.0', () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it('has no jsonSchemaDialect (it switches off Prism request validation)', () => {
    expect(doc).not.toHaveProperty('jsonSchemaDialect');
  });

  it('the generated list has no operation twice', () => {
    expect(EXPECTED.length).toBeGreaterThan(0);
    expect(new Set(EXPECTED).size).toBe(EXPECTED.length);
  });

  it('has exactly the operations of the generated list, under the same operationIds, and no others', () => {
    const actual = allOperations().map((o) => `${o.op.operationId} ${o.key}`);
    const listed = operationIds.map((id, i) => `${id} ${EXPECTED[i]}`);
    expect([...actual].sort()).toEqual([...listed].sort());
  });

  it('has no webhooks or callbacks beyond its operations', () => {
    expect(doc.webhooks ?? {}).toEqual({});
    for (const { key, op } of allOperations()) expect(op.callbacks, key).toBeUndefined();
  });

  it('SpecValidator indexes the same operations', () => {
    const indexed = validator.operations().map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(indexed.sort()).toEqual([...EXPECTED].sort());
  });

  it('operationIds are present, unique and camelCase', () => {
    const ids = allOperations().map(({ key, op }) => {
      expect(typeof op.operationId, `${key} operationId`).toBe('string');
      expect(op.operationId, key).toMatch(/^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$/);
      return op.operationId as string;
    });
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(dupes).toEqual([]);
    expect(ids).toHaveLength(EXPECTED.length);
  });

  it('every operation has externalDocs with a developer.close.com url', () => {
    const missing = allOperations()
      .filter(({ op }) => !/^https:\/\/developer\.close\.com\/\S+$/.test(op.externalDocs?.url ?? ''))
      .map(({ key }) => key);
    expect(missing).toEqual([]);
  });

  it('findOperation maps concrete URLs to the operations', () => {
    expect(validator.findOperation('GET', '/lead/lead_abc/')?.path).toBe('/lead/{lead_id}/');
    expect(validator.findOperation('POST', '/api/v1/lead/merge/')?.path).toBe('/lead/merge/');
    expect(validator.findOperation('get', 'https://api.close.com/api/v1/event/?_cursor=x')?.path).toBe('/event/');
    expect(validator.findOperation('PATCH', '/lead/lead_abc/')).toBeUndefined();
    expect(validator.findOperation('GET', '/leads/')).toBeUndefined();
  });
});
