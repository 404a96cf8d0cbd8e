// The event log: what happened through the API since the sandbox's state began, newest first, with
// Close's cursors (`cursor_next` to older events, null on the last page; `cursor_previous` to newer
// ones) and its documented filter combinations (anything else is a 400 listing them).
import { fieldError, requestError } from '../errors.js';
import type { StoredEvent } from '../store.js';
import { eventView } from '../views.js';
import { dateFilter } from './common.js';
import type { Handler, HandlerMap } from './context.js';

const FILTERS = ['object_type', 'object_id', 'action', 'lead_id', 'user_id', 'request_id'] as const;

/** The filter combinations the event log accepts (Close's docs); `date_updated__*` can be added to any. */
const COMBINATIONS = [
  [],
  ['object_type', 'object_id'],
  ['object_type', 'action'],
  ['object_id', 'action'],
  ['lead_id', 'object_type'],
  ['lead_id', 'object_type', 'action'],
  ['lead_id', 'user_id', 'object_type'],
  ['lead_id', 'user_id', 'object_type', 'action'],
  ['lead_id', 'user_id'],
  ['user_id', 'object_id'],
  ['user_id', 'object_id', 'action'],
  ['user_id', 'object_type'],
  ['user_id', 'object_type', 'action'],
  ['lead_id'],
  ['user_id'],
  ['request_id'],
].map((c) => [...c].sort().join('+'));

type Cursor = { before: number } | { after: number };

function encode(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decode(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (Number.isInteger(c.before)) return { before: c.before as number };
    if (Number.isInteger(c.after)) return { after: c.after as number };
  } catch {
    // reported below
  }
  throw fieldError('_cursor', 'Invalid cursor.');
}

const listEvents: Handler = (ctx) => {
  const q = ctx.query;
  const used = FILTERS.filter((f) => q.has(f));
  if (!COMBINATIONS.includes([...used].sort().join('+')))
    throw requestError(
      `The event log does not accept this combination of filters (${used.join(', ')}). Accepted: ${COMBINATIONS.filter(
        Boolean,
      )
        .map((c) => c.replaceAll('+', ' + '))
        .join('; ')}; date_updated__gt/__gte/__lt/__lte can be added to any.`,
    );
  const limit = q.int('_limit') ?? 50;
  let events: StoredEvent[] = ctx.store.state.events.filter(
    (e) => used.every((f) => e[f] === q.string(f)) && dateFilter(e.date_updated, ctx, 'date_updated'),
  );
  const raw = q.string('_cursor');
  const cursor = raw ? decode(raw) : undefined;
  let slice: StoredEvent[];
  if (cursor && 'after' in cursor) {
    // Newer events than the cursor's: the `limit` oldest of them, shown newest first.
    slice = events
      .filter((e) => e.seq > cursor.after)
      .slice(0, limit)
      .reverse();
  } else {
    if (cursor) events = events.filter((e) => e.seq < cursor.before);
    slice = events.slice(-limit).reverse();
  }
  const last = slice[slice.length - 1];
  const first = slice[0];
  const olderLeft = last !== undefined && events.some((e) => e.seq < last.seq);
  return {
    body: {
      data: slice.map((e) => eventView(ctx.store, e)),
      cursor_next: olderLeft && last ? encode({ before: last.seq }) : null,
      cursor_previous: first ? encode({ after: first.seq }) : (raw ?? null),
    },
  };
};

export const eventHandlers = { listEvents } satisfies Partial<HandlerMap>;
