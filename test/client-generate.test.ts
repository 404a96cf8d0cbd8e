import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { patch, templateKeys } from '../scripts/patch-types.js';

const root = join(import.meta.dirname, '..');
/** The key type patch-types writes: `custom.<prefix>_${string}<suffix>` in backticks (a template literal type). */
const key = (prefix: string, suffix = '') => `\`custom.${prefix}_\${string}${suffix}\``;

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
