// The bundle (generated/openapi.json) describes exactly the 36 operations in scope (issue "The spec",
// shared/reference/close-api.md §4), as OpenAPI 3.1.0, with unique camelCase operationIds and a
// developer.close.com page for each.
import { describe, expect, it } from 'vitest';
import { loadBundledSpec, SpecValidator } from './support/spec-validator.js';

const doc = loadBundledSpec();
const validator = new SpecValidator(doc);

// Method + path of the 36 operations in scope (path parameter names as the spec spells them).
const EXPECTED = [
  'GET /lead/',
  'POST /lead/',
  'GET /lead/{lead_id}/',
  'PUT /lead/{lead_id}/',
  'DELETE /lead/{lead_id}/',
  'POST /lead/merge/',
  'GET /contact/',
  'POST /contact/',
  'GET /contact/{contact_id}/',
  'PUT /contact/{contact_id}/',
  'GET /opportunity/',
  'POST /opportunity/',
  'GET /opportunity/{opportunity_id}/',
  'PUT /opportunity/{opportunity_id}/',
  'GET /activity/',
  'POST /activity/note/',
  'POST /activity/call/',
  'POST /activity/email/',
  'POST /activity/sms/',
  'GET /task/',
  'POST /task/',
  'PUT /task/{task_id}/',
  'GET /pipeline/',
  'POST /pipeline/',
  'PUT /pipeline/{pipeline_id}/',
  'GET /status/lead/',
  'GET /status/opportunity/',
  'POST /status/opportunity/',
  'GET /me/',
  'GET /user/',
  'GET /organization/{organization_id}/',
  'GET /custom_field/lead/',
  'POST /custom_field/lead/',
  'POST /data/search/',
  'GET /saved_search/',
  'GET /event/',
];
const ALL_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation in the bundle, whatever its method (not only the four SpecValidator indexes). */
function allOperations(): { key: string; op: any }[] {
  const out: { key: string; op: any }[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const m of ALL_METHODS) if (item?.[m]) out.push({ key: `${m.toUpperCase()} ${path}`, op: item[m] });
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

  it('the expected list itself has 36 distinct operations', () => {
    expect(new Set(EXPECTED).size).toBe(36);
  });

  it('has exactly the 36 operations in scope, and no others', () => {
    const actual = allOperations().map((o) => o.key);
    expect([...actual].sort()).toEqual([...EXPECTED].sort());
  });

  it('has no webhooks or callbacks beyond the 36 operations', () => {
    expect(doc.webhooks ?? {}).toEqual({});
    for (const { key, op } of allOperations()) expect(op.callbacks, key).toBeUndefined();
  });

  it('SpecValidator indexes the same 36 operations', () => {
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
    expect(ids).toHaveLength(36);
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
