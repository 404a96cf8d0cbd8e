// Post-processes openapi-typescript's output (called by the `types` step of scripts/generate.ts):
//   tsx scripts/patch-types.ts <dir>/schema.d.ts      (reads <dir>/openapi.json next to it)
//
// openapi-typescript 7 turns `patternProperties` into `[key: string]: …`, losing the pattern, so any key
// would type-check. Custom-field patterns of the spec (`^custom\.(cf|lcf|ccf)_[A-Za-z0-9]+$`, optionally
// with `\.(add|remove)$`) become template-literal index signatures (`[key: `custom.cf_${string}`]: …`),
// which keeps typos out of typed objects. Any other pattern is an error, so a new pattern is not silently
// widened to `string`.
//
// Two more narrowings the generator cannot express:
// - id schemas (`LeadId`: `type: string`, `pattern: ^lead_[A-Za-z0-9]+$`) become prefix template types
//   (`` `lead_${string}` ``); every id field and path parameter `$ref`s its id schema, so a contact id passed
//   as a lead id is a compile error. Only a pattern of that exact shape is read; others stay `string`.
// - an object schema that is not typed further (`type: object`, no properties) is `Record<string, never>`
//   in openapi-typescript 7, which makes every member `undefined`; it becomes `Record<string, unknown>`.
//   A component that really is empty (`maxProperties: 0` or `additionalProperties: false`) keeps it.
// The output is deterministic, so `generate.ts --check` stays meaningful.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isMain } from './lib/cli.js';

// ^custom\.  (cf|lcf|ccf) or cf  _[A-Za-z0-9]+  optionally \.(add|remove) or \.add  $
const ALTS = String.raw`(?:\(((?:[a-z]+\|)*[a-z]+)\)|([a-z]+))`;
const CUSTOM_RE = new RegExp(String.raw`^\^custom\\\.${ALTS}_\[A-Za-z0-9\]\+(?:\\\.${ALTS})?\$$`);

/** `^custom\.(cf|lcf)_[A-Za-z0-9]+(\.(add|remove))?$` → ['`custom.cf_${string}`', …] */
export function templateKeys(pattern: string): string[] {
  const m = CUSTOM_RE.exec(pattern);
  const prefixText = m?.[1] ?? m?.[2];
  if (!m || prefixText === undefined)
    throw new Error(`patch-types: no TypeScript key type for patternProperties pattern ${pattern}`);
  const suffixText = m[3] ?? m[4];
  const suffixes = suffixText ? suffixText.split('|').map((s) => `.${s}`) : [''];
  return prefixText.split('|').flatMap((p) => suffixes.map((s) => `\`custom.${p}_\${string}${s}\``));
}

// ^lead_[A-Za-z0-9]+$  or  ^(task|noti)_[A-Za-z0-9]+$
const ID_RE = /^\^(?:\(((?:[a-z]+\|)*[a-z]+)\)|([a-z]+))_\[A-Za-z0-9\]\+\$$/;

/** `^(task|noti)_[A-Za-z0-9]+$` → '`task_${string}` | `noti_${string}`'; undefined for any other pattern. */
export function idType(pattern: string): string | undefined {
  const m = ID_RE.exec(pattern);
  const prefixes = m?.[1] ?? m?.[2];
  return prefixes
    ?.split('|')
    .map((p) => `\`${p}_\${string}\``)
    .join(' | ');
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const PRIMITIVE: Record<string, string> = {
  string: 'string',
  number: 'number',
  integer: 'number',
  boolean: 'boolean',
  null: 'null',
};

/** TypeScript for a pattern's value schema: a component `$ref`, or simple inline types. */
function valueType(schema: unknown, where: string): string {
  const s = isObj(schema) ? schema : {};
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#/components/schemas/')) {
    return `components["schemas"]["${s.$ref.slice('#/components/schemas/'.length)}"]`;
  }
  const alts = s.oneOf ?? s.anyOf;
  if (Array.isArray(alts)) return alts.map((a) => valueType(a, where)).join(' | ');
  const types: unknown[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length === 0)
    throw new Error(`patch-types: ${where}: cannot render the value schema ${JSON.stringify(schema)}`);
  return types
    .map((t) => {
      if (t === 'array') return s.items ? `(${valueType(s.items, where)})[]` : 'unknown[]';
      const primitive = typeof t === 'string' ? PRIMITIVE[t] : undefined;
      if (primitive) return primitive;
      throw new Error(`patch-types: ${where}: cannot render type ${String(t)}`);
    })
    .join(' | ');
}

/** Collects the patternProperties of a component schema at its top level and in its allOf members. */
function patternsOf(schema: unknown, seen = new Set<unknown>()): [pattern: string, schema: unknown][] {
  if (!isObj(schema) || seen.has(schema)) return [];
  seen.add(schema);
  const out = Object.entries(isObj(schema.patternProperties) ? schema.patternProperties : {});
  for (const part of Array.isArray(schema.allOf) ? schema.allOf : []) {
    // Referenced schemas are their own components and get patched in their own block.
    if (isObj(part) && !part.$ref) out.push(...patternsOf(part, seen));
  }
  return out;
}

/** `dts` (openapi-typescript's output for `doc`) with the custom-field index signatures narrowed. */
export function patch(dts: string, doc: unknown): string {
  const components = isObj(doc) && isObj(doc.components) ? doc.components : {};
  const schemas = isObj(components.schemas) ? components.schemas : {};
  const lines = dts.split('\n');
  let inSchemas = false;
  let current: string | undefined;
  let patched = 0;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] ?? '';
    if (/^ {12,}/.test(line) && line.includes('Record<string, never>')) {
      line = line.replaceAll('Record<string, never>', 'Record<string, unknown>');
      lines[i] = line;
    }
    if (/^ {4}schemas: \{$/.test(line)) {
      inSchemas = true;
      continue;
    }
    if (inSchemas && /^ {4}\S/.test(line)) inSchemas = false;
    if (!inSchemas) continue;
    const head = /^ {8}(?:"([^"]+)"|([A-Za-z0-9_$]+)): (.*)$/.exec(line);
    if (head) {
      current = head[1] ?? head[2];
      const schema = current === undefined ? undefined : schemas[current];
      const rest = head[3] ?? '';
      if (isObj(schema) && rest === 'string;' && schema.type === 'string' && typeof schema.pattern === 'string') {
        const id = idType(schema.pattern);
        if (id) lines[i] = line.replace(/string;$/, `${id};`);
      } else if (isObj(schema) && rest === 'Record<string, never>;') {
        const empty = schema.maxProperties === 0 || schema.additionalProperties === false;
        if (!empty) lines[i] = line.replace('Record<string, never>', 'Record<string, unknown>');
      }
      continue;
    }
    const sig = /^( {12})\[key: string\]: (.+);$/.exec(line);
    if (!sig || current === undefined) continue;
    const indent = sig[1] ?? '';
    const patterns = patternsOf(schemas[current]);
    if (patterns.length === 0) continue; // additionalProperties: a real string-keyed map
    const replacement = patterns.flatMap(([pattern, sub]) => {
      const type = valueType(sub, `${current} ${pattern}`);
      return templateKeys(pattern).map((key) => `${indent}[key: ${key}]: ${type};`);
    });
    lines.splice(i, 1, ...replacement);
    i += replacement.length - 1;
    patched++;
  }
  const expected = Object.values(schemas).filter((s) => patternsOf(s).length > 0).length;
  if (patched < expected)
    throw new Error(`patch-types: patched ${patched} index signatures, expected at least ${expected}`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx scripts/patch-types.ts <schema.d.ts>');
    process.exit(2);
  }
  const doc: unknown = JSON.parse(readFileSync(join(dirname(file), 'openapi.json'), 'utf8'));
  writeFileSync(file, patch(readFileSync(file, 'utf8'), doc));
}
