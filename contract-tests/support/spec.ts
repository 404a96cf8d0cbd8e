// The contract suite's view of the spec: the shared SpecValidator (ajv over generated/openapi.json)
// for operation lookup and validation, plus direct reads of the bundled document for what the
// recorder needs besides (declared statuses, response schemas with $refs kept, required headers).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deref } from '../../src/lib/json-pointer.js';
import { SpecValidator } from '../../test/support/spec-validator.js';
import type { SpecAccess, ValidationIssue } from './recorder.js';
import type { JsonSchema } from './schema-walk.js';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bundledSpecPath = join(root, 'generated', 'openapi.json');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Splits a SpecValidator issue path (`data[0].contacts[1]["custom.cf_x"]`, `(root)`) into its keys
 * and indexes: `['data', '0', 'contacts', '1', 'custom.cf_x']`.
 */
export function pathParts(path: string): string[] {
  if (!path || path === '(root)') return [];
  const parts: string[] = [];
  for (const m of path.matchAll(/\.?([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    parts.push(m[1] ?? m[2] ?? (JSON.parse(m[3] as string) as string));
  }
  return parts;
}

export class ContractSpec implements SpecAccess {
  readonly doc: Obj;
  readonly validator: SpecValidator;
  private readonly byId = new Map<string, { operationId: string; method: string; path: string; op: Obj }>();

  constructor(doc?: Obj) {
    this.validator = new SpecValidator(doc ?? (JSON.parse(readFileSync(bundledSpecPath, 'utf8')) as Obj));
    this.doc = this.validator.doc as Obj;
    const paths = (this.doc.paths ?? {}) as Record<string, Obj>;
    for (const [path, item] of Object.entries(paths)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
        const op = item[method];
        if (isObj(op) && typeof op.operationId === 'string') {
          this.byId.set(op.operationId, { operationId: op.operationId, method: method.toUpperCase(), path, op });
        }
      }
    }
  }

  operations(): Array<{ operationId: string; method: string; path: string }> {
    return [...this.byId.values()].map(({ operationId, method, path }) => ({ operationId, method, path }));
  }

  operation(operationId: string): { operationId: string; method: string; path: string; hasBody: boolean } {
    const found = this.byId.get(operationId);
    if (!found) throw new Error(`unknown operationId ${operationId}`);
    return { operationId, method: found.method, path: found.path, hasBody: found.op.requestBody !== undefined };
  }

  findOperation(method: string, urlPath: string): { operationId: string; method: string; path: string } | undefined {
    const found = this.validator.findOperation(method, urlPath);
    if (!found) return undefined;
    const known = this.byId.get(found.operationId);
    return known ? { operationId: found.operationId, method: known.method, path: known.path } : undefined;
  }

  /** `x` with its local `$ref`s followed (throws on a dangling or circular one). */
  private deref(x: unknown): unknown {
    return deref(this.doc, x);
  }

  /** Query parameters of an operation (path-level and operation-level), `$ref`s resolved. */
  queryParameters(operationId: string): Array<{ name: string; style?: string; explode?: boolean; schema?: Obj }> {
    const found = this.byId.get(operationId);
    if (!found) return [];
    const item = (this.doc.paths as Record<string, Obj>)[found.path] ?? {};
    const params = [...((item.parameters as unknown[]) ?? []), ...((found.op.parameters as unknown[]) ?? [])]
      .map((p) => this.deref(p))
      .filter(isObj);
    return params
      .filter((p) => p.in === 'query')
      .map((p) => ({
        name: String(p.name),
        style: p.style as string | undefined,
        explode: p.explode as boolean | undefined,
        schema: this.deref(p.schema) as Obj | undefined,
      }));
  }

  /** The response object declared for a status (exact code, then `4XX`-style ranges, then `default`). */
  private response(operationId: string, status: number): Obj | null {
    const found = this.byId.get(operationId);
    if (!found) return null;
    const responses = (found.op.responses ?? {}) as Obj;
    const raw = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    const res = this.deref(raw);
    return isObj(res) ? res : null;
  }

  responseSchema(operationId: string, status: number): JsonSchema | undefined | null {
    const res = this.response(operationId, status);
    if (!res) return null;
    const content = res.content as Obj | undefined;
    if (!content) return undefined;
    const media = (content['application/json'] ?? Object.values(content)[0]) as Obj | undefined;
    return (media?.schema as JsonSchema | undefined) ?? true;
  }

  requiredHeaders(operationId: string, status: number): string[] {
    const res = this.response(operationId, status);
    const headers = (res?.headers ?? {}) as Obj;
    return Object.entries(headers)
      .filter(([, h]) => isObj(this.deref(h)) && (this.deref(h) as Obj).required === true)
      .map(([name]) => name.toLowerCase());
  }

  validateResponse(
    operationId: string,
    status: number,
    body: unknown,
    fields?: readonly string[],
  ): { valid: boolean; errors: ValidationIssue[] } {
    const r = this.validator.validateResponse(operationId, status, body, { fields });
    return { valid: r.valid, errors: r.errors.map((e) => ({ path: e.path, message: e.message, keyword: e.keyword })) };
  }

  validateRequestBody(operationId: string, body: unknown): { valid: boolean; errors: ValidationIssue[] } {
    const r = this.validator.validateRequestBody(operationId, body);
    return { valid: r.valid, errors: r.errors.map((e) => ({ path: e.path, message: e.message, keyword: e.keyword })) };
  }
}
