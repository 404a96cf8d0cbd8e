// SpecValidator (src/lib/spec-validator.ts, re-exported by test/support/spec-validator.ts) on a small
// hand-written document: status fallback, undeclared statuses, OpenAPI-level $refs, request bodies,
// parameters, and OpenAPI-only keywords that Ajv must ignore; then responses trimmed by `_fields` on the real bundle.
import { describe, expect, it } from 'vitest';
import { formatPointer } from '../src/lib/json-pointer.js';
import { requestedFields, SpecValidator } from './support/spec-validator.js';

const doc = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {
    '/thing/': {
      parameters: [{ name: '_limit', in: 'query', schema: { type: 'integer', minimum: 0 } }],
      get: {
        operationId: 'listThings',
        parameters: [{ $ref: '#/components/parameters/Fields' }],
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingList' } } },
          },
          '4XX': { $ref: '#/components/responses/Error' },
        },
      },
      post: {
        operationId: 'createThing',
        requestBody: { $ref: '#/components/requestBodies/ThingCreate' },
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          default: { $ref: '#/components/responses/Error' },
        },
      },
    },
    '/thing/{thing_id}/': {
      delete: { operationId: 'deleteThing', responses: { '204': { description: 'gone' } } },
    },
    '/thing/special/': {
      get: {
        operationId: 'getSpecialThing',
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
        },
      },
    },
  },
  components: {
    parameters: {
      Fields: {
        name: '_fields',
        in: 'query',
        style: 'form',
        explode: false,
        schema: { type: 'array', items: { type: 'string' } },
      },
    },
    requestBodies: {
      ThingCreate: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              required: ['name'],
              properties: { name: { type: 'string' } },
            },
          },
        },
      },
    },
    responses: {
      Error: {
        description: 'error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
      Thing: {
        type: 'object',
        xml: { name: 'thing' },
        externalDocs: { url: 'https://example.org' },
        example: { id: 'thing_1' },
        properties: {
          id: { type: 'string', pattern: '^thing_', readOnly: true, deprecated: true },
          kind: {
            oneOf: [{ $ref: '#/components/schemas/Red' }, { $ref: '#/components/schemas/Blue' }],
            discriminator: { propertyName: 'colour', mapping: { red: '#/components/schemas/Red' } },
          },
          seen: { type: ['string', 'null'], format: 'date-time' },
        },
      },
      Red: { type: 'object', required: ['colour'], properties: { colour: { const: 'red' } } },
      Blue: { type: 'object', required: ['colour'], properties: { colour: { const: 'blue' } } },
      ThingList: {
        type: 'object',
        required: ['data'],
        properties: { data: { type: 'array', items: { $ref: '#/components/schemas/Thing' } } },
      },
      'Odd%/Name': { type: 'object', properties: { 'a/b': { type: 'string' }, '100%': { type: 'integer' } } },
    },
  },
};

const v = new SpecValidator(doc);

describe('SpecValidator', () => {
  it('lists operations and finds them by concrete URL, literal segments first', () => {
    expect(v.operations().map((o) => o.operationId)).toEqual([
      'listThings',
      'createThing',
      'deleteThing',
      'getSpecialThing',
    ]);
    expect(v.findOperation('DELETE', '/api/v1/thing/thing_1/?x=1')?.operationId).toBe('deleteThing');
    expect(v.findOperation('GET', '/thing/special/')?.operationId).toBe('getSpecialThing');
    expect(v.findOperation('GET', '/thing/a/b/')).toBeUndefined();
  });

  it('validates a response through $refs, with paths and keywords in the issues', () => {
    expect(
      v.validateResponse('listThings', 200, { data: [{ id: 'thing_1', kind: { colour: 'red' }, seen: null }] }),
    ).toEqual({ valid: true, errors: [] });
    const bad = v.validateResponse('listThings', 200, {
      data: [{ id: 7, kind: { colour: 'green' }, seen: 'yesterday' }],
    });
    expect(bad.valid).toBe(false);
    expect(bad.errors).toContainEqual({
      path: 'data[0].id',
      message: 'must be string',
      keyword: 'type',
      pointer: '/data/0/id',
    });
    expect(bad.errors.some((e) => e.path === 'data[0].seen' && e.keyword === 'format')).toBe(true);
    expect(bad.errors.some((e) => e.path === 'data[0].kind' && e.keyword === 'oneOf')).toBe(true);
  });

  it('falls back to NXX and default, and flags undeclared statuses', () => {
    expect(v.responseSchema('listThings', 404)).toEqual({ $ref: '#/components/schemas/Error' });
    expect(v.validateResponse('listThings', 404, { error: 'Empty query' }).valid).toBe(true);
    expect(v.validateResponse('listThings', 404, { errors: ['x'] }).valid).toBe(false);
    expect(v.validateResponse('createThing', 503, { error: 'down' }).valid).toBe(true);
    const undeclared = v.validateResponse('listThings', 500, { error: 'x' });
    expect(undeclared.undeclaredStatus).toBe(true);
    expect(undeclared.valid).toBe(false);
    expect(v.validateResponse('deleteThing', 204, undefined).valid).toBe(true);
    expect(v.validateResponse('deleteThing', 204, { unexpected: true }).valid).toBe(false);
  });

  it('validates request bodies through a requestBodies $ref', () => {
    expect(v.validateRequestBody('createThing', { name: 'x' }).valid).toBe(true);
    expect(v.validateRequestBody('createThing', { name: 'x', extra: 1 }).errors).toContainEqual({
      path: '(root)',
      message: "must NOT have additional properties: 'extra'",
      keyword: 'additionalProperties',
      pointer: '',
      property: 'extra',
    });
    expect(v.validateRequestBody('createThing', {}).errors).toContainEqual(
      expect.objectContaining({ keyword: 'required', pointer: '', property: 'name' }),
    );
    expect(v.validateRequestBody('createThing', undefined).valid).toBe(false);
    expect(v.validateRequestBody('listThings', undefined).valid).toBe(true);
    expect(v.validateRequestBody('listThings', { a: 1 }).valid).toBe(false);
  });

  it('reads and writes pointers through keys with /, %, and braces (URI fragments, percent-encoded)', () => {
    expect(v.resolve('#/paths/~1thing~1{thing_id}~1/delete').pointer).toBe('#/paths/~1thing~1%7Bthing_id%7D~1/delete');
    expect(v.resolve('/paths/~1thing~1{thing_id}~1/delete').node).toEqual({
      operationId: 'deleteThing',
      responses: { '204': { description: 'gone' } },
    });
    // Through the $ref at the end: the pointer is where the node really is.
    expect(v.resolve('#/components/responses/Error/content/application~1json/schema').pointer).toBe(
      '#/components/schemas/Error',
    );
    const odd = formatPointer(['components', 'schemas', 'Odd%/Name'], { fragment: true });
    expect(odd).toBe('#/components/schemas/Odd%25~1Name');
    expect(v.validateAt(odd, { 'a/b': 'x', '100%': 1 })).toEqual({ valid: true, errors: [] });
    const bad = v.validateAt(odd, { 'a/b': 1, '100%': 'x' });
    expect(bad.errors.map((e) => e.path).sort()).toEqual(['["100%"]', '["a/b"]']);
    expect(() => v.validateAt('#/components/schemas/Missing', {})).toThrow(/no schema at/);
  });

  it('lists parameters and the request body schema, and compiles validators up front', () => {
    expect(v.parameters('deleteThing')).toEqual([]);
    const params = v.parameters('listThings');
    expect(params.map((p) => [p.in, p.name, p.required, p.explode])).toEqual([
      ['query', '_limit', false, undefined],
      ['query', '_fields', false, false],
    ]);
    const limit = params[0];
    if (!limit) throw new Error('no _limit parameter');
    expect(limit.schema).toEqual({ type: 'integer', minimum: 0 });
    const check = v.compile(limit.schemaPointer);
    expect(check(5).valid).toBe(true);
    expect(check('abc').errors[0]).toMatchObject({ keyword: 'type', message: 'must be integer' });
    const body = v.requestBody('createThing');
    expect(body).toEqual({ schemaPointer: expect.stringMatching(/^#\/components\/requestBodies\//), required: true });
    expect(v.requestBody('listThings')).toBeUndefined();
  });

  it('throws on an unknown operationId', () => {
    expect(() => v.validateResponse('nope', 200, {})).toThrow(/unknown operationId nope/);
  });
});

describe('responses trimmed by _fields (the bundled spec)', () => {
  const real = new SpecValidator();
  const LEAD = 'lead_IIDHIStmFcFQZZP0BRe99V1MCoXWz2PGCm6EDmR9v2O';
  const missing = (r: { errors: { keyword: string; property?: string }[] }) =>
    r.errors.filter((e) => e.keyword === 'required').map((e) => e.property);

  it('a default response missing a required field fails; the same body passes when _fields asked for it', () => {
    const body = { has_more: false, data: [{ id: LEAD, display_name: 'Bluth Company' }] };
    const full = real.validateResponse('listLeads', 200, body);
    expect(full.valid).toBe(false);
    expect(missing(full)).toContain('organization_id');
    const trimmed = real.validateResponse('listLeads', 200, body, { fields: ['id', 'display_name'] });
    expect(trimmed.errors).toEqual([]);
    expect(trimmed.valid).toBe(true);
  });

  it('still requires an asked field that Close always sends, and the envelope', () => {
    const noId = real.validateResponse('getLead', 200, { display_name: 'x' }, { fields: ['id', 'display_name'] });
    expect(missing(noId)).toEqual(['id']);
    const noEnvelope = real.validateResponse('listLeads', 200, { data: [] }, { fields: ['id'] });
    expect(missing(noEnvelope)).toEqual(['has_more']);
  });

  it('keeps types and nested objects checked, and trims each member of a union', () => {
    const badType = real.validateResponse('getLead', 200, { id: 42 }, { fields: ['id'] });
    expect(badType.valid).toBe(false);
    // Embedded contacts are not trimmed by Close: they keep their required fields.
    const nested = real.validateResponse(
      'getLead',
      200,
      { id: LEAD, contacts: [{ name: 'Jo' }] },
      {
        fields: ['id', 'contacts'],
      },
    );
    expect(missing(nested)).toContain('id');
    const activities = { has_more: false, data: [{ _type: 'Call', id: 'acti_1', duration: 30 }] };
    expect(real.validateResponse('listActivities', 200, activities).valid).toBe(false);
    expect(
      real.validateResponse('listActivities', 200, activities, { fields: ['id', '_type', 'duration'] }).errors,
    ).toEqual([]);
  });

  it('reads _fields from a request URL', () => {
    expect(requestedFields('http://h/api/v1/lead/?_fields=id,display_name&_limit=1')).toEqual(['id', 'display_name']);
    expect(requestedFields('/lead/?_fields=id&_fields=name')).toEqual(['id', 'name']);
    expect(requestedFields('/lead/?_limit=1')).toBeUndefined();
    expect(requestedFields('/lead/?_fields=')).toBeUndefined();
  });
});
