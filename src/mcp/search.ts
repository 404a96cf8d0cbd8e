// Intent search over the operations: "log a 15-minute call with Acme" → createCallActivity.
// Ranked by MiniSearch (BM25+, prefix and fuzzy matching, field boosts) over each operation's
// `x-intents` (the words people use, kept next to the operation in spec/paths/*.yaml), its summary,
// tag, operationId words and description. What this file adds is only the vocabulary: a Porter
// stemmer (the `stemmer` package), stop words, and query-time synonyms of CRM words (deal =
// opportunity, company = lead, to-do = task, text = SMS, timeline = activity...). Tuned on
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
  person: ['contact'],
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
  phone: ['call'],
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
  org: ['organization'],
  settings: ['organization'],
  organisation: ['organization'],
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
  view: ['smart'],
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

/**
 * The things operations act on. In "add the CEO to the Acme account" or "show the people on the Acme
 * lead" the first of them named is the object and the later ones are context, so the first one's terms
 * weigh more in the ranking (MiniSearch's `boostTerm`) and the others less.
 */
const ENTITIES = [
  'lead',
  'contact',
  'opportunity',
  'task',
  'activity',
  'call',
  'note',
  'email',
  'sms',
  'pipeline',
  'status',
  'user',
  'organization',
  'custom',
  'event',
  'smart',
  'search',
  'merge',
].map((w) => normalise(w) ?? w);
const FIRST_ENTITY_BOOST = 1.5;
const LATER_ENTITY_BOOST = 0.75;
/** How much an operation doing the asked-for action (list, get, create, update, delete) is preferred. */
const ACTION_BOOST = 2;

function termBoosts(query: string): Map<string, number> {
  const boosts = new Map<string, number>();
  let first = true;
  for (const word of tokenize(query)) {
    const t = normalise(word);
    if (t === null) continue;
    const terms = [t, ...(STEMMED_SYNONYMS.get(t) ?? [])];
    if (!terms.some((x) => ENTITIES.includes(x))) continue;
    for (const x of terms) if (!boosts.has(x)) boosts.set(x, first ? FIRST_ENTITY_BOOST : LATER_ENTITY_BOOST);
    first = false;
  }
  return boosts;
}

type Action = 'list' | 'get' | 'create' | 'update' | 'delete';

/**
 * The action a phrasing asks for, from its verbs ("move the deal…" updates, "who is…" reads). Used
 * only as a document boost on top of MiniSearch's ranking: words alone cannot tell "show deals" from
 * "create a deal", since both mention deals and the operations' texts mention all their siblings.
 */
const ACTION_WORDS: [Action, RegExp][] = [
  ['delete', /\b(delete|remove|erase|trash|destroy|get rid|merge|combine|dedupe|fold)\b/],
  ['create', /\b(set up|new|create)\b/],
  [
    'update',
    /\b(update|change|edit|rename|move|mark|set|complete|finish|tick|done|reschedule|assign|reassign|reorder|win|close|modify|switch|convert|upgrade|downgrade|check off)\b/,
  ],
  [
    'create',
    /\b(set up|add|create|new|log|record|save|make|put|jot|write|draft|send|text|schedule|remind|import|define|register|open (a|an|new)|start|i (just )?(called|spoke|talked|had|sent|emailed|texted|met))\b/,
  ],
  [
    'get',
    /\b(details?|by id|this|that|one|single|[a-z]+_[a-z0-9]+|who am i|my (own )?(user|profile|account|id)|profile|read)\b/,
  ],
  ['list', /\b(list|show|all|browse|which|what|how many|find|search|any|every|my|recent|overdue|due|history)\b/],
];

/** An entity named in the plural ("calls", "deals", "to-dos") asks for a list. */
const PLURAL_ENTITY =
  /\b(leads|contacts|opportunities|deals|tasks|to-?dos|activities|calls|notes|emails|texts|messages|pipelines|statuses|stages|users|fields|events|views|searches|companies|accounts|people)\b/;

export function actionOf(query: string): Action | undefined {
  const q = query.toLowerCase();
  const found = ACTION_WORDS.find(([, re]) => re.test(q))?.[0];
  return found === undefined && PLURAL_ENTITY.test(q) ? 'list' : found;
}

function actionOfOperation(op: OperationInfo): Action {
  if (op.safety === 'read') return op.pagination !== null || op.operationId.startsWith('list') ? 'list' : 'get';
  return op.safety;
}

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

  constructor(doc: JsonObject, ops: readonly OperationInfo[] = Object.values(operations)) {
    this.#ops = new Map(ops.map((o) => [o.operationId, o]));
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
    const action = actionOf(q);
    const reads = action === 'list' || action === 'get';
    const boosts = termBoosts(q);
    const hits = this.#index.search(q, {
      boostTerm: (term) => boosts.get(term) ?? 1,
      boostDocument: (id) => {
        const op = this.#ops.get(String(id));
        if (!op || action === undefined) return 1;
        const own = actionOfOperation(op);
        if (own === action) return ACTION_BOOST;
        // "show the deal" may be a list or a get: a read is closer than a write.
        return reads && (own === 'list' || own === 'get') ? 1.25 : 1;
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
