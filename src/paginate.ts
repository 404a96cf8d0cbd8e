import type { FetchOptions } from 'openapi-fetch';
import { type OperationId, type OperationInfo, operations } from '../generated/operations.js';
import type { paths } from '../generated/schema.js';
import type { CloseClient, FieldsGuard, FieldsHint, SuccessData, TrimmedData } from './client.js';
import { CloseApiError, ClosePaginationError } from './errors.js';

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
/** Bounds of one `paginate()` run. */
export interface PaginateOptions {
  /** Yield at most this many items, then stop (without fetching further pages). */
  maxItems?: number | undefined;
  /** Fetch at most this many pages, then stop. */
  maxPages?: number | undefined;
}
/** The item type when the call names `_fields` (`F` in the query, `FS` per object type in a search body). */
export type PaginatedFieldsItem<P extends PaginatedPath, F extends string, FS extends Record<string, string>> =
  TrimmedData<PageOf<P>, F, FS> extends { data?: ReadonlyArray<infer T> } ? T : never;
// `_fields` literals are read into F/FS, so a trimmed list yields items with just those fields (see client.ts).
type FieldsInit<P extends PaginatedPath, F extends string, FS extends Record<string, string>> = PaginateInit<P> &
  FieldsHint<F, FS> &
  FieldsGuard<OperationOf<P>, F, FS>;
type Args<P extends PaginatedPath, F extends string, FS extends Record<string, string>> =
  object extends PaginateInit<P>
    ? [init?: FieldsInit<P, F, FS>, options?: PaginateOptions]
    : [init: FieldsInit<P, F, FS>, options?: PaginateOptions];

/** One page of a list, as `paginatePages()` yields it. */
export interface Page<P extends PaginatedPath, Item = PaginatedItem<P>> {
  /** The page's items (cut short on the last page when `maxItems` is reached). */
  items: Item[];
  /** The total Close reports for the whole query (`total_results`), where it sends one. */
  totalResults: number | undefined;
  /** 0 for the first page. */
  index: number;
  /** The whole page body as the spec types it (`has_more`, `cursor_next`, …). */
  body: PageOf<P>;
}

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

/** A comparable key for a cursor: Close's are strings, but an object-valued one must not slip past. */
function cursorKey(cursor: unknown): string {
  return typeof cursor === 'string' ? `s:${cursor}` : `j:${JSON.stringify(cursor)}`;
}

/**
 * Repeated-cursor protection in bounded memory (the old version kept every cursor: one entry per page).
 * A cursor among the last `CURSOR_MEMORY` used (the caller's starting one included) throws before its
 * page is fetched again, so a short loop yields no item twice. A longer loop is still caught, by Brent's
 * cycle detection (one saved cursor, re-saved at doubling intervals), within about two turns of the loop:
 * a server that keeps cycling through any number of cursors cannot make the iteration run forever.
 */
function cursorGuard(path: string, start: unknown): (cursor: unknown, pages: number) => void {
  const first = start === undefined || start === null ? undefined : cursorKey(start);
  const recent: string[] = first === undefined ? [] : [first];
  let saved = first;
  let power = 1;
  let steps = 0;
  return (cursor, pages) => {
    const key = cursorKey(cursor);
    if (recent.includes(key) || key === saved)
      throw new ClosePaginationError({
        path,
        problem: 'repeated-cursor',
        pages,
        detail: 'returned the same cursor twice',
      });
    recent.push(key);
    if (recent.length > CURSOR_MEMORY) recent.shift();
    if (++steps === power) {
      saved = key;
      power *= 2;
      steps = 0;
    }
  };
}

/** What identifies a page's content: its items' ids, or the items themselves when they have none. */
function fingerprint(items: unknown[]): string {
  const ids = items.map((i) => (i && typeof i === 'object' ? (i as { id?: unknown }).id : undefined));
  return ids.every((id) => typeof id === 'string' || typeof id === 'number')
    ? JSON.stringify(ids)
    : JSON.stringify(items);
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
 * Iterates over the pages of a list operation, following the operation's pagination style from the spec:
 * `offset` (`_skip`/`_limit` until `has_more` is false), `cursor` (`_cursor` from `cursor_next`, the event
 * log) or `body-cursor` (`cursor` in the body of `POST /data/search/`). Only one page is held in memory.
 * A failed page throws `CloseApiError`. A listing that would never end throws `ClosePaginationError`: a
 * page repeating the previous page's items, a cursor seen before, or `has_more` with an empty page.
 *
 *     for await (const page of paginatePages(close, '/lead/', { params: { query: { _limit: 200 } } }))
 *       console.log(page.index, page.items.length, page.totalResults);
 */
export async function* paginatePages<
  P extends PaginatedPath,
  F extends string = never,
  FS extends Record<string, string> = never,
>(
  client: CloseClient,
  path: P,
  ...[init, options]: Args<P, F, FS>
): AsyncGenerator<Page<P, PaginatedFieldsItem<P, F, FS>>, void, undefined> {
  const entry = byPath.get(path);
  if (!entry) throw new TypeError(`paginate: ${String(path)} is not a paginated list operation`);
  const request = (client.request as unknown as LooseRequest).bind(client);
  const base = (init ?? {}) as LooseInit;
  const query = base.params?.query ?? {};
  const withQuery = (extra: Record<string, unknown>): LooseInit => ({
    ...base,
    params: { ...base.params, query: { ...query, ...extra } },
  });
  const maxItems = options?.maxItems ?? Number.POSITIVE_INFINITY;
  const maxPages = options?.maxPages ?? Number.POSITIVE_INFINITY;
  const where = String(path);
  let yielded = 0;
  let index = 0;
  let previous: string | undefined;

  /** Fetches and checks one page; undefined once the bounds are reached. */
  const fetchPage = async (
    sent: LooseInit,
  ): Promise<{ data: Record<string, unknown>; items: unknown[] } | undefined> => {
    if (index >= maxPages || yielded >= maxItems) return undefined;
    const data = page(await request(entry.method, path, sent));
    const items = data.data as unknown[];
    if (items.length > 0) {
      const print = fingerprint(items);
      if (print === previous)
        throw new ClosePaginationError({
          path: where,
          problem: 'repeated-page',
          pages: index + 1,
          detail: "returned a page with the same items as the page before it (does it ignore the page's position?)",
        });
      previous = print;
    }
    return { data, items };
  };
  type Item = PaginatedFieldsItem<P, F, FS>;
  const emit = (data: Record<string, unknown>, items: unknown[]): Page<P, Item> => {
    const kept = items.length > maxItems - yielded ? items.slice(0, maxItems - yielded) : items;
    yielded += kept.length;
    const total = data.total_results;
    return {
      items: kept as Item[],
      totalResults: typeof total === 'number' ? total : undefined,
      index: index++,
      body: data as PageOf<P>,
    };
  };

  if (entry.pagination === 'offset') {
    let skip = Number(query._skip ?? 0);
    for (;;) {
      const got = await fetchPage(skip === Number(query._skip ?? 0) ? base : withQuery({ _skip: skip }));
      if (!got) return;
      const { data, items } = got;
      if (data.has_more === true && items.length === 0)
        throw new ClosePaginationError({
          path: where,
          problem: 'no-progress',
          pages: index + 1,
          detail: 'answered has_more: true with an empty page',
        });
      yield emit(data, items);
      if (data.has_more !== true) return;
      skip += items.length;
    }
  }
  if (entry.pagination === 'cursor' || entry.pagination === 'body-cursor') {
    const inBody = entry.pagination === 'body-cursor';
    let cursor: unknown = inBody ? base.body?.cursor : query._cursor;
    // The caller's starting cursor counts as seen: a page that points back at it would repeat itself.
    const check = cursorGuard(where, cursor);
    for (;;) {
      const start = cursor === undefined || cursor === null;
      const got = await fetchPage(
        start ? base : inBody ? { ...base, body: { ...base.body, cursor } } : withQuery({ _cursor: cursor }),
      );
      if (!got) return;
      const { data, items } = got;
      yield emit(data, items);
      cursor = inBody ? data.cursor : data.cursor_next;
      if (cursor === null || cursor === undefined || cursor === '' || items.length === 0) return;
      check(cursor, index);
    }
  }
  throw new TypeError(`paginate: unknown pagination style ${entry.pagination} for ${where}`);
}

/**
 * Iterates over the items of a list operation, page by page (see `paginatePages` for the styles and the
 * errors). Breaking out of the loop stops fetching; `maxItems` and `maxPages` bound the run.
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
  ...args: Args<P, F, FS>
): AsyncGenerator<PaginatedFieldsItem<P, F, FS>, void, undefined> {
  for await (const p of paginatePages<P, F, FS>(client, path, ...args)) yield* p.items;
}

/**
 * Collects at most `maxItems` items of a list into an array (a bounded collect: the bound is required, so
 * a large listing cannot fill memory by accident). `truncated` says whether more were left.
 */
export async function collectItems<
  P extends PaginatedPath,
  F extends string = never,
  FS extends Record<string, string> = never,
>(
  client: CloseClient,
  path: P,
  init: FieldsInit<P, F, FS> | undefined,
  options: PaginateOptions & { maxItems: number },
): Promise<{ items: PaginatedFieldsItem<P, NoInfer<F>, NoInfer<FS>>[]; truncated: boolean }> {
  const items: PaginatedFieldsItem<P, F, FS>[] = [];
  let more = false;
  // One item beyond the bound tells whether the listing was cut short.
  const probe = { ...options, maxItems: options.maxItems + 1 };
  const pages = paginatePages<P, F, FS>(client, path, ...([init, probe] as Args<P, F, FS>));
  for await (const p of pages) {
    for (const item of p.items) {
      if (items.length < options.maxItems) items.push(item);
      else more = true;
    }
  }
  return { items, truncated: more };
}
