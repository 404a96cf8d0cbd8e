// Query and filter evaluation: the lead search string of `GET /lead/?query=` (a small, documented
// subset of Close's deprecated search language) and the Advanced Filtering subset of
// `POST /data/search/` (also what Smart Views' `s_query` holds). Anything outside the subset is a
// 400 that says what the sandbox supports, never a silently wrong answer.
import { fieldError, type HttpError } from './errors.js';
import type { ContactRecord, LeadRecord, Obj, OpportunityRecord, Store } from './store.js';
import { contactsOf, contactView, leadView, opportunityView } from './views.js';

// ---------- GET /lead/?query= ----------

/** What the sandbox's lead search string supports, as sent back in its 400s. */
export const LEAD_QUERY_SYNTAX =
  'The sandbox supports plain words and "quoted phrases" (matched, case-insensitively, inside the lead name, ' +
  'contact names, emails and phone numbers), name:word or name:"some words" (inside the lead name), ' +
  'status:Label or status:"Some label" (the lead status label), and * (every lead), ' +
  'combined with spaces or AND (all must match), at most 100 terms.';

/**
 * The most terms a lead search string may have: every term is checked against every lead, so the
 * work grows with terms × leads; 100 is far more than a hand-written search uses.
 */
export const MAX_LEAD_QUERY_TERMS = 100;

export type LeadQueryTerm =
  | { kind: 'text'; value: string }
  | { kind: 'name'; value: string }
  | { kind: 'status'; value: string }
  | { kind: 'all' };

const unsupportedQuery = (what: string): HttpError =>
  fieldError('query', `${what} is not supported. ${LEAD_QUERY_SYNTAX}`);

/** Parses a lead search string; a 400 naming `query` for anything outside the supported subset. */
export function parseLeadQuery(input: string): LeadQueryTerm[] {
  const terms: LeadQueryTerm[] = [];
  let i = 0;
  const readQuoted = (): string => {
    const end = input.indexOf('"', i + 1);
    if (end < 0) throw unsupportedQuery('An unterminated quote');
    const value = input.slice(i + 1, end);
    i = end + 1;
    return value;
  };
  while (i < input.length) {
    const ch = input[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '"') {
      const value = readQuoted().trim();
      if (value) terms.push({ kind: 'text', value });
      continue;
    }
    const field = /^([A-Za-z_][\w.]*)(:|>=|<=|>|<|=)/.exec(input.slice(i));
    if (field?.[1] && field[2]) {
      const key = field[1].toLowerCase();
      if (field[2] !== ':' || (key !== 'name' && key !== 'status'))
        throw unsupportedQuery(`\`${field[1]}${field[2]}\``);
      i += field[0].length;
      let value: string;
      if (input[i] === '"') value = readQuoted();
      else {
        const m = /^\S*/.exec(input.slice(i));
        value = m?.[0] ?? '';
        i += value.length;
      }
      if (!value.trim()) throw unsupportedQuery(`An empty \`${key}:\``);
      terms.push({ kind: key, value: value.trim() });
      continue;
    }
    const word = /^\S+/.exec(input.slice(i))?.[0] ?? '';
    i += word.length;
    if (word === 'AND') continue;
    if (word === 'OR' || word === 'NOT') throw unsupportedQuery(`\`${word}\``);
    if (/^[()]|[()]$/.test(word)) throw unsupportedQuery('Grouping with parentheses');
    if (word === '*') terms.push({ kind: 'all' });
    else terms.push({ kind: 'text', value: word });
  }
  if (terms.length > MAX_LEAD_QUERY_TERMS) throw unsupportedQuery(`More than ${MAX_LEAD_QUERY_TERMS} terms`);
  return terms;
}

const lower = (s: string | null | undefined): string => (s ?? '').toLowerCase();

/** Whether a lead matches every term of a parsed search string. */
export function leadMatchesQuery(store: Store, lead: LeadRecord, terms: readonly LeadQueryTerm[]): boolean {
  let haystack: string | undefined;
  const text = (): string => {
    if (haystack === undefined) {
      const parts = [lead.name ?? ''];
      for (const c of contactsOf(store, lead.id)) {
        parts.push(c.name ?? '');
        for (const e of c.emails) parts.push(e.email);
        for (const p of c.phones) parts.push(p.phone);
      }
      haystack = parts.join('\n').toLowerCase();
    }
    return haystack;
  };
  return terms.every((t) => {
    switch (t.kind) {
      case 'all':
        return true;
      case 'text':
        return text().includes(t.value.toLowerCase());
      case 'name':
        return lower(lead.name || 'Untitled').includes(t.value.toLowerCase());
      case 'status':
        return lower(store.state.leadStatuses.find((s) => s.id === lead.status_id)?.label) === t.value.toLowerCase();
    }
    return false;
  });
}

// ---------- POST /data/search/ (Advanced Filtering) ----------

/** What the sandbox's Advanced Filtering supports, as sent back in its 400s. */
export const SEARCH_SUBSET =
  'The sandbox supports the nodes and, or, match_all, object_type (lead, contact), id, text, ' +
  'field_condition and has_related (lead to contact or opportunity, contact to lead), with negate on any node; ' +
  'fields regular_field (a field of the object as the API returns it) and custom_field (lead custom fields); ' +
  'conditions text, term, boolean, exists, current_user, reference, number_range and moment_range ' +
  '(with fixed_utc or fixed_local_date bounds); at most 1000 query nodes and condition list values in all.';

/**
 * The most query nodes (each `and`/`or` child, `has_related`'s `related_query` and the root count
 * one) a search may have. Every node is evaluated against every lead or contact, so the work grows
 * with nodes × objects; a 10 MB body could otherwise hold hundreds of thousands of nodes and keep the
 * process (and `npm start`'s mock and docs with it) busy for a minute. Close's own Smart Views and
 * the queries its UI builds have tens of nodes; 1000 leaves room for generated ones.
 */
export const MAX_QUERY_NODES = 1000;

/** An object a query node is evaluated against. */
type Subject =
  | { type: 'lead'; record: LeadRecord }
  | { type: 'contact'; record: ContactRecord }
  | { type: 'opportunity'; record: OpportunityRecord };

/** The object types a search can return. */
export type SearchObjectType = 'lead' | 'contact';

const MAX_DEPTH = 32;

const unsupportedSearch = (what: string): HttpError =>
  fieldError('query', `${what} is not supported by the sandbox. ${SEARCH_SUBSET}`);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The object type a query returns: the `object_type` node at its top (directly or inside a top-level
 * `and`); `lead` when there is none.
 */
export function searchObjectType(query: Obj): SearchObjectType {
  const candidates = query.type === 'and' && Array.isArray(query.queries) ? query.queries : [query];
  for (const node of candidates) {
    if (isObj(node) && node.type === 'object_type' && node.negate !== true) {
      if (node.object_type === 'lead' || node.object_type === 'contact') return node.object_type;
      throw unsupportedSearch(`Searching for object_type ${JSON.stringify(node.object_type)}`);
    }
  }
  return 'lead';
}

/** Evaluates Advanced Filtering trees against the store; views are rendered once per object and search. */
export class SearchEvaluator {
  private readonly views = new Map<string, Obj>();
  /** Per object: its full text and that text's words, built once per search. */
  private readonly texts = new Map<string, { text: string; words: string[] }>();

  constructor(private readonly store: Store) {}

  /** Whether a lead or contact matches `query`. */
  matches(query: Obj, type: SearchObjectType, id: string): boolean {
    const subject = this.subject(type, id);
    return subject ? this.node(query, subject, 0) : false;
  }

  /** The rendered object (as the API returns it), for field conditions, `_fields` and sorting. */
  view(subject: Subject): Obj {
    let v = this.views.get(subject.record.id);
    if (!v) {
      v =
        subject.type === 'lead'
          ? leadView(this.store, subject.record)
          : subject.type === 'contact'
            ? contactView(this.store, subject.record)
            : opportunityView(this.store, subject.record);
      this.views.set(subject.record.id, v);
    }
    return v;
  }

  subject(type: SearchObjectType | 'opportunity', id: string): Subject | undefined {
    const s = this.store.state;
    if (type === 'lead') {
      const record = s.leads.get(id);
      return record ? { type, record } : undefined;
    }
    if (type === 'contact') {
      const record = s.contacts.get(id);
      return record ? { type, record } : undefined;
    }
    const record = s.opportunities.get(id);
    return record ? { type, record } : undefined;
  }

  private node(node: unknown, subject: Subject, depth: number): boolean {
    if (depth > MAX_DEPTH) throw unsupportedSearch(`Nesting deeper than ${MAX_DEPTH} levels`);
    if (!isObj(node)) throw unsupportedSearch('A query node that is not an object');
    const result = this.evaluate(node, subject, depth);
    return node.negate === true ? !result : result;
  }

  private evaluate(node: Obj, subject: Subject, depth: number): boolean {
    switch (node.type) {
      case 'and':
      case 'or': {
        const children = Array.isArray(node.queries) ? node.queries : [];
        return node.type === 'and'
          ? children.every((q) => this.node(q, subject, depth + 1))
          : children.some((q) => this.node(q, subject, depth + 1));
      }
      case 'match_all':
        return true;
      case 'object_type':
        return node.object_type === subject.type;
      case 'id':
        return node.value === subject.record.id;
      case 'text': {
        const t = this.fullText(subject);
        return textMatches(t.text, String(node.value ?? ''), node.mode, t.words);
      }
      case 'field_condition':
        return this.fieldCondition(node, subject);
      case 'has_related':
        return this.hasRelated(node, subject, depth);
      default:
        throw unsupportedSearch(`The query node type ${JSON.stringify(node.type)}`);
    }
  }

  private fullText(subject: Subject): { text: string; words: string[] } {
    const cached = this.texts.get(subject.record.id);
    if (cached) return cached;
    const parts: string[] = [];
    const contact = (c: ContactRecord): void => {
      parts.push(c.name ?? '', c.title ?? '');
      for (const e of c.emails) parts.push(e.email);
      for (const p of c.phones) parts.push(p.phone);
    };
    if (subject.type === 'lead') {
      const l = subject.record;
      parts.push(l.name ?? '', l.description, l.url ?? '');
      for (const v of Object.values(l.custom)) parts.push(String(v));
      for (const c of contactsOf(this.store, l.id)) contact(c);
    } else if (subject.type === 'contact') contact(subject.record);
    else parts.push(subject.record.note);
    const text = parts.join('\n');
    const built = { text, words: words(text) };
    this.texts.set(subject.record.id, built);
    return built;
  }

  /** The value of a search `field` (regular or custom) of a lead or contact: for `sort`. */
  sortValue(field: unknown, type: SearchObjectType, id: string): unknown {
    const subject = this.subject(type, id);
    return subject ? this.fieldValue(field, subject) : undefined;
  }

  private fieldValue(field: unknown, subject: Subject): unknown {
    if (!isObj(field)) throw unsupportedSearch('A field that is not an object');
    // An unknown field is a 400 naming it: it would otherwise match nothing (and, negated, everything).
    if (field.type === 'custom_field') {
      const id = String(field.custom_field_id);
      if (!this.store.state.customFields.has(id))
        throw fieldError(
          'query',
          `Unknown custom field ${JSON.stringify(id)}: the sandbox knows its lead custom fields.`,
        );
      return subject.record.custom[id];
    }
    if (field.type === 'regular_field') {
      if (field.object_type !== subject.type)
        throw unsupportedSearch(
          `A ${String(field.object_type)} field inside a ${subject.type} query (wrap it in has_related)`,
        );
      const view = this.view(subject);
      const name = String(field.field_name);
      if (!Object.hasOwn(view, name))
        throw fieldError(
          'query',
          `Unknown ${subject.type} field ${JSON.stringify(name)}: regular_field names a field of the ${subject.type} as the API returns it.`,
        );
      return view[name];
    }
    throw unsupportedSearch(`The field type ${JSON.stringify(field.type)}`);
  }

  private fieldCondition(node: Obj, subject: Subject): boolean {
    const value = this.fieldValue(node.field, subject);
    const cond = isObj(node.condition) ? node.condition : {};
    const values = Array.isArray(value) ? value : [value];
    switch (cond.type) {
      case 'text':
        return values.some(
          (v) => v !== null && v !== undefined && textMatches(String(v), String(cond.value ?? ''), cond.mode),
        );
      case 'term': {
        const wanted = Array.isArray(cond.values) ? cond.values : [];
        return values.some((v) => wanted.includes(v as string));
      }
      case 'boolean':
        return values.some((v) => v === cond.value);
      case 'exists':
        return values.some((v) => v !== null && v !== undefined && v !== '');
      case 'current_user':
        return values.includes(this.store.state.meId);
      case 'reference': {
        const ids = Array.isArray(cond.object_ids) ? cond.object_ids : [];
        return values.some((v) => ids.includes(v as string));
      }
      case 'number_range':
        return values.some((v) => typeof v === 'number' && inRange(v, cond));
      case 'moment_range': {
        const after = momentBound(cond.on_or_after);
        const before = momentBound(cond.before);
        return values.some((v) => {
          if (typeof v !== 'string') return false;
          const t = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(v) || v.length === 10 ? v : `${v}Z`);
          return !Number.isNaN(t) && (after === null || t >= after) && (before === null || t < before);
        });
      }
      default:
        throw unsupportedSearch(`The condition type ${JSON.stringify(cond.type)}`);
    }
  }

  private hasRelated(node: Obj, subject: Subject, depth: number): boolean {
    if (node.this_object_type !== subject.type)
      throw unsupportedSearch(`has_related on ${String(node.this_object_type)} inside a ${subject.type} query`);
    const related = String(node.related_object_type);
    let ids: string[];
    let type: SearchObjectType | 'opportunity';
    if (subject.type === 'lead' && related === 'contact') {
      type = 'contact';
      ids = contactsOf(this.store, subject.record.id).map((c) => c.id);
    } else if (subject.type === 'lead' && related === 'opportunity') {
      type = 'opportunity';
      ids = this.store.childrenOf('opportunities', subject.record.id).map((o) => o.id);
    } else if (subject.type === 'contact' && related === 'lead') {
      type = 'lead';
      ids = [subject.record.lead_id];
    } else throw unsupportedSearch(`has_related from ${subject.type} to ${related}`);
    return ids.some((id) => {
      const rel = this.subject(type, id);
      return rel ? this.node(node.related_query, rel, depth + 1) : false;
    });
  }
}

function words(s: string): string[] {
  return s
    .toLowerCase()
    .split(/[^\p{L}\p{N}@._+-]+/u)
    .filter(Boolean);
}

/**
 * `phrase`: the value appears as is (case-insensitive); `full_words` (the default): every word of the
 * value is a whole word of the text; `beginning_of_words`: every word of the value starts a word of it.
 */
export function textMatches(text: string, value: string, mode: unknown, textWords?: readonly string[]): boolean {
  if (mode === 'phrase') return text.toLowerCase().includes(value.toLowerCase().trim());
  const have = textWords ?? words(text);
  const want = words(value);
  if (mode === 'beginning_of_words') return want.every((w) => have.some((h) => h.startsWith(w)));
  return want.every((w) => have.includes(w));
}

function inRange(v: number, cond: Obj): boolean {
  const n = (k: string): number | null => (typeof cond[k] === 'number' ? (cond[k] as number) : null);
  const gt = n('gt');
  const gte = n('gte');
  const lt = n('lt');
  const lte = n('lte');
  return (gt === null || v > gt) && (gte === null || v >= gte) && (lt === null || v < lt) && (lte === null || v <= lte);
}

/** A `fixed_utc` / `fixed_local_date` moment as epoch ms; null for no bound; 400 for other moments. */
function momentBound(m: unknown): number | null {
  if (m === null || m === undefined) return null;
  if (isObj(m) && (m.type === 'fixed_utc' || m.type === 'fixed_local_date') && typeof m.value === 'string') {
    const t = Date.parse(m.value);
    if (!Number.isNaN(t)) return t;
  }
  throw unsupportedSearch(`A moment of type ${JSON.stringify(isObj(m) ? m.type : typeof m)}`);
}

/** 400 when a query tree nests deeper than the sandbox evaluates (checked without recursion). */
export function assertQueryDepth(query: unknown): void {
  const stack: Array<[unknown, number]> = [[query, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_DEPTH * 4) throw unsupportedSearch(`Nesting deeper than ${MAX_DEPTH} levels`);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
}

/**
 * 400 when a query tree has more than MAX_QUERY_NODES nodes (counted without recursion, stopping at
 * the first node over the limit).
 */
export function assertQuerySize(query: unknown): void {
  const stack: unknown[] = [query];
  let count = 0;
  while (stack.length) {
    const node = stack.pop();
    if (!isObj(node)) continue;
    count += 1;
    // A condition's lists (term values, reference ids) are compared with every object too.
    if (isObj(node.condition))
      for (const list of [node.condition.values, node.condition.object_ids])
        if (Array.isArray(list)) count += list.length;
    if (count > MAX_QUERY_NODES)
      throw unsupportedSearch(`A query of more than ${MAX_QUERY_NODES} nodes (and condition list values)`);
    if (Array.isArray(node.queries)) for (const q of node.queries) stack.push(q);
    if (node.related_query !== undefined) stack.push(node.related_query);
  }
}

/** A stable fingerprint of what a search cursor belongs to (the query, sort and results_limit). */
export function searchFingerprint(body: Obj): string {
  const text = JSON.stringify([body.query, body.sort ?? null, body.results_limit ?? null]);
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h.toString(36);
}
