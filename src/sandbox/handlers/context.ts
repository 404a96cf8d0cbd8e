// What a handler gets (one validated request and the store) and what it returns.
import type { OperationId } from '../../../generated/operations.js';
import type { RequestInfo, Store } from '../store.js';

/** The request's query parameters, validated against the spec and converted to their schema types. */
export class QueryValues {
  constructor(private readonly values: ReadonlyMap<string, unknown> = new Map()) {}

  has(name: string): boolean {
    return this.values.has(name);
  }
  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }
  int(name: string): number | undefined {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : undefined;
  }
  bool(name: string): boolean | undefined {
    const v = this.values.get(name);
    return typeof v === 'boolean' ? v : undefined;
  }
  /** An array parameter (`_fields=a,b`): its items as strings. */
  list(name: string): string[] | undefined {
    const v = this.values.get(name);
    return Array.isArray(v) ? v.map(String) : undefined;
  }
}

/** One request, after routing, authentication, rate limiting and validation. */
export interface Ctx extends RequestInfo {
  store: Store;
  /** The operation answered (undefined for the few requests outside the spec, see extra.ts). */
  operationId: OperationId | undefined;
  /** Path parameters, percent-decoded. */
  params: Readonly<Record<string, string>>;
  query: QueryValues;
  /** The parsed JSON body (valid against the operation's request schema), or undefined. */
  body: unknown;
}

/**
 * A body already serialized as JSON (UTF-8), in parts sent one after the other as they are (renderings
 * cached by the store): a page of leads is written without copying its leads into one buffer.
 */
export class JsonBody {
  readonly parts: readonly Uint8Array[];
  readonly length: number;
  constructor(...parts: Uint8Array[]) {
    this.parts = parts;
    let n = 0;
    for (const p of parts) n += p.length;
    this.length = n;
  }
}

/** What a handler answers: a status (default: the operation's success status) and a JSON body. */
export interface Result {
  status?: number;
  /** A value to serialize, or a JsonBody. */
  body: unknown;
}

export type Handler = (ctx: Ctx) => Result;

/** One handler per operation of the spec: an operation without one fails the type check. */
export type HandlerMap = { readonly [K in OperationId]: Handler };
