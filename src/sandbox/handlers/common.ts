// Helpers shared by the resource handlers: offset pages, `_fields`, references to other objects,
// custom field values, ordering.
import { DOES_NOT_EXIST, fieldError, requestError } from '../errors.js';
import {
  type ContactRecord,
  type CustomValue,
  type LeadRecord,
  type Obj,
  type Stamped,
  type Store,
  stamp,
} from '../store.js';
import { type Ctx, JsonBody } from './context.js';

/** The body of a request (validated against the operation's request schema before the handler runs). */
export function bodyOf(ctx: Ctx): Obj {
  return typeof ctx.body === 'object' && ctx.body !== null && !Array.isArray(ctx.body) ? (ctx.body as Obj) : {};
}

/** Keeps the fields named in `_fields` (`custom` stands for every custom field; unknown names are ignored). */
export function pickFields(obj: Obj, fields: readonly string[] | undefined): Obj {
  if (!fields || fields.length === 0) return obj;
  const out: Obj = {};
  for (const raw of fields) {
    const f = raw.trim();
    if (f === 'custom') {
      for (const [k, v] of Object.entries(obj)) if (k.startsWith('custom.')) out[k] = v;
      if ('custom' in obj) out.custom = obj.custom;
    } else if (f && Object.hasOwn(obj, f)) out[f] = obj[f];
  }
  return out;
}

/**
 * An offset page (`_skip`, `_limit`, default 100) of `items`, only the page rendered:
 * `{has_more, ...extra, data}`. `has_more` is false on the last page. `_limit=0` answers no items
 * (Close's scripts use it to read `total_results` only).
 */
export function page<T>(ctx: Ctx, items: readonly T[], render: (item: T) => Obj, extra: Obj = {}): Obj {
  const { skip, limit } = pageBounds(ctx);
  const fields = ctx.query.list('_fields');
  const data = items.slice(skip, skip + limit).map((i) => pickFields(render(i), fields));
  return { has_more: hasMore(skip, limit, items.length), ...extra, data };
}

function pageBounds(ctx: Ctx): { skip: number; limit: number } {
  return { skip: ctx.query.int('_skip') ?? 0, limit: ctx.query.int('_limit') ?? 100 };
}

/**
 * Whether items follow this page. A `_limit=0` page holds nothing and leads nowhere: false, so that a
 * loop that pages on `has_more` (advancing `_skip` by the page size) ends. Close documents `has_more`
 * only as telling whether the last page was reached; its scripts send `_limit=0` to read `total_results`.
 */
function hasMore(skip: number, limit: number, total: number): boolean {
  return limit > 0 && skip + limit < total;
}

const DATA_OPEN = Buffer.from(',"data":[');
const DATA_CLOSE = Buffer.from(']}');
const COMMA = Buffer.from(',');

/**
 * page() for items whose full rendering is cached as JSON (`json`): the same answer, byte for byte,
 * assembled from the cached renderings. With `_fields` it is page() itself (only full renderings are
 * cached). With a `cacheKey` (naming everything but `_skip` and `_limit` that the answer depends on,
 * under the store's rules: dropped on any write and at midnight UTC) the page is kept whole
 * (store.cachedPage) and sent again as those bytes until then.
 */
export function pageJson<T>(
  ctx: Ctx,
  items: () => readonly T[],
  render: (item: T) => Obj,
  json: (item: T) => Uint8Array,
  extra: (items: readonly T[]) => Obj = () => ({}),
  cacheKey?: string,
): Obj | JsonBody {
  if (ctx.query.has('_fields')) {
    const all = items();
    return page(ctx, all, render, extra(all));
  }
  const { skip, limit } = pageBounds(ctx);
  const build = (): Uint8Array[] => {
    const all = items();
    const head = JSON.stringify({ has_more: hasMore(skip, limit, all.length), ...extra(all) });
    const parts: Uint8Array[] = [Buffer.from(head.slice(0, -1)), DATA_OPEN];
    const end = Math.min(all.length, skip + limit);
    for (let i = skip; i < end; i++) {
      if (i > skip) parts.push(COMMA);
      parts.push(json(all[i] as T));
    }
    parts.push(DATA_CLOSE);
    return parts;
  };
  if (cacheKey === undefined) return new JsonBody(...build());
  return new JsonBody(ctx.store.cachedPage(`${cacheKey} ${skip} ${limit}`, () => Buffer.concat(build())));
}

/** Newest first by `date_created`; among equal dates, the later created first. */
export function newestFirst<T extends { date_created: string }>(items: Iterable<T>): T[] {
  return [...items].reverse().sort((a, b) => b.date_created.localeCompare(a.date_created));
}

export function requireLead(store: Store, id: unknown, field = 'lead'): LeadRecord {
  const lead = typeof id === 'string' ? store.state.leads.get(id) : undefined;
  if (!lead) throw fieldError(field, DOES_NOT_EXIST);
  return lead;
}

export function requireUser(store: Store, id: unknown, field: string): string {
  if (typeof id !== 'string' || !store.user(id)) throw fieldError(field, DOES_NOT_EXIST);
  return id;
}

/** A contact of `leadId` (400 on `field` when it is unknown or belongs to another lead). */
export function requireContactOf(store: Store, id: unknown, leadId: string, field = 'contact'): ContactRecord {
  const c = typeof id === 'string' ? store.state.contacts.get(id) : undefined;
  if (!c || c.lead_id !== leadId) throw fieldError(field, DOES_NOT_EXIST);
  return c;
}

/**
 * Whether a string starts with a real calendar date (`YYYY-MM-DD`, no 30 February) and, when a time
 * follows, a real time of day. JavaScript's Date rolls impossible dates over (`2025-02-30` becomes
 * 2 March), so every date or date-time a handler reads from a body is checked with this first.
 */
export function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return false;
  return m[4] === undefined || (Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6] ?? 0) <= 59);
}

/** A date-time from a body (`field` names it in the 400): a real date, parsed by Date. */
export function parseDateTime(value: string, field: string): Date {
  const d = new Date(value);
  if (!isRealDate(value) || Number.isNaN(d.getTime())) throw fieldError(field, 'Enter a valid date-time.');
  return d;
}

/** A date (`YYYY-MM-DD`) from a body's date or date-time; a 400 on `field` for an impossible one. */
export function parseDay(value: string, field: string): string {
  if (!isRealDate(value)) throw fieldError(field, 'Enter a valid date (YYYY-MM-DD) or date-time.');
  return value.slice(0, 10);
}

const CUSTOM_KEY = /^custom\.((?:cf|lcf|ccf)_[A-Za-z0-9]+)(?:\.(add|remove))?$/;

/** Checks a value against a lead custom field's type; returns the value to store. */
function checkCustomValue(store: Store, key: string, fieldId: string, value: unknown): CustomValue {
  const field = store.state.customFields.get(fieldId);
  if (!field) throw fieldError(key, 'Unknown custom field.');
  const one = (v: unknown): string | number => {
    switch (field.type) {
      case 'number':
        if (typeof v === 'number') return v;
        if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
        throw fieldError(key, 'Enter a number.');
      case 'date':
        if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && isRealDate(v)) return v;
        throw fieldError(key, 'Enter a date (YYYY-MM-DD).');
      case 'choices':
        if (typeof v === 'string' && field.choices.includes(v)) return v;
        throw fieldError(key, `Not a valid choice. Choices: ${field.choices.join(', ')}.`);
      case 'user':
        if (typeof v === 'string' && store.user(v)) return v;
        throw fieldError(key, DOES_NOT_EXIST);
      default:
        if (typeof v === 'string') return v;
        if (typeof v === 'number') return String(v);
        throw fieldError(key, 'Enter a text value.');
    }
  };
  if (Array.isArray(value)) {
    if (!field.accepts_multiple_values) throw fieldError(key, 'This field takes one value, not a list.');
    return value.map(one);
  }
  const single = one(value);
  return field.accepts_multiple_values ? [single] : single;
}

/**
 * A value for a custom field the sandbox has no definition of (contacts, opportunities, activities): kept
 * as sent, except that list items are kept as strings, the way Close returns multi-value fields.
 */
function loose(value: unknown): CustomValue {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'number' ? value : String(value);
}

/**
 * The custom values after the `custom.<field id>` keys of a request body (`null` unsets; `.add` /
 * `.remove` change a multi-value field) and the deprecated name-keyed `custom` object: a new object,
 * `current` is left as it is, so a handler can check every part of a request before it writes any
 * (a 400 leaves no trace). With `known` (leads) the field must exist and the value must fit its type;
 * contacts, opportunities and activities keep any value (the sandbox has no endpoint to define their
 * fields). Also returns the changed `custom.<id>` keys.
 */
export function customUpdate(
  store: Store,
  current: Readonly<Record<string, CustomValue>>,
  body: Obj,
  known: boolean,
): { custom: Record<string, CustomValue>; changed: string[] } {
  const target: Record<string, CustomValue> = { ...current };
  const changed: string[] = [];
  const set = (key: string, id: string, op: string | undefined, value: unknown): void => {
    if (op === 'add' || op === 'remove') {
      // Close documents .add / .remove for multi-value fields (reference §1.11); on a lead field that
      // takes one value they are a 400. Adding a value already there does not add it twice.
      if (known && store.state.customFields.get(id)?.accepts_multiple_values === false)
        throw fieldError(key, `.${op} is only for fields that accept multiple values.`);
      const current = target[id];
      const list = Array.isArray(current) ? current : current === undefined ? [] : [current];
      const item = known ? checkCustomValue(store, key, id, value) : loose(value);
      // A list is what Close returns for a multi-value field, and its items are strings when the
      // sandbox does not know the field: `.add` of 5 adds "5".
      const items = (Array.isArray(item) ? item : [item]).map((x) => (known ? x : String(x)));
      const next =
        op === 'add'
          ? [...list, ...items.filter((x, i) => !list.includes(x) && items.indexOf(x) === i)]
          : list.filter((x) => !items.includes(x));
      if (next.length) target[id] = next;
      else delete target[id];
    } else if (value === null) delete target[id];
    else target[id] = known ? checkCustomValue(store, key, id, value) : loose(value);
    changed.push(`custom.${id}`);
  };
  for (const [k, v] of Object.entries(body)) {
    const m = CUSTOM_KEY.exec(k);
    if (m?.[1]) set(k, m[1], m[2], v);
  }
  if (known && typeof body.custom === 'object' && body.custom !== null) {
    for (const [name, v] of Object.entries(body.custom as Obj)) {
      const field = [...store.state.customFields.values()].find((f) => f.name === name);
      if (!field) throw fieldError(`custom.${name}`, 'Unknown custom field.');
      set(`custom.${name}`, field.id, undefined, v);
    }
  }
  return { custom: target, changed };
}

/** Whether a body has a key customUpdate reads (`custom.…` or `custom`): most bodies have none. */
function hasCustomKeys(body: Obj): boolean {
  for (const k in body) if (k.startsWith('custom')) return true;
  return false;
}

/** customUpdate written into `target` (for a record not stored yet); returns the changed keys. */
export function applyCustom(store: Store, target: Record<string, CustomValue>, body: Obj, known: boolean): string[] {
  if (!hasCustomKeys(body)) return []; // nothing to change (customUpdate would copy `target` and change nothing)
  const { custom, changed } = customUpdate(store, target, body, known);
  for (const k of Object.keys(target)) if (!(k in custom)) delete target[k];
  Object.assign(target, custom);
  return changed;
}

/** Compares ISO dates/date-times for `__gt`-style filters (a date compares with the day of a date-time). */
export function dateFilter(value: string | null | undefined, ctx: Ctx, base: string): boolean {
  const checks: Array<[string, (a: string, b: string) => boolean]> = [
    [base, (a, b) => a.slice(0, b.length) === b],
    [`${base}__gt`, (a, b) => a.slice(0, b.length) > b],
    [`${base}__gte`, (a, b) => a.slice(0, b.length) >= b],
    [`${base}__lt`, (a, b) => a.slice(0, b.length) < b],
    [`${base}__lte`, (a, b) => a.slice(0, b.length) <= b],
  ];
  for (const [name, test] of checks) {
    const want = ctx.query.string(name);
    if (want === undefined) continue;
    const bound = normaliseDate(want);
    if (bound === null) throw fieldError(name, 'Enter a date (YYYY-MM-DD) or a date-time.');
    if (value === null || value === undefined || !test(value, bound)) return false;
  }
  return true;
}

/**
 * A filter bound as stored timestamps start: `2025-01-01` for a date, `2025-01-01T10:00:00` (UTC, to
 * the second) for a date-time with or without an offset; null when it is neither.
 */
function normaliseDate(s: string): string | null {
  if (!isRealDate(s)) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s)) return null;
  const d = new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 19);
}

/** Stamps of a record created now, optionally backdated (`date_created` in the body). */
export function createdStamps(store: Store, backdate?: unknown): Stamped {
  const stamps = store.created();
  if (typeof backdate === 'string') {
    const d = parseDateTime(backdate, 'date_created');
    stamps.date_created = stamp(d);
  }
  return stamps;
}

/** 400 for a filter the sandbox does not implement (so that a test never silently gets unfiltered data). */
export function unsupported(name: string, what: string): never {
  throw requestError(`The sandbox does not support ${what} (\`${name}\`).`);
}
