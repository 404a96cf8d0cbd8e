// Intent search over the operations: "log a 15-minute call with Acme" → createCallActivity.
// Ranked by MiniSearch (BM25+, prefix and fuzzy matching, field boosts) over each operation's
// `x-intents` (the words people use, kept next to the operation in spec/paths/*.yaml), its summary,
// tag, operationId words and description. What this file adds is the vocabulary: a Porter stemmer
// (the `stemmer` package), stop words, query-time synonyms of CRM words (deal = opportunity, company =
// lead, to-do = task, text = SMS, timeline = activity...), and, as MiniSearch document boosts, the
// action the phrasing asks for (list, get, create, update, delete, merge) and the entity it is about
// (the operation's path without ids). Those two are read from how agents phrase things in general
// (leading verb, first-named noun, compound heads, plurals) rather than from any one phrasing, because
// the texts alone over-fit: a blind set scored 81% top-1 before them. Tuned on
// test/fixtures/mcp-phrasings.json; test/fixtures/mcp-phrasings-holdout.json is never tuned on.
import MiniSearch from 'minisearch';
import { stemmer } from 'stemmer';
import { type OperationInfo, operations } from '../../generated/operations.js';
import type { JsonObject } from '../lib/spec-validator.js';
import { operationObject } from './schema.js';

export interface SearchResult {
  operationId: string;
  tool: string;
  method: string;
  path: string;
  summary: string;
}

/** Words that say nothing about which operation is meant. */
const STOP = new Set(
  'a an the to for of on in at with and or my me i we us our your you it its this that these those is are be was am do does did have has had they them their please can could would should will just all some any from by as into about up so then now there here what which whose how me'.split(
    ' ',
  ),
);

/**
 * Query-time synonyms: each word also searches for the words Close uses. Keys and values are
 * stemmed before use. Only unambiguous CRM vocabulary belongs here.
 */
const SYNONYMS: Record<string, string[]> = {
  deal: ['opportunity'],
  deals: ['opportunity'],
  oppo: ['opportunity'],
  company: ['lead'],
  companies: ['lead'],
  account: ['lead'],
  accounts: ['lead'],
  prospect: ['lead'],
  customer: ['lead'],
  client: ['lead'],
  business: ['lead'],
  org: ['organization', 'lead'],
  person: ['contact'],
  individual: ['contact'],
  sale: ['opportunity'],
  property: ['custom', 'field'],
  properties: ['custom', 'field'],
  attribute: ['custom', 'field'],
  ceo: ['contact'],
  cto: ['contact'],
  cfo: ['contact'],
  manager: ['contact'],
  founder: ['contact'],
  people: ['contact'],
  persons: ['contact'],
  someone: ['contact'],
  cont: ['contact'],
  todo: ['task'],
  'to-do': ['task'],
  todos: ['task'],
  reminder: ['task'],
  remind: ['task'],
  followup: ['task'],
  text: ['sms'],
  texts: ['sms'],
  message: ['sms'],
  timeline: ['activity'],
  feed: ['activity'],
  history: ['activity'],
  called: ['call'],
  spoke: ['call'],
  rang: ['call'],
  dialed: ['call'],
  comment: ['note'],
  jot: ['note'],
  memo: ['note'],
  mail: ['email'],
  'e-mail': ['email'],
  stage: ['status'],
  stages: ['status'],
  won: ['win'],
  lost: ['lose'],
  rep: ['user'],
  reps: ['user'],
  teammate: ['user'],
  colleague: ['user'],
  settings: ['organization'],
  workspace: ['organization'],
  field: ['custom'],
  filter: ['search'],
  query: ['search'],
  where: ['search'],
  members: ['user'],
  member: ['user'],
  talk: ['activity'],
  talked: ['activity'],
  discussed: ['activity'],
  audit: ['event'],
  dedupe: ['merge', 'duplicate'],
  combine: ['merge'],
  erase: ['delete'],
  remove: ['delete'],
  trash: ['delete'],
  destroy: ['delete'],
  edit: ['update'],
  modify: ['update'],
  rename: ['update'],
  finish: ['complete'],
  done: ['complete'],
  tick: ['complete'],
  interaction: ['activity'],
  interactions: ['activity'],
  saved: ['smart'],
};

function normalise(word: string): string | null {
  const w = word.toLowerCase().replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (!w || STOP.has(w) || /^\d/.test(w)) return null;
  return stemmer(w);
}

const STEMMED_SYNONYMS = new Map<string, string[]>();
for (const [k, vs] of Object.entries(SYNONYMS)) {
  const key = normalise(k) ?? k;
  const values = vs.map((v) => normalise(v) ?? v);
  STEMMED_SYNONYMS.set(key, [...new Set([...(STEMMED_SYNONYMS.get(key) ?? []), ...values])]);
}

/** Splits on anything but letters, digits and in-word hyphens; `lead_abc` gives `lead` and `abc`. */
const tokenize = (text: string): string[] => text.split(/[^A-Za-z0-9-]+|(?<=[a-z])(?=[A-Z])/).filter(Boolean);

/** snake_case of an operationId: the tool name (createCallActivity → create_call_activity). */
export function toolName(operationId: string): string {
  return operationId
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .slice(0, 64);
}

type Action = 'list' | 'get' | 'create' | 'update' | 'delete' | 'merge';

/**
 * The action a phrasing asks for, from its verbs ("move the deal…" updates, "who is…" reads). Used
 * only as a document boost on top of MiniSearch's ranking: words alone cannot tell "show deals" from
 * "create a deal", since both mention deals and the operations' texts mention all their siblings.
 * The verb an agent opens with is the strongest sign; otherwise the first verb class that matches.
 */
const VERBS: [Action, RegExp][] = [
  ['merge', /\b(merge|consolidate|unify|combine|dedupe|de-dupe|deduplicate|fold|fuse|join)\b/],
  ['delete', /\b(delete|remove|erase|trash|destroy|get rid|wipe|purge|discard|drop)\b/],
  [
    'update',
    /\b(update|change|edit|rename|move|mark|set(?! up)|complete|finish|tick|reschedule|postpone|push|bump|assign|reassign|reorder|modify|switch|convert|upgrade|downgrade|check off|fix|correct|correcting|raise|lower|increase|decrease|close (it|the|this|that|out)|close$|win|lose|advance|promote|progress|rename|replace|adjust|unassign)\b/,
  ],
  [
    'create',
    /\b(set up|add|create|new|build|log|record|save|make|put|jot|write|draft|send|text|schedule|remind|import|define|register|open (a|an|new)|start|leave|enter|capture|track|i (just )?(called|spoke|talked|had|sent|emailed|texted|met|got off))\b/,
  ],
];

const GET_WORDS =
  /\b(ids?|know about|details?|by (its )?id|this|that|one|single|specific|record|everything about|info|information|profile|[a-z]+_[a-z0-9]+|pull up|open|fetch|read|inspect)\b/;
const LIST_WORDS =
  /\b(list|all|every|browse|page through|roster|directory|how many|which|any|recent|overdue|due|our|we)\b/;

/** An entity named in the plural ("calls", "deals", "to-dos") asks for a list. */
const PLURAL_ENTITY =
  /\b(leads|contacts|opportunities|opps|deals|tasks|to-?dos|follow-?ups|reminders|activities|calls|notes|emails|texts|messages|pipelines|statuses|stages|users|fields|events|views|searches|companies|accounts|customers|prospects|clients|people|persons|individuals|interactions|members|teammates|colleagues|reps|sales)\b/;

/** "is there a", "show me Jane's…": the verb a phrasing opens with, if it is one of ours. */
function leadingAction(q: string): Action | undefined {
  const m =
    /^(?:(?:please|pls|can you|could you|i want to|i need to|i'd like to|help me|go and|let's|now)\s+)*(\S+(?:\s+\S+)?)/.exec(
      q,
    );
  if (!m?.[1]) return undefined;
  const head = m[1];
  const first = (head.split(/\s+/)[0] ?? '').replace(/'s$/, '');
  for (const [action, re] of VERBS) {
    const hit = re.exec(head);
    if (hit && hit.index === 0) return action;
  }
  return /^(list|show|display|browse|view|see|give|get|find|search|look|lookup|fetch|pull|open|retrieve|page|paginate|iterate|enumerate|scroll|export|dump|read|check|what|which|who|how|any|are|is|do|does|where)$/.test(
    first,
  )
    ? 'list'
    : undefined;
}

/** "call log", "email history": the activity list, not a verb. */
const ACTIVITY_LOG = /\b(call|phone|e-?mail|sms|text|message)s? (logs?|history|records)\b/g;

/** Fields of a contact or lead ("a second email", "the phone number"): not activities. */
const ATTRIBUTES =
  /\b((status|stage) (of|on)(?= (this|that))|(phone|mobile|cell) numbers?|phones|e-?mail address(es)?|(second|another|new|work|personal|extra) e-?mail|e-?mails and phones|job title|title|website( url)?|url|address)\b/gi;
const stripAttributes = (q: string) => q.replace(ATTRIBUTES, (m) => ' '.repeat(m.length));
/** "show me the Acme account": one named record. */
const NAMED_RECORD =
  /\b(the|this|contact|lead|deal|company|account|person|opportunity) [A-Z][\w&.-]*( [A-Z][\w&.-]*)* (lead|account|company|customer|prospect|deal|opportunity|contact|person|record)\b/;

export function actionOf(query: string): Action | undefined {
  const named = NAMED_RECORD.test(query);
  const attribute = new RegExp(ATTRIBUTES.source, 'i').test(query);
  const q = stripAttributes(query.toLowerCase().replace(/\b(called|named) ['"]?[^'"]*['"]?$/, '')).replace(
    ACTIVITY_LOG,
    'activities',
  );
  let action = leadingAction(q);
  if (action === undefined) action = VERBS.find(([, re]) => re.test(q))?.[0];
  // "note: Alice prefers calls after 3pm" writes one.
  if (action === undefined && /^(note|memo|to-?do|task|reminder)\s*:/.test(q)) return 'create';
  if (action === undefined && !PLURAL_ENTITY.test(q) && !GET_WORDS.test(q) && !named) return undefined;
  if (action === undefined || action === 'list') {
    // A read: one record (a named or id'd one) or a list of them.
    if (PLURAL_ENTITY.test(q) || LIST_WORDS.test(q)) return 'list';
    return GET_WORDS.test(q) || named ? 'get' : 'list';
  }
  // "add a second email to this contact" changes the contact.
  return action === 'create' && attribute && /\b(to|on|for) (this|the|that|his|her|their|[a-z]+'s)\b/.test(q)
    ? 'update'
    : action;
}

/**
 * The things operations act on, keyed by their path with the ids left out (`/lead/{lead_id}/` is
 * `/lead/`), with the words agents use for them. Checked in order at each position of the query, so
 * the more specific names ("lead status", "custom field", "saved search") come before the words they
 * contain.
 */
const ENTITY_WORDS: [string, RegExp][] = [
  [
    '/me/',
    /\b(this (api )?(key|token)|api (key|token)|who am i|whoami|my (own )?(user|profile|account|login|id|email|name|identity|details)|(logged[- ]in|current|authenticated|signed[- ]in) user|myself|about me|api key('s)? (owner|user)|whose (api )?key)\b/g,
  ],
  [
    '/organization/',
    /\b(((my|our) )(org|organi[sz]ation|workspace|tenant)('s)?|the (workspace|tenant)('s)?|workspace('s)?|organi[sz]ation (settings|name|details|info|id|currency|config|memberships?)|org (settings|name|details|id|currency|config)|team settings|company settings|account settings)\b/g,
  ],
  [
    '/custom_field/lead/',
    /\b(custom (date |text |number |choice |dropdown )?(fields?|properties|property|attributes?)|(extra|additional|lead|company|account) (fields?|properties|attributes?)|fields?|properties|attributes?)\b/g,
  ],
  ['/saved_search/', /\b((?<=\w[\s']+)view|smart ?views?|saved (searches|search|views?|filters?|lists?)|views)\b/g],
  ['/status/', /\b(status(es)?|stages?)\b/g],
  [
    '/event/',
    /\b((history|log) of (edits|changes|updates)|change history|changes history|edits|edit history|events?|change ?log|audit( log| trail)?|what changed|who (changed|deleted|modified|edited|updated|removed|touched)|(recent )?changes|modifications|what (was|got|has been) (changed|modified|deleted|edited|updated))\b/g,
  ],
  [
    '/user/',
    /\b(who works|users?|seats?|licen[cs]es?|teammates?|team ?mates?|reps?|colleagues?|coworkers?|co-workers?|members?|staff|employees?|sales ?people|salespeople|sales team|team)\b/g,
  ],
  ['/pipeline/', /\b(pipelines?|sales process(es)?|funnels?)\b/g],
  ['/task/', /\b(tasks?|to-?dos?|follow-?ups?|reminders?|remind)\b/g],
  ['/activity/', ACTIVITY_LOG],
  [
    '/activity/call/',
    /\b(on the phone|calls?|phone calls?|phone conversations?|dial(ed|led)?|rang|phoned|called(?! [A-Z'"]))\b/g,
  ],
  ['/activity/email/', /\b(e-?mails?|mail)\b/g],
  ['/activity/sms/', /\b(sms|texts?|text messages?|messages?)\b/g],
  ['/activity/note/', /\b(notes?|comments?|memo)\b/g],
  [
    '/activity/',
    /\b((what|that) (has )?happened|activit(y|ies)|timeline|history|interactions?|feed|touchpoints?|engagements?|conversations?|communications?)\b/g,
  ],
  ['/opportunity/', /\b(opportunit(y|ies)|opps?|oppo|deals?|sales?|pipeline value|revenue|forecast)\b/g],
  ['/contact/', /\b(contacts?|persons?|people|individuals?|ceo|cto|cfo|coo|vp|founder|someone)\b/g],
  [
    '/lead/',
    /\b(leads?|compan(y|ies)|accounts?|prospects?|customers?|clients?|business(es)?|orgs?|organi[sz]ations?|firms?)\b/g,
  ],
];

/** Conditions on fields: the query endpoint rather than a plain list. */
const FILTER_WORDS =
  /\b(filters?|filtered|conditions?|criteria|where|whose|advanced search|matching|contain(s|ing)?|greater than|less than|more than|fewer than|over \$?\d|under \$?\d|between|without|with no|no activity|not contacted|(that|who|which) (have|has|had)|haven't|have not|created (after|before|since|in)|in [a-z]+ with|with (status|title|email|a|an) |domain|by city|by (a |any )?(custom )?field)\b/;

interface Mention {
  entity: string;
  index: number;
  end: number;
}

/** The entities a query names, in order, each position claimed by the first (most specific) pattern. */
function mentions(query: string): Mention[] {
  const q = stripAttributes(query).replace(/\b(called|named) ('[^']*'|"[^"]*"|[A-Z]\S*( [A-Z]\S*)*)/g, (m) =>
    ' '.repeat(m.length),
  );
  const lower = q.toLowerCase();
  const found: Mention[] = [];
  for (const [entity, re] of ENTITY_WORDS) {
    // The lookahead in the call pattern needs the original case.
    const text = entity === '/activity/call/' ? q : lower;
    for (const m of text.matchAll(new RegExp(re.source, 'gi'))) {
      const index = m.index ?? 0;
      const end = index + m[0].length;
      if (found.some((f) => index < f.end && end > f.index)) continue;
      found.push({ entity, index, end });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/**
 * The entity a query is about and the others it names. The first named is the object ("add the CEO
 * to the Acme account"), except in a compound, where the last noun is the head ("deal pipelines",
 * "lead status"). A status is a lead's or a deal's by the other words.
 */
export function entitiesOf(query: string): { primary?: string; others: string[]; pointed?: string } {
  const ms = mentions(query);
  const lower = query.toLowerCase();
  const opp = /\b(deals?|opportunit(y|ies)|opps?|oppo|pipelines?|won|lost|sales?)\b/.test(lower);
  const name = (e: string) => (e === '/status/' ? (opp ? '/status/opportunity/' : '/status/lead/') : e);
  let head = 0;
  for (let i = 1; i < ms.length; i++) {
    const prev = ms[i - 1];
    const next = ms[i];
    if (prev === undefined || next === undefined || i - 1 !== head || !/^\s+$/.test(query.slice(prev.end, next.index)))
      break;
    head = i;
  }
  // "which account is this key": a question about the caller whatever else it names.
  const me = ms.findIndex((m) => m.entity === '/me/');
  if (me >= 0) head = me;
  const first = ms[head];
  const primary = first ? name(first.entity) : undefined;
  const others = ms.filter((_, i) => i !== head).map((m) => name(m.entity));
  // "fix the phone number for Bob": a person's field.
  // "the phone number for this contact": the record pointed at is the one read.
  const at = ms.find((m) => /\b(this|that)\s+$/i.test(query.slice(Math.max(0, m.index - 6), m.index)));
  const pointed = at ? name(at.entity) : undefined;
  if (primary === undefined && new RegExp(ATTRIBUTES.source, 'i').test(query))
    return { primary: '/contact/', others, pointed };
  return { primary, others, pointed };
}

/** The path an operation acts on without its ids: `/lead/{lead_id}/` and `/lead/merge/` are `/lead/`. */
function entityOfOperation(op: OperationInfo): string {
  return op.path.replace(/\{[^}]+\}\//g, '').replace(/merge\/$/, '');
}

function actionOfOperation(op: OperationInfo): Action {
  if (/^merge/.test(op.operationId)) return 'merge';
  if (op.safety === 'read') return op.pagination !== null || op.operationId.startsWith('list') ? 'list' : 'get';
  return op.safety;
}

/** How much an operation on the asked-for entity, or doing the asked-for action, is preferred. */
const ENTITY_BOOST = 4;
const OTHER_ENTITY_BOOST = 2;
const ACTION_BOOST = 4;
const READ_BOOST = 1.4;
const FILTER_BOOST = 3;
const READS = new Set<Action>(['list', 'get']);
/** Notes, calls, emails and texts are read through the activity list. */
const READ_THROUGH: Record<string, string> = {
  '/activity/call/': '/activity/',
  '/activity/email/': '/activity/',
  '/activity/sms/': '/activity/',
  '/activity/note/': '/activity/',
};

interface Doc {
  id: string;
  name: string;
  summary: string;
  intents: string;
  tag: string;
  description: string;
}

export class OperationSearch {
  readonly #index: MiniSearch<Doc>;
  readonly #ops: Map<string, OperationInfo>;
  /** "entity action" pairs the operations offer, e.g. "/lead/ delete". */
  readonly #pairs: Set<string>;

  constructor(doc: JsonObject, ops: readonly OperationInfo[] = Object.values(operations)) {
    this.#ops = new Map(ops.map((o) => [o.operationId, o]));
    this.#pairs = new Set(ops.map((o) => `${entityOfOperation(o)} ${actionOfOperation(o)}`));
    this.#index = new MiniSearch<Doc>({
      fields: ['name', 'summary', 'intents', 'tag', 'description'],
      storeFields: [],
      tokenize,
      processTerm: (term) => normalise(term),
      searchOptions: {
        boost: { intents: 3, summary: 2.5, name: 2, tag: 1, description: 0.15 },
        prefix: (term) => term.length >= 4,
        fuzzy: (term) => (term.length >= 6 ? 0.2 : false),
        combineWith: 'OR',
        // At search time a word also searches for its synonyms (deal → opportunity).
        processTerm: (term) => {
          const t = normalise(term);
          if (t === null) return null;
          return [t, ...(STEMMED_SYNONYMS.get(t) ?? [])];
        },
      },
    });
    this.#index.addAll(
      ops.map((op) => {
        const o = operationObject(doc, op);
        const intents = Array.isArray(o['x-intents']) ? (o['x-intents'] as string[]).join(' . ') : '';
        return {
          id: op.operationId,
          name: op.operationId,
          summary: op.summary,
          intents,
          tag: op.tag,
          description: typeof o.description === 'string' ? o.description : '',
        };
      }),
    );
  }

  /** The operations that match `query`, best first; at most `limit`. */
  search(query: string, limit = 5): SearchResult[] {
    const q = query.slice(0, 500);
    let action = actionOf(q);
    const reads = action !== undefined && READS.has(action);
    let { primary, others, pointed } = entitiesOf(q);
    const supports = (e: string, a = action) => this.#pairs.has(`${e} ${a}`);
    // Emails, phones and statuses are also fields: "the email and status of this contact" reads it.
    const field = primary !== undefined && (primary in READ_THROUGH || primary.startsWith('/status/'));
    if (action === 'get' && field && pointed !== undefined && pointed !== primary && supports(pointed)) {
      if (primary !== undefined) others = [primary, ...others];
      primary = pointed;
    }
    if (reads && primary !== undefined) primary = READ_THROUGH[primary] ?? primary;
    // Reading one status is reading the list; "list" the organization is reading it.
    if (reads && primary !== undefined && !supports(primary)) {
      const other: Action = action === 'get' ? 'list' : 'get';
      if (supports(primary, other)) action = other;
    }
    // "move the status into the Renewals pipeline": the verb applies to an entity that supports it.
    if (action !== undefined && !reads && primary !== undefined && !supports(primary)) {
      const other = others.find((e) => supports(e));
      if (other !== undefined) [primary, others] = [other, [primary, ...others]];
    }
    const filtered =
      FILTER_WORDS.test(q.toLowerCase()) && action !== 'create' && action !== 'update' && action !== 'delete';
    const hits = this.#index.search(q, {
      boostDocument: (id) => {
        const op = this.#ops.get(String(id));
        if (!op) return 1;
        const entity = entityOfOperation(op);
        const own = actionOfOperation(op);
        let boost = 1;
        if (entity === primary) boost *= ENTITY_BOOST;
        else if (others.includes(entity)) boost *= OTHER_ENTITY_BOOST;
        if (action !== undefined) {
          if (own === action) boost *= ACTION_BOOST;
          // "show the deal" may be a list or a get: a read is closer than a write.
          else if (reads && READS.has(own)) boost *= READ_BOOST;
        }
        // Conditions on leads or contacts are the search endpoint's job.
        if (
          filtered &&
          entity === '/data/search/' &&
          (primary === undefined || primary === '/lead/' || primary === '/contact/')
        )
          boost *= FILTER_BOOST * ENTITY_BOOST;
        return boost;
      },
    });
    const out: SearchResult[] = [];
    for (const hit of hits) {
      const op = this.#ops.get(String(hit.id));
      if (!op) continue;
      out.push({
        operationId: op.operationId,
        tool: toolName(op.operationId),
        method: op.method.toUpperCase(),
        path: op.path,
        summary: op.summary,
      });
      if (out.length >= limit) break;
    }
    return out;
  }
}
