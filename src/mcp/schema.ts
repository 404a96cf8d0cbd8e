// Tool schemas for the MCP server, built from the bundled spec (generated/openapi.json) and the
// generated operations list. One input schema per operation: path, query and body merged into one
// flat object, every `$ref` inlined, no top-level oneOf/anyOf/if, and trimmed for a model (read-only,
// deprecated and import-only fields dropped, long descriptions cut, one example per property).
// Output schemas are shallow on purpose: the full response schemas would multiply tools/list by ~5
// and `_fields` can trim any response anyway, so only the top-level property names and types are kept.
import { type OperationId, type OperationInfo, operations } from '../../generated/operations.js';
import { isRef, resolveRef } from '../lib/json-pointer.js';
import { type JsonObject, loadBundledSpec } from '../lib/spec-validator.js';

export type JsonSchema = JsonObject;

/**
 * Body fields that Close accepts only for imports and backfills (who created a record, when, in which
 * organisation). An agent acting for a user never needs them and setting them by mistake forges history.
 */
const IMPORT_ONLY = new Set(['organization_id', 'created_by', 'created_by_id', 'date_created']);
/** The list controls the tools own; the operation's own paging parameters are hidden behind them. */
const PAGING_KEYS = new Set(['_limit', '_skip', '_fields', '_cursor', 'cursor', 'limit']);
const MAX_PROP_DESCRIPTION = 160;
/** How many `$ref`s deep a schema is inlined before the rest is left as a plain object. */
const MAX_REF_DEPTH = 3;
/** Keywords that only document, or that validators of some MCP clients reject. */
const DROP_KEYWORDS = new Set(['title', 'example', 'externalDocs', 'discriminator', 'xml', '$schema', '$id']);

/** Largest `limit` a list tool accepts, and its default: Close's maximum page is 100 on most lists. */
export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;

const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function cut(text: string, max: number): string {
  const t = text.trim().replace(/\s*\n\s*/g, ' ');
  if (t.length <= max) return t;
  const head = t.slice(0, max);
  const stop = head.lastIndexOf('. ');
  return stop > max / 2 ? head.slice(0, stop + 1) : `${head.slice(0, max - 1)}…`;
}

/** Inlines `$ref`s recursively and trims what a model does not need. */
export function inline(doc: JsonObject, node: unknown, depth = 0, seen: readonly string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(doc, n, depth, seen));
  if (!isObj(node)) return node;
  let base = node;
  let refs = seen;
  if (isRef(node)) {
    // Counted in `$ref`s followed, not in nesting: Advanced Filtering's query tree nests refs deeply.
    // No `type` on purpose: the cut-off part may be a string id as well as an object.
    if (depth >= MAX_REF_DEPTH) return { description: 'Nested deeper than shown here; see the docs.' };
    depth += 1;
    // A recursive schema (a node refers back to an ancestor) is left open past its first level.
    if (seen.includes(node.$ref)) return { description: 'The same shape as its parent.' };
    refs = [...seen, node.$ref];
    const { $ref: _ignored, ...siblings } = node;
    base = { ...(resolveRef(doc, node.$ref) as JsonObject), ...siblings };
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(base)) {
    if (DROP_KEYWORDS.has(key) || key.startsWith('x-')) continue;
    if (key === 'description' && typeof value === 'string') out.description = cut(value, MAX_PROP_DESCRIPTION);
    else if (key === 'examples' && Array.isArray(value)) {
      if (value.length) out.examples = [value[0]];
    } else if (key === 'properties' && isObj(value)) {
      const props: JsonObject = {};
      for (const [name, sub] of Object.entries(value)) {
        const resolved = isRef(sub) ? resolveRef(doc, sub.$ref) : sub;
        if (isObj(resolved) && (resolved.readOnly === true || resolved.deprecated === true)) continue;
        if (isObj(sub) && (sub.readOnly === true || sub.deprecated === true)) continue;
        props[name] = inline(doc, sub, depth, refs);
      }
      out.properties = props;
    } else if (key === 'oneOf') {
      // anyOf, not oneOf: a member cut short at MAX_REF_DEPTH accepts any object, and would make
      // "exactly one" fail for valid input. Close still checks the exact shape.
      out.anyOf = inline(doc, value, depth, refs);
    } else if (key === 'readOnly' || key === 'deprecated') {
    } else out[key] = inline(doc, value, depth, refs);
  }
  // `allOf` with one member (the spec's way to add a description to a `$ref`) is folded into its parent.
  if (Array.isArray(out.allOf) && out.allOf.length === 1 && isObj(out.allOf[0])) {
    const [only] = out.allOf as JsonObject[];
    delete out.allOf;
    return { ...only, ...out };
  }
  return out;
}

/** Merges the members of a top-level union into one object schema (some clients reject unions there). */
function flattenUnion(schema: JsonObject): JsonObject {
  const members = schema.anyOf as JsonObject[] | undefined;
  const { oneOf: _o, anyOf: _a, if: _if, then: _then, else: _else, ...rest } = schema;
  if (!Array.isArray(members)) return rest;
  const properties: JsonObject = { ...((rest.properties as JsonObject | undefined) ?? {}) };
  let required: string[] | undefined;
  for (const m of members) {
    Object.assign(properties, (m.properties as JsonObject | undefined) ?? {});
    const r = (m.required as string[] | undefined) ?? [];
    required = required === undefined ? r : required.filter((k) => r.includes(k));
  }
  return { ...rest, type: 'object', properties, ...(required?.length ? { required } : {}) };
}

function pathItemOf(doc: JsonObject, op: OperationInfo): { item: JsonObject; operation: JsonObject } {
  const item = (doc.paths as JsonObject)[op.path] as JsonObject;
  return { item, operation: item[op.method] as JsonObject };
}

/** The operation's parameters (path-level and operation-level), resolved. */
export function parametersOf(doc: JsonObject, op: OperationInfo): JsonObject[] {
  const { item, operation } = pathItemOf(doc, op);
  const all = [...((item.parameters as unknown[]) ?? []), ...((operation.parameters as unknown[]) ?? [])];
  return all.map((p) => (isRef(p) ? (resolveRef(doc, p.$ref) as JsonObject) : (p as JsonObject)));
}

export function operationObject(doc: JsonObject, op: OperationInfo): JsonObject {
  return pathItemOf(doc, op).operation;
}

export const isList = (op: OperationInfo): boolean => op.pagination !== null;
/** Longest path parameter (an id) a tool accepts. */
const MAX_ID = 200;

/** Deletes and merges (`safety: delete`) need `confirm: true` (except for a dry run). */
export const needsConfirm = (op: OperationInfo): boolean => op.safety === 'delete';
export const isWrite = (op: OperationInfo): boolean => op.safety !== 'read';

/** How each argument of the merged input maps back onto the HTTP request. */
export interface ArgumentMap {
  path: string[];
  query: string[];
  body: string[];
  /** Whether the body has `patternProperties` (custom fields: `custom.cf_…` keys go to the body). */
  bodyPatterns: boolean;
}

export interface ToolSchemas {
  input: JsonSchema;
  output: JsonSchema;
  args: ArgumentMap;
}

/** The largest page the operation's own `_limit` allows (the event log: 50), capped at MAX_LIMIT. */
export function maxLimit(op: OperationInfo, doc: JsonObject = loadBundledSpec()): number {
  const param = parametersOf(doc, op).find((p) => p.name === '_limit');
  const max = isObj(param?.schema) ? param.schema.maximum : undefined;
  return typeof max === 'number' ? Math.min(max, MAX_LIMIT) : MAX_LIMIT;
}

function listControls(op: OperationInfo, doc: JsonObject): JsonObject {
  const max = maxLimit(op, doc);
  const controls: JsonObject = {
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: max,
      description: `How many items to return (default ${Math.min(DEFAULT_LIMIT, max)}, at most ${max}).`,
    },
    cursor: {
      type: 'string',
      maxLength: 4000,
      description: 'The `next_cursor` of the previous page, to get the next one.',
    },
  };
  if (op.pagination === 'body-cursor')
    controls.fields = {
      type: 'object',
      additionalProperties: { type: 'array', items: { type: 'string' } },
      description:
        'Fields to return per object type (Close `_fields`), e.g. {"lead":["id","display_name"]}. Without it only ids.',
    };
  else if (op.queryParams.includes('_fields'))
    controls.fields = {
      type: 'array',
      items: { type: 'string' },
      description: 'Only these fields of each item (Close `_fields`), e.g. ["id","display_name"]. Keeps answers small.',
    };
  return controls;
}

function outputSchema(doc: JsonObject, op: OperationInfo): JsonSchema {
  const common: JsonObject = {
    dry_run: { type: 'boolean', description: 'True when nothing was sent (see `request`).' },
    request: { type: 'object', description: 'The request a dry run would send.' },
  };
  if (isList(op)) {
    return {
      type: 'object',
      properties: {
        data: { type: 'array', items: { type: 'object' } },
        next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null at the end.' },
        total_results: { type: ['integer', 'null'] },
        truncated: { type: 'boolean', description: 'True when fewer items than asked were kept to fit the budget.' },
        ...common,
      },
    };
  }
  const schema = op.responseSchema ? resolveRef(doc, op.responseSchema) : undefined;
  const props: JsonObject = {};
  if (isObj(schema) && isObj(schema.properties)) {
    for (const [name, sub] of Object.entries(schema.properties)) {
      const resolved = isRef(sub) ? resolveRef(doc, sub.$ref) : sub;
      const type = isObj(resolved) ? resolved.type : undefined;
      props[name] = type === undefined ? {} : { type };
    }
  }
  return { type: 'object', properties: { ...props, ...common } };
}

/** Builds the merged input schema, the output schema and the argument map of one operation. */
export function toolSchemas(op: OperationInfo, doc: JsonObject = loadBundledSpec()): ToolSchemas {
  const properties: JsonObject = {};
  const required: string[] = [];
  const args: ArgumentMap = { path: [], query: [], body: [], bodyPatterns: false };
  const list = isList(op);
  for (const p of parametersOf(doc, op)) {
    const name = String(p.name);
    if (p.in !== 'path' && p.in !== 'query') continue;
    if ((list && PAGING_KEYS.has(name)) || name === '_fields') continue;
    if (p.deprecated === true) continue;
    const schema = inline(doc, p.schema) as JsonObject;
    if (typeof p.description === 'string') schema.description = cut(p.description, MAX_PROP_DESCRIPTION);
    // Ids are short (lead_ plus ~43 characters); a bound keeps a runaway argument out of URLs and errors.
    if (p.in === 'path' && schema.type === 'string' && schema.maxLength === undefined) schema.maxLength = MAX_ID;
    properties[name] = schema;
    if (p.in === 'path' || p.required === true) required.push(name);
    (p.in === 'path' ? args.path : args.query).push(name);
  }
  let patternProperties: JsonObject | undefined;
  if (op.requestSchema) {
    const body = flattenUnion(inline(doc, { $ref: op.requestSchema }) as JsonObject);
    for (const [name, sub] of Object.entries((body.properties as JsonObject | undefined) ?? {})) {
      if (IMPORT_ONLY.has(name) || (list && PAGING_KEYS.has(name))) continue;
      if (name in properties) throw new Error(`${op.operationId}: body field ${name} collides with a parameter`);
      properties[name] = sub;
      args.body.push(name);
    }
    for (const r of (body.required as string[] | undefined) ?? []) if (args.body.includes(r)) required.push(r);
    if (isObj(body.patternProperties)) {
      patternProperties = body.patternProperties;
      args.bodyPatterns = true;
    }
  }
  if (list) Object.assign(properties, listControls(op, doc));
  else if (op.queryParams.includes('_fields') && !('fields' in properties))
    properties.fields = {
      type: 'array',
      items: { type: 'string' },
      description: 'Only these fields of the result (Close `_fields`).',
    };
  if (isWrite(op))
    properties.dry_run = {
      type: 'boolean',
      description: 'true: send nothing, answer with the request that would be sent (method, path, body).',
    };
  if (needsConfirm(op)) {
    properties.confirm = {
      type: 'boolean',
      const: true,
      description:
        'Must be true: this deletes data and cannot be undone. Ask the user first. Not needed with `dry_run: true`.',
    };
    // Not `required`: a dry run sends nothing and needs no confirm; execute() refuses a real call without it.
  }
  const input: JsonSchema = {
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    ...(patternProperties ? { patternProperties } : {}),
    additionalProperties: false,
  };
  return { input, output: outputSchema(doc, op), args };
}

/** The spec's Close-side names of the list controls, as the tools name them. */
const CONTROL_NAMES: Readonly<Record<string, string>> = { _fields: 'fields', _limit: 'limit' };

/**
 * A short worked example of the tool's arguments, from the spec's own examples (ids from the id
 * schemas' examples, so they match their patterns). Only the tool's own argument names are kept:
 * `_fields`/`_limit` of a body example become `fields`/`limit`, anything the tool does not take is
 * dropped. test/mcp-examples.test.ts checks every example against its input schema.
 */
export function exampleArguments(
  op: OperationInfo,
  doc: JsonObject = loadBundledSpec(),
  schemas: ToolSchemas = toolSchemas(op, doc),
): JsonObject {
  const example: JsonObject = {};
  for (const p of parametersOf(doc, op)) {
    if (p.in !== 'path') continue;
    const named = isObj(p.examples) ? Object.values(p.examples).find(isObj)?.value : undefined;
    const schema = inline(doc, p.schema);
    const ex = isObj(schema) && Array.isArray(schema.examples) ? schema.examples[0] : undefined;
    example[String(p.name)] = p.example ?? named ?? ex ?? `${String(p.name).replace(/_id$/, '')}_…`;
  }
  const media = ((operationObject(doc, op).requestBody as JsonObject | undefined)?.content as JsonObject | undefined)?.[
    'application/json'
  ] as JsonObject | undefined;
  const takes = (k: string) =>
    Object.hasOwn(schemas.input.properties as JsonObject, k) || (schemas.args.bodyPatterns && k.startsWith('custom.'));
  const candidates = Object.values((media?.examples as JsonObject | undefined) ?? {})
    .map((e) => (isRef(e) ? resolveRef(doc, e.$ref) : e))
    .map((e) => (isObj(e) ? e.value : undefined))
    .filter(isObj)
    .map((v) =>
      Object.fromEntries(
        Object.entries(v)
          .map(([k, x]): [string, unknown] => [CONTROL_NAMES[k] ?? k, x])
          .filter(([k]) => !IMPORT_ONLY.has(k) && takes(k)),
      ),
    );
  candidates.sort((a, b) => JSON.stringify(a).length - JSON.stringify(b).length);
  if (candidates[0]) Object.assign(example, candidates[0]);
  if (isList(op)) example.limit = Math.min(10, maxLimit(op, doc));
  if (needsConfirm(op)) example.confirm = true;
  return example;
}

export function operationInfo(id: string): OperationInfo | undefined {
  return Object.hasOwn(operations, id) ? operations[id as OperationId] : undefined;
}
