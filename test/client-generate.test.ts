import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { idType, patch, templateKeys } from '../scripts/patch-types.js';

const root = join(import.meta.dirname, '..');
/** The key type patch-types writes: `custom.<prefix>_${string}<suffix>` in backticks (a template literal type). */
const key = (prefix: string, suffix = '') => `\`custom.${prefix}_\${string}${suffix}\``;
/** The id type patch-types writes: `<prefix>_${string}` in backticks. */
const id = (prefix: string) => `\`${prefix}_\${string}\``;

describe('patch-types', () => {
  it('maps the spec’s custom-field patterns to template-literal keys', () => {
    expect(templateKeys('^custom\\.(cf|lcf|ccf)_[A-Za-z0-9]+$')).toEqual([key('cf'), key('lcf'), key('ccf')]);
    expect(templateKeys('^custom\\.cf_[A-Za-z0-9]+$')).toEqual([key('cf')]);
    expect(templateKeys('^custom\\.(cf|lcf)_[A-Za-z0-9]+\\.(add|remove)$')).toEqual([
      key('cf', '.add'),
      key('cf', '.remove'),
      key('lcf', '.add'),
      key('lcf', '.remove'),
    ]);
    expect(() => templateKeys('^x-[a-z]+$')).toThrow(/no TypeScript key type/);
  });

  it('types id schemas by their prefix, only for a plain prefix pattern', () => {
    expect(idType('^lead_[A-Za-z0-9]+$')).toBe(id('lead'));
    expect(idType('^(task|noti)_[A-Za-z0-9]+$')).toBe(`${id('task')} | ${id('noti')}`);
    expect(idType('^lead_[A-Za-z0-9]{43}$')).toBeUndefined();
    expect(idType('^[a-z]+_[A-Za-z0-9]+$')).toBeUndefined();
    const doc = {
      components: {
        schemas: {
          LeadId: { type: 'string', pattern: '^lead_[A-Za-z0-9]+$' },
          Name: { type: 'string', pattern: '^[A-Z].*$' },
          Open: { type: 'object' },
          Empty: { type: 'object', maxProperties: 0 },
        },
      },
    };
    const dts = [
      'export interface components {',
      '    schemas: {',
      '        LeadId: string;',
      '        Name: string;',
      '        Open: Record<string, never>;',
      '        Empty: Record<string, never>;',
      '        Lead: {',
      '            recent_calls?: Record<string, never>[];',
      '        };',
      '    };',
      '}',
    ].join('\n');
    expect(patch(dts, doc).split('\n').slice(2, 8)).toEqual([
      `        LeadId: ${id('lead')};`,
      '        Name: string;',
      '        Open: Record<string, unknown>;',
      '        Empty: Record<string, never>;',
      '        Lead: {',
      '            recent_calls?: Record<string, unknown>[];',
    ]);
  });

  it('replaces only pattern-derived index signatures, keeping real maps', () => {
    const doc = {
      components: {
        schemas: {
          Lead: {
            type: 'object',
            properties: { name: { type: 'string' } },
            patternProperties: { '^custom\\.cf_[A-Za-z0-9]+$': { $ref: '#/components/schemas/V' } },
          },
          Upd: {
            type: 'object',
            patternProperties: { '^custom\\.cf_[A-Za-z0-9]+\\.add$': { type: ['string', 'number'] } },
          },
          Map: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    };
    const dts = [
      'export interface components {',
      '    schemas: {',
      '        Lead: {',
      '            name?: string;',
      '        } & {',
      '            [key: string]: components["schemas"]["V"];',
      '        };',
      '        Upd: {',
      '            [key: string]: string | number;',
      '        };',
      '        Map: {',
      '            [key: string]: string;',
      '        };',
      '    };',
      '}',
    ].join('\n');
    const out = patch(dts, doc);
    expect(out).toContain(`            [key: ${key('cf')}]: components["schemas"]["V"];`);
    expect(out).toContain(`            [key: ${key('cf', '.add')}]: string | number;`);
    expect(out).toContain('        Map: {\n            [key: string]: string;');
    expect(out.match(/\[key: string\]/g)).toHaveLength(1);
  });

  it('left no custom-field index signature as a plain string key in generated/schema.d.ts', () => {
    const dts = readFileSync(join(root, 'generated', 'schema.d.ts'), 'utf8');
    const doc = JSON.parse(readFileSync(join(root, 'generated', 'openapi.json'), 'utf8')) as {
      components: { schemas: Record<string, { patternProperties?: object }> };
    };
    const withPatterns = Object.entries(doc.components.schemas)
      .filter(([, s]) => s.patternProperties)
      .map(([n]) => n);
    expect(withPatterns.length).toBeGreaterThan(0);
    expect(dts).toContain(`[key: ${key('cf')}]`);
    // already patched: no plain `[key: string]` is left in any schema that has patternProperties
    expect(() => patch(dts, doc)).toThrow(/patched 0 index signatures/);
  });
});
