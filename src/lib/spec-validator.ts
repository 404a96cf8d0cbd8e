// Validates payloads against the bundled OpenAPI 3.1 description (generated/openapi.json) with
// Ajv's JSON Schema 2020-12 implementation. Used at run time by the sandbox (src/sandbox/validate.ts
// compiles every operation's request schemas with it at start) and by the spec tests
// (test/spec-*.test.ts), the mock tests and the contract tests (through test/support/spec-validator.ts).
// The bundle is found relative to this module (two levels below the package root in src/lib and in
// dist/lib alike), so it works from the repository and from the published package.
//
// How: the whole bundle is added to Ajv as one schema document under DOC_ID, and every schema is
// compiled as `{ $ref: DOC_ID#<json-pointer> }`, so `#/components/schemas/...` references inside the
// bundle resolve as they do for any OpenAPI 3.1 tool. OpenAPI-level `$ref`s (responses, request
// bodies, parameters, headers, examples) are followed here before handing the schema location to Ajv.
// OpenAPI-only keywords (discriminator, example, externalDocs, xml, deprecated, readOnly/writeOnly)
// are ignored by Ajv with `strict: false`; validation is done by `oneOf`/`const`/`required` as written.
// Pointers taken and returned here are URI fragments (`#/paths/~1lead~1%7Blead_id%7D~1`), written and
// read by src/lib/json-pointer.ts; a plain pointer (`/components/schemas/Lead`) is accepted too.
//
// `_fields`: a response schema's `required` lists what Close sends in a default response. A request with
// `_fields` gets only the named fields of each returned object, so validateResponse(…, { fields }) checks
// such an answer against a copy of the bundle in which the returned objects' schemas (the body itself, or
// the items of its `data` array, through `$ref`/`allOf`/`oneOf`/`anyOf`) require only the asked fields
// they required anyway. Nested objects (a lead's contacts) are not trimmed by Close and keep their rules,
// unless they share the returned object's schema. The copies are cached, a bounded number of them.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { followRefs, formatPointer, type PointerSegment, parsePointer, resolvePointer } from './json-pointer.js';

export type ValidationIssue = {
  path: string;
  message: string;
  keyword: string;
  /** Ajv's instancePath, a JSON pointer (`/contacts/0/emails`; `''` for the whole value). */
  pointer?: string;
  /** The property a `required` or `additionalProperties` error is about (it is not in the path). */
  property?: string;
};
/** A query, path or header parameter of an operation, its `$ref`s followed. */
export type ParameterRef = {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required: boolean;
  style?: string;
  explode?: boolean;
  /** Pointer (URI fragment) of the parameter's schema, for validateAt()/compile(). */
  schemaPointer: string;
  /** The schema itself, its `$ref`s followed (not those nested inside it). */
  schema: JsonObject;
};
export type ValidationResult = { valid: boolean; errors: ValidationIssue[]; undeclaredStatus?: boolean };
export type OperationRef = { operationId: string; method: 'get' | 'post' | 'put' | 'delete'; path: string };
/** How a response was asked for: `fields` are the names sent in `_fields` (absent: a default response). */
export type ResponseOptions = { fields?: readonly string[] | undefined };

/**
 * The `_fields` of a request URL (`?_fields=id,name` → `['id', 'name']`; repeated parameters are joined),
 * or undefined when it asks for none. Accepts a full URL or a path with a query string.
 */
export function requestedFields(url: string): string[] | undefined {
  const query = new URL(url, 'http://x').searchParams.getAll('_fields');
  const fields = query.flatMap((v) => v.split(',')).filter((f) => f !== '');
  return fields.length ? fields : undefined;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const DOC_ID = 'https://close-crm-openapi.local/openapi.json';
const METHODS = ['get', 'post', 'put', 'delete'] as const;
// ajv-formats is CommonJS; under NodeNext its default import is `module.exports`, typed as the namespace.
const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

/** A parsed JSON object: members are read as unknown and narrowed where used. */
export type JsonObject = Record<string, unknown>;
const isObj = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
/** `v` when it is an object, else an empty one (absent parts of the document read as empty). */
const obj = (v: unknown): JsonObject => (isObj(v) ? v : {});

const docCache = new Map<string, JsonObject>();
/** How many `_fields` variants one validator keeps compiled (each is a copy of the bundle). */
const TRIMMED_CACHE = 16;

/** Reads and parses the bundled spec (default generated/openapi.json); cached per absolute path. */
export function loadBundledSpec(file?: string): JsonObject {
  const abs = file ? (isAbsolute(file) ? file : resolve(root, file)) : join(root, 'generated', 'openapi.json');
  let doc = docCache.get(abs);
  if (!doc) {
    const parsed: unknown = JSON.parse(readFileSync(abs, 'utf8'));
    if (!isObj(parsed)) throw new Error(`${abs} is not an OpenAPI document`);
    doc = parsed;
    docCache.set(abs, doc);
  }
  return doc;
}

/** The `#/...` pointer of `keys` under `pointer` (a fragment or plain pointer). */
export function childPointer(pointer: string, ...keys: PointerSegment[]): string {
  return formatPointer([...parsePointer(pointer), ...keys], { fragment: true });
}

/** Converts Ajv's instancePath (`/data/0/name`) into a readable path (`data[0].name`); `(root)` if empty. */
function readablePath(instancePath: string): string {
  if (!instancePath) return '(root)';
  let out = '';
  for (const part of parsePointer(instancePath)) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += (out ? '.' : '') + part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

function toIssue(e: ErrorObject): ValidationIssue {
  let message = e.message ?? e.keyword;
  const p = e.params as Record<string, unknown>;
  const property =
    e.keyword === 'required' && typeof p.missingProperty === 'string'
      ? p.missingProperty
      : e.keyword === 'additionalProperties' && typeof p.additionalProperty === 'string'
        ? p.additionalProperty
        : undefined;
  if (e.keyword === 'additionalProperties' && p.additionalProperty !== undefined)
    message += `: '${String(p.additionalProperty)}'`;
  else if (e.keyword === 'enum' && Array.isArray(p.allowedValues))
    message += `: ${p.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  else if (e.keyword === 'const' && 'allowedValue' in p) message += `: ${JSON.stringify(p.allowedValue)}`;
  else if (e.keyword === 'unevaluatedProperties' && p.unevaluatedProperty !== undefined)
    message += `: '${String(p.unevaluatedProperty)}'`;
  return {
    path: readablePath(e.instancePath),
    message,
    keyword: e.keyword,
    pointer: e.instancePath,
    ...(property === undefined ? {} : { property }),
  };
}

function runner(fn: ValidateFunction): (data: unknown) => ValidationResult {
  return (data) => {
    const valid = fn(data) as boolean;
    return { valid, errors: valid ? [] : (fn.errors ?? []).map(toIssue) };
  };
}

export class SpecValidator {
  readonly doc: JsonObject;
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private ops?: (OperationRef & { regex: RegExp; params: number })[];
  private readonly trimmed = new Map<string, (data: unknown) => ValidationResult>();

  constructor(doc?: JsonObject) {
    this.doc = doc ?? loadBundledSpec();
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema(this.doc, DOC_ID);
  }

  /** Every operation of the spec, in document order. */
  operations(): OperationRef[] {
    return this.index().map(({ operationId, method, path }) => ({ operationId, method, path }));
  }

  /**
   * The operation for a concrete request: `findOperation('GET', '/lead/lead_x/?_limit=1')`. The query
   * string is ignored; a `/api/v1` prefix (or a full `https://api.close.com/api/v1/...` URL) is
   * tolerated. Literal path segments win over templated ones (`/lead/merge/` before `/lead/{lead_id}/`).
   */
  findOperation(method: string, path: string): OperationRef | undefined {
    const m = method.toLowerCase();
    let p = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, '').replace(/[?#].*$/, '');
    p = p.replace(/^\/api\/v1(?=\/)/, '');
    const hit = this.index()
      .filter((o) => o.method === m && o.regex.test(p))
      .sort((a, b) => a.params - b.params)[0];
    return hit ? { operationId: hit.operationId, method: hit.method, path: hit.path } : undefined;
  }

  /** The operation object (resolved path item) for an operationId. */
  operation(operationId: string): JsonObject | undefined {
    const ref = this.index().find((o) => o.operationId === operationId);
    const op = ref
      ? obj(this.resolve(formatPointer(['paths', ref.path], { fragment: true })).node)[ref.method]
      : undefined;
    return isObj(op) ? op : undefined;
  }

  /**
   * The application/json schema of a response (as written, possibly a `$ref`). Falls back to the
   * `NXX` range and then to `default` when the exact status is not declared.
   */
  responseSchema(operationId: string, status: number): unknown {
    const loc = this.responseLocation(operationId, status);
    if (!loc) return undefined;
    const media = this.jsonMedia(loc.pointer);
    return media ? obj(this.resolve(media).node).schema : undefined;
  }

  validateResponse(
    operationId: string,
    status: number,
    body: unknown,
    options: ResponseOptions = {},
  ): ValidationResult {
    const opRef = this.requireOp(operationId);
    const loc = this.responseLocation(operationId, status);
    if (!loc) {
      return {
        valid: false,
        undeclaredStatus: true,
        errors: [
          {
            path: '(root)',
            keyword: 'status',
            message: `status ${status} is not declared for ${operationId} (${opRef.method.toUpperCase()} ${opRef.path})`,
          },
        ],
      };
    }
    const media = this.jsonMedia(loc.pointer);
    if (!media) {
      if (body === undefined || body === null || body === '') return { valid: true, errors: [] };
      return {
        valid: false,
        errors: [
          {
            path: '(root)',
            keyword: 'content',
            message: `response ${loc.key} of ${operationId} declares no JSON body, but one was given`,
          },
        ],
      };
    }
    return this.validateAt(childPointer(this.resolve(media).pointer, 'schema'), body, options);
  }

  validateRequestBody(operationId: string, body: unknown): ValidationResult {
    const opRef = this.requireOp(operationId);
    const opPointer = this.operationPointer(opRef);
    const op = obj(this.resolve(opPointer).node);
    if (!op.requestBody) {
      if (body === undefined) return { valid: true, errors: [] };
      return {
        valid: false,
        errors: [
          {
            path: '(root)',
            keyword: 'requestBody',
            message: `${operationId} declares no request body, but one was given`,
          },
        ],
      };
    }
    const rb = this.resolve(childPointer(opPointer, 'requestBody'));
    if (body === undefined) {
      return obj(rb.node).required
        ? {
            valid: false,
            errors: [{ path: '(root)', keyword: 'required', message: `${operationId} requires a request body` }],
          }
        : { valid: true, errors: [] };
    }
    const media = this.jsonMedia(rb.pointer);
    if (!media)
      return {
        valid: false,
        errors: [
          { path: '(root)', keyword: 'content', message: `${operationId} has no application/json request body` },
        ],
      };
    return this.validateAt(childPointer(this.resolve(media).pointer, 'schema'), body);
  }

  /**
   * Validates `data` against the schema at a JSON pointer of the bundle (`#/components/schemas/Lead`
   * or the `schema` of a media type, parameter or header). OpenAPI-level `$ref`s on the way are followed.
   * With `fields`, `data` is a response trimmed by `_fields` (see the file comment).
   */
  validateAt(pointer: string, data: unknown, options: ResponseOptions = {}): ValidationResult {
    if (options.fields?.length) return this.compileTrimmed(pointer, options.fields)(data);
    return this.compile(pointer)(data);
  }

  /**
   * The validator of the schema at `pointer`, compiled now (and cached): for callers that compile
   * everything up front, such as the sandbox, so that no request pays for a compilation.
   */
  compile(pointer: string): (data: unknown) => ValidationResult {
    const { pointer: target, node } = this.resolve(pointer);
    let validate = this.compiled.get(target);
    if (!validate) {
      if (node === undefined) throw new Error(`no schema at ${pointer}`);
      validate = this.ajv.compile({ $ref: `${DOC_ID}${target}` });
      this.compiled.set(target, validate);
    }
    return runner(validate);
  }

  /**
   * The validator of the response schema at `pointer` for an answer trimmed by `_fields` (see the file
   * comment): a copy of the bundle whose returned-object schemas require only asked fields.
   */
  private compileTrimmed(pointer: string, fields: readonly string[]): (data: unknown) => ValidationResult {
    const asked = new Set(fields);
    const key = `${pointer} ${[...asked].sort().join(',')}`;
    const hit = this.trimmed.get(key);
    if (hit) return hit;
    const copy = structuredClone(this.doc);
    const target = this.resolve(pointer).pointer;
    const at = (p: string): unknown => resolvePointer(copy, parsePointer(p));
    /** The object schemas a schema stands for: itself and what its `$ref`/`allOf`/`oneOf`/`anyOf` lead to. */
    const parts = (node: unknown, out: JsonObject[] = [], seen = new Set<unknown>()): JsonObject[] => {
      if (!isObj(node) || seen.has(node)) return out;
      seen.add(node);
      out.push(node);
      if (typeof node.$ref === 'string' && node.$ref.startsWith('#')) parts(at(node.$ref), out, seen);
      for (const k of ['allOf', 'oneOf', 'anyOf'] as const) {
        const list = node[k];
        if (Array.isArray(list)) for (const sub of list) parts(sub, out, seen);
      }
      return out;
    };
    const top = parts(at(target));
    const data = top.map((s) => obj(obj(s.properties).data)).find((d) => d.type === 'array' && isObj(d.items));
    for (const s of data ? parts(data.items) : top) {
      if (Array.isArray(s.required)) s.required = s.required.filter((f) => typeof f === 'string' && asked.has(f));
    }
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, validateFormats: true });
    addFormats(ajv);
    ajv.addSchema(copy, DOC_ID);
    const validate = runner(ajv.compile({ $ref: `${DOC_ID}${target}` }));
    if (this.trimmed.size >= TRIMMED_CACHE) {
      const oldest = this.trimmed.keys().next().value;
      if (oldest !== undefined) this.trimmed.delete(oldest);
    }
    this.trimmed.set(key, validate);
    return validate;
  }

  /** Path-level and operation-level parameters of an operation (operation-level wins on a name clash). */
  parameters(operationId: string): ParameterRef[] {
    const opRef = this.requireOp(operationId);
    const opPointer = this.operationPointer(opRef);
    const itemPointer = this.resolve(formatPointer(['paths', opRef.path], { fragment: true })).pointer;
    const found = new Map<string, ParameterRef>();
    for (const base of [itemPointer, opPointer]) {
      const list = this.resolve(childPointer(base, 'parameters')).node;
      if (!Array.isArray(list)) continue;
      list.forEach((_, i) => {
        const { pointer, node } = this.resolve(childPointer(base, 'parameters', i));
        const p = obj(node);
        if (typeof p.name !== 'string' || typeof p.in !== 'string') return;
        const schema = this.resolve(childPointer(pointer, 'schema'));
        found.set(`${p.in}:${p.name}`, {
          name: p.name,
          in: p.in as ParameterRef['in'],
          required: p.required === true,
          ...(typeof p.style === 'string' ? { style: p.style } : {}),
          ...(typeof p.explode === 'boolean' ? { explode: p.explode } : {}),
          schemaPointer: schema.pointer,
          schema: obj(schema.node),
        });
      });
    }
    return [...found.values()];
  }

  /** Where an operation's JSON request body schema is, and whether the body is required; undefined without one. */
  requestBody(operationId: string): { schemaPointer: string; required: boolean } | undefined {
    const opPointer = this.operationPointer(this.requireOp(operationId));
    if (!obj(this.resolve(opPointer).node).requestBody) return undefined;
    const rb = this.resolve(childPointer(opPointer, 'requestBody'));
    const media = this.jsonMedia(rb.pointer);
    if (!media) return undefined;
    return {
      schemaPointer: childPointer(this.resolve(media).pointer, 'schema'),
      required: obj(rb.node).required === true,
    };
  }

  /**
   * Looks up a node by JSON pointer, following `$ref`s on the way and at the end. `pointer` is where
   * the node really is (`#/components/...` when a `$ref` led there); `node` is undefined when missing.
   */
  resolve(pointer: string): { pointer: string; node: unknown } {
    let at: string[] = [];
    let node: unknown = this.doc;
    const follow = () => {
      const { node: target, refs } = followRefs(this.doc, node);
      const last = refs.at(-1);
      if (last !== undefined) at = parsePointer(last);
      node = target;
    };
    for (const key of parsePointer(pointer)) {
      follow();
      node = resolvePointer(node, [key]);
      at = [...at, key];
    }
    follow();
    return { pointer: formatPointer(at, { fragment: true }), node };
  }

  /** Where an operation object is (its path item's `$ref` followed). */
  private operationPointer(op: OperationRef): string {
    return childPointer(this.resolve(formatPointer(['paths', op.path], { fragment: true })).pointer, op.method);
  }

  private index() {
    if (!this.ops) {
      this.ops = [];
      for (const path of Object.keys(obj(this.doc.paths))) {
        const item = obj(this.resolve(formatPointer(['paths', path], { fragment: true })).node);
        for (const method of METHODS) {
          const op = item[method];
          if (!isObj(op) || typeof op.operationId !== 'string') continue;
          const params = (path.match(/\{[^}]+\}/g) ?? []).length;
          const source = path
            .split(/(\{[^}]+\})/)
            .map((s) => (s.startsWith('{') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
            .join('');
          this.ops.push({ operationId: op.operationId, method, path, regex: new RegExp(`^${source}$`), params });
        }
      }
    }
    return this.ops;
  }

  private requireOp(operationId: string): OperationRef {
    const op = this.index().find((o) => o.operationId === operationId);
    if (!op) throw new Error(`unknown operationId ${operationId}`);
    return op;
  }

  private responseLocation(operationId: string, status: number): { key: string; pointer: string } | undefined {
    const opPointer = this.operationPointer(this.requireOp(operationId));
    const responses = obj(this.resolve(childPointer(opPointer, 'responses')).node);
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
    return key ? { key, pointer: childPointer(opPointer, 'responses', key) } : undefined;
  }

  /** Pointer of the JSON media type object under a response or request body (application/json first). */
  private jsonMedia(pointer: string): string | undefined {
    const { pointer: at, node } = this.resolve(pointer);
    const content = obj(node).content;
    if (!isObj(content)) return undefined;
    const type =
      'application/json' in content ? 'application/json' : Object.keys(content).find((t) => /[/+]json\b/.test(t));
    return type ? childPointer(at, 'content', type) : undefined;
  }
}
