// src/lib/json-pointer.ts: RFC 6901 parsing, escaping and formatting (plain and URI-fragment forms),
// lookups, and `$ref` chains with their errors.
import { describe, expect, it } from 'vitest';
import {
  deref,
  escapeSegment,
  followRefs,
  formatPointer,
  isRef,
  JsonPointerError,
  parsePointer,
  resolvePointer,
  resolveRef,
  unescapeSegment,
} from '../src/lib/json-pointer.js';

describe('escapeSegment / unescapeSegment', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a/b', 'a~1b'],
    ['m~n', 'm~0n'],
    ['~1', '~01'],
    ['/~', '~1~0'],
    ['~/', '~0~1'],
    ['/lead/{lead_id}/', '~1lead~1{lead_id}~1'],
    ['application/json', 'application~1json'],
    ['c%d', 'c%d'],
  ])('%j <-> %j', (key, escaped) => {
    expect(escapeSegment(key)).toBe(escaped);
    expect(unescapeSegment(escaped)).toBe(key);
  });

  it('writes numbers in decimal', () => {
    expect(escapeSegment(0)).toBe('0');
    expect(escapeSegment(12)).toBe('12');
  });

  it.each(['~', 'a~', '~2', '~a', 'x~~0'])('rejects the bad escape in %j', (segment) => {
    expect(() => unescapeSegment(segment)).toThrow(JsonPointerError);
    expect(() => unescapeSegment(segment)).toThrow(/'~' must be followed by 0 or 1/);
  });
});

describe('parsePointer', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['#', []],
    ['/', ['']],
    ['#/', ['']],
    ['/a/b', ['a', 'b']],
    ['#/a/b', ['a', 'b']],
    ['/a//b/', ['a', '', 'b', '']],
    ['/~01', ['~1']],
    ['/~10', ['/0']],
    ['/a~1b/m~0n', ['a/b', 'm~n']],
    ['#/paths/~1lead~1{lead_id}~1/get', ['paths', '/lead/{lead_id}/', 'get']],
    // URI fragments are percent-decoded (RFC 6901 §6); plain pointers are not.
    ['#/c%25d', ['c%d']],
    ['/c%25d', ['c%25d']],
    ['#/paths/~1lead~1%7Blead_id%7D~1', ['paths', '/lead/{lead_id}/']],
    ['#/%C3%A9t%C3%A9', ['été']],
    ['#/%7E01', ['~1']],
    ['#/a%2Fb', ['a', 'b']],
    ['#/a%20b', ['a b']],
    ['/data/0/name', ['data', '0', 'name']],
  ])('%j -> %j', (pointer, keys) => {
    expect(parsePointer(pointer)).toEqual(keys);
  });

  it.each([
    ['a/b', /starts with '\/'/],
    ['#a', /starts with '\/'/],
    ['components', /starts with '\/'/],
    ['#/bad%', /malformed percent-encoding/],
    ['#/%E9', /malformed percent-encoding/],
    ['/a~2b', /'~' must be followed by 0 or 1/],
    ['#/a~', /'~' must be followed by 0 or 1/],
  ])('rejects %j', (pointer, message) => {
    expect(() => parsePointer(pointer)).toThrow(JsonPointerError);
    expect(() => parsePointer(pointer)).toThrow(message);
  });
});

describe('formatPointer', () => {
  it.each<[(string | number)[], string, string]>([
    [[], '', '#'],
    [[''], '/', '#/'],
    [['a', 'b'], '/a/b', '#/a/b'],
    [['paths', '/lead/{lead_id}/', 'get'], '/paths/~1lead~1{lead_id}~1/get', '#/paths/~1lead~1%7Blead_id%7D~1/get'],
    [['content', 'application/json'], '/content/application~1json', '#/content/application~1json'],
    [['data', 0, 'name'], '/data/0/name', '#/data/0/name'],
    [['c%d'], '/c%d', '#/c%25d'],
    [['~1'], '/~01', '#/~01'],
    [['a b', 'été'], '/a b/été', '#/a%20b/%C3%A9t%C3%A9'],
    [['$defs', 'x:y@z'], '/$defs/x:y@z', '#/$defs/x:y@z'],
    [['"quoted"', '<tag>', '#hash', 'q?'], '/"quoted"/<tag>/#hash/q?', '#/%22quoted%22/%3Ctag%3E/%23hash/q?'],
  ])('%j -> %j and %j', (keys, plain, fragment) => {
    expect(formatPointer(keys)).toBe(plain);
    expect(formatPointer(keys, { fragment: true })).toBe(fragment);
  });

  it.each<(string | number)[][]>([
    [[]],
    [['']],
    [['~', '/', '~1', '~0', '%', '%25', '%7E']],
    [['a/b~c', 'x y', '100%', '🙂', '{id}']],
    [['items', 0, 'properties', 'custom.cf_x']],
  ])('round-trips %j in both forms', (keys) => {
    const asStrings = keys.map(String);
    expect(parsePointer(formatPointer(keys))).toEqual(asStrings);
    expect(parsePointer(formatPointer(keys, { fragment: true }))).toEqual(asStrings);
  });
});

describe('resolvePointer', () => {
  const doc = {
    a: { b: [10, { c: 'deep' }, null], 'x/y': 1, 'm~n': 2, '': 'empty key', 'c%d': 3 },
    zero: 0,
    nothing: null,
    list: ['first', 'second'],
  };

  it.each<[string | (string | number)[], unknown]>([
    ['', doc],
    ['#', doc],
    ['/a/b/0', 10],
    ['/a/b/1/c', 'deep'],
    ['#/a/b/1/c', 'deep'],
    ['/a/b/2', null],
    ['/a/x~1y', 1],
    ['/a/m~0n', 2],
    ['/a/', 'empty key'],
    ['#/a/c%25d', 3],
    ['/a/c%d', 3],
    ['/zero', 0],
    ['/nothing', null],
    [['list', 1], 'second'],
    [['a', 'x/y'], 1],
    // missing
    ['/missing', undefined],
    ['/a/b/3', undefined],
    ['/a/b/-', undefined],
    ['/a/b/01', undefined],
    ['/a/b/1.0', undefined],
    ['/a/b/-1', undefined],
    ['/a/b/length', undefined],
    ['/zero/x', undefined],
    ['/nothing/x', undefined],
    ['/list/0/0', undefined],
    ['/a/x/y', undefined],
    // inherited members are not members
    ['/toString', undefined],
    ['/a/constructor', undefined],
    ['/__proto__', undefined],
  ])('%j -> %j', (pointer, value) => {
    expect(resolvePointer(doc, pointer)).toBe(value);
  });

  it('throws on a malformed pointer rather than answering undefined', () => {
    expect(() => resolvePointer(doc, 'a/b')).toThrow(JsonPointerError);
  });

  it('does not follow $refs on the way', () => {
    const withRef = { a: { $ref: '#/b' }, b: { c: 1 } };
    expect(resolvePointer(withRef, '/a/c')).toBeUndefined();
    expect(resolvePointer(withRef, '/a')).toEqual({ $ref: '#/b' });
  });
});

describe('$refs', () => {
  const doc = {
    components: {
      schemas: {
        Lead: { type: 'object', properties: { name: { $ref: '#/components/schemas/Name' } } },
        Name: { type: 'string' },
        Alias: { $ref: '#/components/schemas/Lead' },
        AliasOfAlias: { $ref: '#/components/schemas/Alias' },
        'a/b': { const: 'slash' },
        'c%d': { const: 'percent' },
        Self: { $ref: '#/components/schemas/Self' },
        PingA: { $ref: '#/components/schemas/PingB' },
        PingB: { $ref: '#/components/schemas/PingA' },
        IntoCycle: { $ref: '#/components/schemas/PingA' },
        Dangling: { $ref: '#/components/schemas/Nope' },
        Remote: { $ref: 'other.yaml#/components/schemas/Lead' },
        // Recursive through properties is fine: only $ref-to-$ref chains are cycles.
        Tree: {
          type: 'object',
          properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Tree' } } },
        },
      },
    },
    list: [{ $ref: '#/components/schemas/Name' }],
  };
  const schemas = doc.components.schemas;

  it('isRef', () => {
    expect(isRef({ $ref: '#/a' })).toBe(true);
    expect(isRef({ $ref: '#/a', description: 'siblings are allowed' })).toBe(true);
    expect(isRef({ $ref: 1 })).toBe(false);
    expect(isRef(null)).toBe(false);
    expect(isRef('#/a')).toBe(false);
    expect(isRef([{ $ref: '#/a' }])).toBe(false);
  });

  it.each<[unknown, unknown, string[]]>([
    [schemas.Name, schemas.Name, []],
    ['plain value', 'plain value', []],
    [undefined, undefined, []],
    [null, null, []],
    [{ $ref: '#/components/schemas/Name' }, schemas.Name, ['#/components/schemas/Name']],
    [
      { $ref: '#/components/schemas/AliasOfAlias' },
      schemas.Lead,
      ['#/components/schemas/AliasOfAlias', '#/components/schemas/Alias', '#/components/schemas/Lead'],
    ],
    [{ $ref: '#/components/schemas/a~1b' }, schemas['a/b'], ['#/components/schemas/a~1b']],
    [{ $ref: '#/components/schemas/c%25d' }, schemas['c%d'], ['#/components/schemas/c%25d']],
    [{ $ref: '#/list/0' }, schemas.Name, ['#/list/0', '#/components/schemas/Name']],
    [
      { $ref: '#/components/schemas/Lead/properties/name' },
      schemas.Name,
      ['#/components/schemas/Lead/properties/name', '#/components/schemas/Name'],
    ],
    [{ $ref: '#' }, doc, ['#']],
    [
      { $ref: '#/components/schemas/Name', description: 'ignored sibling' },
      schemas.Name,
      ['#/components/schemas/Name'],
    ],
    [schemas.Tree, schemas.Tree, []],
  ])('follows %j', (node, target, refs) => {
    expect(followRefs(doc, node)).toEqual({ node: target, refs });
    expect(deref(doc, node)).toBe(target);
  });

  it.each<[string, unknown, RegExp]>([
    ['a self-reference', schemas.Self, /circular \$ref: #\/components\/schemas\/Self -> #\/components\/schemas\/Self$/],
    [
      'a two-step cycle',
      schemas.PingA,
      /circular \$ref: #\/components\/schemas\/PingB -> #\/components\/schemas\/PingA -> #\/components\/schemas\/PingB$/,
    ],
    ['a chain that ends in a cycle', schemas.IntoCycle, /circular \$ref/],
    ['a dangling ref', schemas.Dangling, /unresolvable \$ref #\/components\/schemas\/Nope/],
    ['a dangling array index', { $ref: '#/list/1' }, /unresolvable \$ref #\/list\/1/],
    ['a ref to another file', schemas.Remote, /only local \$refs .* got other\.yaml#\/components\/schemas\/Lead/],
    ['a plain pointer as ref', { $ref: '/components/schemas/Name' }, /only local \$refs/],
    ['a malformed ref', { $ref: '#/bad%' }, /malformed percent-encoding/],
  ])('throws JsonPointerError on %s', (_what, node, message) => {
    expect(() => deref(doc, node)).toThrow(JsonPointerError);
    expect(() => deref(doc, node)).toThrow(message);
  });

  it('resolveRef resolves one step only', () => {
    expect(resolveRef(doc, '#/components/schemas/AliasOfAlias')).toBe(schemas.AliasOfAlias);
    expect(resolveRef(doc, '#/components/schemas/Self')).toBe(schemas.Self);
    expect(() => resolveRef(doc, '#/components/schemas/Nope')).toThrow(JsonPointerError);
  });

  it('a ref to a null or falsy member resolves (only a missing one is unresolvable)', () => {
    const d = { zero: 0, nothing: null, no: false, empty: '' };
    for (const key of Object.keys(d)) expect(deref(d, { $ref: `#/${key}` })).toBe(d[key as keyof typeof d]);
  });
});
