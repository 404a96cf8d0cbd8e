#!/usr/bin/env node
// Post-processes openapi-typescript's output (called by the `types` step of scripts/generate.mjs):
//   node scripts/patch-types.mjs <dir>/schema.d.ts      (reads <dir>/openapi.json next to it)
//
// openapi-typescript 7 turns `patternProperties` into `[key: string]: …`, losing the pattern, so any key
// would type-check. Custom-field patterns of the spec (`^custom\.(cf|lcf|ccf)_[A-Za-z0-9]+$`, optionally
// with `\.(add|remove)$`) become template-literal index signatures (`[key: `custom.cf_${string}`]: …`),
// which keeps typos out of typed objects. Any other pattern is an error, so a new pattern is not silently
// widened to `string`. The output is deterministic, so `generate.mjs --check` stays meaningful.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// ^custom\.  (cf|lcf|ccf) or cf  _[A-Za-z0-9]+  optionally \.(add|remove) or \.add  $
const ALTS = String.raw`(?:\(((?:[a-z]+\|)*[a-z]+)\)|([a-z]+))`;
const CUSTOM_RE = new RegExp(String.raw`^\^custom\\\.${ALTS}_\[A-Za-z0-9\]\+(?:\\\.${ALTS})?\$$`);

/** `^custom\.(cf|lcf)_[A-Za-z0-9]+(\.(add|remove))?$` → ['`custom.cf_${string}`', …] */
export function templateKeys(pattern) {
  const m = CUSTOM_RE.exec(pattern);
  if (!m) throw new Error(`patch-types: no TypeScript key type for patternProperties pattern ${pattern}`);
  const prefixes = (m[1] ?? m[2]).split('|');
  const suffixText = m[3] ?? m[4];
  const suffixes = suffixText ? suffixText.split('|').map((s) => `.${s}`) : [''];
  return prefixes.flatMap((p) => suffixes.map((s) => `\`custom.${p}_\${string}${s}\``));
}

const PRIMITIVE = { string: 'string', number: 'number', integer: 'number', boolean: 'boolean', null: 'null' };

/** TypeScript for a pattern's value schema: a component `$ref`, or simple inline types. */
function valueType(schema, where) {
  if (schema && typeof schema.$ref === 'string' && schema.$ref.startsWith('#/components/schemas/')) {
    return `components["schemas"]["${schema.$ref.slice('#/components/schemas/'.length)}"]`;
  }
  const alts = schema?.oneOf ?? schema?.anyOf;
  if (Array.isArray(alts)) return alts.map((a) => valueType(a, where)).join(' | ');
  const types = Array.isArray(schema?.type) ? schema.type : schema?.type ? [schema.type] : [];
  if (types.length === 0)
    throw new Error(`patch-types: ${where}: cannot render the value schema ${JSON.stringify(schema)}`);
  return types
    .map((t) => {
      if (t === 'array') return schema.items ? `(${valueType(schema.items, where)})[]` : 'unknown[]';
      if (PRIMITIVE[t]) return PRIMITIVE[t];
      throw new Error(`patch-types: ${where}: cannot render type ${t}`);
    })
    .join(' | ');
}

/** Collects the patternProperties of a component schema at its top level and in its allOf members. */
function patternsOf(schema, doc, seen = new Set()) {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return [];
  seen.add(schema);
  const out = Object.entries(schema.patternProperties ?? {});
  for (const part of schema.allOf ?? []) {
    // Referenced schemas are their own components and get patched in their own block.
    if (!part.$ref) out.push(...patternsOf(part, doc, seen));
  }
  return out;
}

export function patch(dts, doc) {
  const schemas = doc.components?.schemas ?? {};
  const lines = dts.split('\n');
  let inSchemas = false;
  let current;
  let patched = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^ {4}schemas: \{$/.test(line)) {
      inSchemas = true;
      continue;
    }
    if (inSchemas && /^ {4}\S/.test(line)) inSchemas = false;
    if (!inSchemas) continue;
    const head = /^ {8}(?:"([^"]+)"|([A-Za-z0-9_$]+)): /.exec(line);
    if (head) {
      current = head[1] ?? head[2];
      continue;
    }
    const sig = /^( {12})\[key: string\]: (.+);$/.exec(line);
    if (!sig || current === undefined) continue;
    const patterns = patternsOf(schemas[current], doc);
    if (patterns.length === 0) continue; // additionalProperties: a real string-keyed map
    const replacement = patterns.flatMap(([pattern, sub]) => {
      const type = valueType(sub, `${current} ${pattern}`);
      return templateKeys(pattern).map((key) => `${sig[1]}[key: ${key}]: ${type};`);
    });
    lines.splice(i, 1, ...replacement);
    i += replacement.length - 1;
    patched++;
  }
  const expected = Object.values(schemas).filter((s) => patternsOf(s, doc).length > 0).length;
  if (patched < expected)
    throw new Error(`patch-types: patched ${patched} index signatures, expected at least ${expected}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node scripts/patch-types.mjs <schema.d.ts>');
    process.exit(2);
  }
  const doc = JSON.parse(readFileSync(join(dirname(file), 'openapi.json'), 'utf8'));
  writeFileSync(file, patch(readFileSync(file, 'utf8'), doc));
}
