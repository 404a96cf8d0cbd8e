import type { FetchOptions } from 'openapi-fetch';
import { type OperationId, type OperationInfo, operations } from '../generated/operations.js';
import type { paths } from '../generated/schema.js';
import type { CloseClient, FieldsGuard, FieldsHint, SuccessData, TrimmedData } from './client.js';
import { CloseApiError } from './errors.js';

type Ops = typeof operations;
/** The operations with `x-pagination` in the spec, by path. */
type Table = {
  [K in OperationId as Ops[K]['pagination'] extends null ? never : Ops[K]['path']]: Ops[K];
};
/** The paths of list operations (`x-pagination` in the spec) that `paginate()` accepts. */
export type PaginatedPath = keyof Table & keyof paths;
type MethodOf<P extends PaginatedPath> = Table[P]['method'];
type OperationOf<P extends PaginatedPath> = NonNullable<paths[P][MethodOf<P>]>;
/** The request options of a paginated operation (query parameters, or the body of `POST /data/search/`). */
export type PaginateInit<P extends PaginatedPath> = FetchOptions<OperationOf<P>>;
type PageOf<P extends PaginatedPath> = SuccessData<OperationOf<P>>;
/** The item type of a paginated operation's `data` array. */
export type PaginatedItem<P extends PaginatedPath> = PageOf<P> extends { data?: ReadonlyArray<infer T> } ? T : never;
/** The item type when the call names `_fields` (`F` in the query, `FS` per object type in a search body). */
export type PaginatedFieldsItem<P extends PaginatedPath, F extends string, FS extends Record<string, string>> =
  TrimmedData<PageOf<P>, F, FS> extends { data?: ReadonlyArray<infer T> } ? T : never;
// `_fields` literals are read into F/FS, so a trimmed list yields items with just those fields (see client.ts).
type FieldsInit<P extends PaginatedPath, F extends string, FS extends Record<string, string>> = PaginateInit<P> &
  FieldsHint<F, FS> &
  FieldsGuard<OperationOf<P>, F, FS>;
type InitArgs<P extends PaginatedPath, F extends string, FS extends Record<string, string>> =
  object extends PaginateInit<P> ? [init?: FieldsInit<P, F, FS>] : [init: FieldsInit<P, F, FS>];

interface LooseInit {
  params?: { query?: Record<string, unknown>; [k: string]: unknown };
  body?: Record<string, unknown>;
  [k: string]: unknown;
}
type LooseRequest = (
  method: string,
  path: string,
  init: LooseInit,
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

const byPath = new Map<string, OperationInfo>(
  Object.values<OperationInfo>(operations)
    .filter((op) => op.pagination !== null)
    .map((op) => [op.path, op]),
);

/** How many of the latest cursors `paginate()` remembers to catch a server that points back at one at once. */
export const CURSOR_MEMORY = 32;

/**
 * Repeated-cursor protection in bounded memory (the old version kept every cursor: one entry per page).
 * A cursor among the last `CURSOR_MEMORY` used (the caller's starting one included) throws before its
 * page is fetched again, so a short loop yields no item twice. A longer loop is still caught, by Brent's
 * cycle detection (one saved cursor, re-saved at doubling intervals), within about two turns of the loop:
 * a server that keeps cycling through any number of cursors cannot make the iteration run forever.
 */
function cursorGuard(path: string, start: unknown): (cursor: unknown) => void {
  const recent: unknown[] = start === undefined || start === null ? [] : [start];
  let saved = start;
  let power = 1;
  let steps = 0;
  return (cursor) => {
    if (recent.includes(cursor) || cursor === saved)
      throw new Error(`paginate: ${path} returned the same cursor twice`);
    recent.push(cursor);
    if (recent.length > CURSOR_MEMORY) recent.shift();
    if (++steps === power) {
      saved = cursor;
      power *= 2;
      steps = 0;
    }
  };
}

function page(result: { data?: unknown; error?: unknown; response: Response }): Record<string, unknown> {
  if (result.error !== undefined || !result.response.ok) throw CloseApiError.fromResult(result);
  const data = result.data;
  if (!data || typeof data !== 'object' || !Array.isArray((data as { data?: unknown }).data)) {
    throw new TypeError(`paginate: ${result.response.status} response without a \`data\` array`);
  }
  return data as Record<string, unknown>;
}

/**
 * Iterates over the items of a list operation, page by page, following the operation's pagination style
 * from the spec: `offset` (`_skip`/`_limit` until `has_more` is false), `cursor` (`_cursor` from
 * `cursor_next`, the event log) or `body-cursor` (`cursor` in the body of `POST /data/search/`).
 * Only one page is held in memory. A failed page throws `CloseApiError`.
 *
 *     for await (const lead of paginate(close, '/lead/', { params: { query: { query: 'status:Potential' } } })) …
 */
export async function* paginate<
  P extends PaginatedPath,
  F extends string = never,
  FS extends Record<string, string> = never,
>(
  client: CloseClient,
  path: P,
  ...[init]: InitArgs<P, F, FS>
): AsyncGenerator<PaginatedFieldsItem<P, F, FS>, void, undefined> {
  const entry = byPath.get(path);
  if (!entry) throw new TypeError(`paginate: ${String(path)} is not a paginated list operation`);
  const request = (client.request as unknown as LooseRequest).bind(client);
  const base = (init ?? {}) as LooseInit;
  const query = base.params?.query ?? {};
  const withQuery = (extra: Record<string, unknown>): LooseInit => ({
    ...base,
    params: { ...base.params, query: { ...query, ...extra } },
  });
  type Item = PaginatedFieldsItem<P, F, FS>;

  if (entry.pagination === 'offset') {
    let skip = Number(query._skip ?? 0);
    for (;;) {
      const data = page(
        await request(entry.method, path, skip === Number(query._skip ?? 0) ? base : withQuery({ _skip: skip })),
      );
      const items = data.data as Item[];
      yield* items;
      if (data.has_more !== true || items.length === 0) return;
      skip += items.length;
    }
  }
  if (entry.pagination === 'cursor') {
    let cursor: unknown = query._cursor;
    // The caller's starting cursor counts as seen: a page that points back at it would repeat itself.
    const check = cursorGuard(String(path), cursor);
    for (;;) {
      const data = page(
        await request(entry.method, path, cursor === undefined ? base : withQuery({ _cursor: cursor })),
      );
      yield* data.data as Item[];
      cursor = data.cursor_next;
      if (cursor === null || cursor === undefined || cursor === '' || (data.data as unknown[]).length === 0) return;
      check(cursor);
    }
  }
  if (entry.pagination === 'body-cursor') {
    let cursor: unknown = base.body?.cursor;
    const check = cursorGuard(String(path), cursor);
    for (;;) {
      const data = page(
        await request(
          entry.method,
          path,
          cursor === undefined || cursor === null ? base : { ...base, body: { ...base.body, cursor } },
        ),
      );
      yield* data.data as Item[];
      cursor = data.cursor;
      if (cursor === null || cursor === undefined || cursor === '' || (data.data as unknown[]).length === 0) return;
      check(cursor);
    }
  }
  throw new TypeError(`paginate: unknown pagination style ${entry.pagination} for ${String(path)}`);
}
