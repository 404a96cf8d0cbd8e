// Advanced Filtering (`POST /data/search/`, the subset documented in query.ts) and Smart Views. A
// search cursor holds the position and a fingerprint of the query: send the same body again with it
// (as Close documents) to get the next page; it is `null` on the last page. Cursors do not expire.
import { fieldError } from '../errors.js';
import { assertQueryDepth, assertQuerySize, SearchEvaluator, searchFingerprint, searchObjectType } from '../query.js';
import type { Obj } from '../store.js';
import { savedSearchView } from '../views.js';
import { bodyOf, newestFirst, page, pickFields } from './common.js';
import type { Handler, HandlerMap } from './context.js';

function encodeCursor(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, h: fingerprint })).toString('base64url');
}

function decodeCursor(cursor: string, fingerprint: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const c = parsed as { o?: unknown; h?: unknown } | undefined;
  if (typeof c?.o !== 'number' || !Number.isInteger(c.o) || c.o < 0) throw fieldError('cursor', 'Invalid cursor.');
  if (c.h !== fingerprint)
    throw fieldError('cursor', 'This cursor belongs to another query: send the same query, sort and results_limit.');
  return c.o;
}

function compare(x: unknown, y: unknown): number {
  if (x === y) return 0;
  if (x === undefined || x === null) return 1;
  if (y === undefined || y === null) return -1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x).localeCompare(String(y));
}

const searchData: Handler = (ctx) => {
  const { store } = ctx;
  const b = bodyOf(ctx);
  const query = b.query as Obj;
  assertQueryDepth(b);
  assertQuerySize(query);
  const type = searchObjectType(query);
  const fingerprint = searchFingerprint(b);
  const offset = typeof b.cursor === 'string' ? decodeCursor(b.cursor, fingerprint) : 0;
  const ev = new SearchEvaluator(store);
  const records: Array<{ id: string; date_created: string }> = [
    ...(type === 'lead' ? store.state.leads.values() : store.state.contacts.values()),
  ];
  let ids = newestFirst(records)
    .filter((r) => ev.matches(query, type, r.id))
    .map((r) => r.id);
  const sort = Array.isArray(b.sort) ? (b.sort as Obj[]) : [];
  if (sort.length) {
    const keys = new Map(ids.map((id) => [id, sort.map((s) => ev.sortValue(s.field, type, id))]));
    ids = [...ids].sort((x, y) => {
      for (let i = 0; i < sort.length; i++) {
        const c = compare(keys.get(x)?.[i], keys.get(y)?.[i]);
        if (c) return sort[i]?.direction === 'desc' ? -c : c;
      }
      return 0;
    });
  }
  const total = ids.length;
  if (typeof b.results_limit === 'number') ids = ids.slice(0, b.results_limit);
  const size = typeof b._limit === 'number' ? b._limit : 100;
  const wanted = (b._fields as Record<string, string[]> | undefined)?.[type] ?? ['id'];
  const data = ids.slice(offset, offset + size).map((id) => {
    const subject = ev.subject(type, id);
    return { __object_type: type, ...(subject ? pickFields(ev.view(subject), wanted) : { id }) };
  });
  return {
    body: {
      data,
      cursor: offset + size < ids.length ? encodeCursor(offset + size, fingerprint) : null,
      ...(b.include_counts === true ? { count: { limited: ids.length, total } } : {}),
    },
  };
};

const listSmartViews: Handler = (ctx) => {
  const types = ctx.query.list('type__in') ?? [ctx.query.string('type') ?? 'lead'];
  const views = [...ctx.store.state.savedSearches.values()].filter((s) => types.includes(s.type));
  return { body: page(ctx, views, (s) => savedSearchView(ctx.store, s)) };
};

export const searchHandlers = { searchData, listSmartViews } satisfies Partial<HandlerMap>;
