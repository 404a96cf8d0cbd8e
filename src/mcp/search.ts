// Intent search over the operations: "log a 15-minute call with Acme" → createCallActivity.
// Ranked by MiniSearch (BM25+, prefix and fuzzy matching, field boosts) over each operation's
// `x-intents` (the words people use, kept next to the operation in spec/paths/*.yaml), its summary,
// tag, operationId words and description. What this file adds is the vocabulary: a Porter stemmer
// (the `stemmer` package), stop words, query-time synonyms of CRM words (deal = opportunity, company =
// lead, to-do = task, text = SMS, timeline = activity...), and a reading of how the request is built:
// the action it asks for (list, get, create, update, delete, merge) and the entity it is about (the
// operation's path without ids). Those come from the shape of a request rather than from any one
// phrasing: the verb it opens with or the object of its own verb ("…, put the company into Close"),
// compound and possessive heads ("deal pipelines", "each rep's tasks"), plurals, ids (`oppo_…`, "the
// contact ID"), "as a note", HTTP methods and paths, scene-setting labels ("Support desk: …"), quoted
// content and the product's own name. The final score is MiniSearch's (relative to the best) plus a
// small floor, times the entity and action boosts, so words decide between operations the reading
// cannot tell apart and the reading decides where the words mislead.
// Judged on phrasings written by people who saw only the list of operations and that nobody tuning
// this file has read (test/fixtures/mcp-phrasings-unseen.json); batches whose misses were read are
// mcp-phrasings-blind.json (a regression floor), the tuning set mcp-phrasings.json.
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
  opp: ['opportunity'],
  opps: ['opportunity'],
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
  squash: ['merge'],
  collapse: ['merge'],
  twice: ['duplicate'],
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
  // "set a follow-up", "assign Bob a to-do": a new task, though set and assign usually change things.
  ['create', /\b(set|assign|give)( \w+)? (a|an|another|one more|new) (\w+ )?(follow-?up|reminder|task|to-?do)\b/],
  ['merge', /\b(merge|squash|consolidate|unify|combine|dedupe|de-dupe|deduplicate|fold|fuse|join)\b/],
  ['delete', /\b(delete|remove|erase|trash|bin|destroy|get rid|wipe|purge|discard|drop)\b/],
  [
    'update',
    /\b(update|change|edit|rename|move|mark|set(?!( \w+)? up)|flip|turn|overwrite|prepone|complete|finish|tick|reschedule|postpone|push|bump|assign|reassign|reorder|modify|switch|convert|upgrade|downgrade|check off|fix|correct|correcting|raise|lower|increase|decrease|close (it|the|this|that|out)(?! (month|week|quarter|year))|close$|win|lose|advance|promote|progress|rename|replace|adjust|unassign)\b/,
  ],
  [
    'create',
    /\b(set( \w+)? up|add|create|new|build|log|(?<!(lead|contact|company|account|deal|opportunity|org|the|a|every|each|this|that|full|whole|single|one) )record(?!s)|save|make|put|jot|write|draft|send|text|schedule|remind|import|define|register|open (a|an|new|up)|start|(get|put) (them|him|her|it|this|that)( in| into)?(?=\s*[.!]?$)|attach|provision|spin up|post|leave|enter|capture|track|(a|an) (second|third|another|additional|extra|separate)|another|one more|(need|want|like|love) (a|an)(?= (?!((full|complete|quick|whole) )?(list|report|summary|count|overview|export|copy|look|dump|rundown|view|printout)\b))|as an? (brand )?new|(i|we) (just )?(called|rang|phoned|dialed|spoke|talked|chatted|had|sent|emailed|texted|messaged|pinged|wrote|met|got off|caught up))\b/,
  ],
];

const GET_WORDS =
  /\b(ids?|know about|details?|by (its )?id|this|that|one|single|specific|record|everything about|info|information|profile|[a-z]+_[a-z0-9]+|pull up|open|fetch|read|inspect)\b/;
const LIST_WORDS =
  /\b(list|all|every|browse|page through|roster|directory|how many|which|any|recent|overdue|due|our)\b/;
/** Words that name one record outright, stronger than a loose "we" or "our". */
const ONE_RECORD =
  /\b(by (its )?id|(its|their|the|an?) id|(contact|lead|deal|opportunity|task|user|company|account|pipeline|record) id|(lead|cont|oppo|task|pipe|user|orga)_[a-z0-9]+|[a-z]+_[a-z0-9]{3,}|single|specific|this one|one (particular|specific))\b/;

/** An entity named in the plural ("calls", "deals", "to-dos") asks for a list. */
const PLURAL_ENTITY =
  /\b(leads|contacts|opportunities|opps|deals|tasks|to-?dos|follow-?ups|reminders|activities|calls|notes|emails|texts|messages|pipelines|statuses|stages|users|fields|events|views|searches|companies|accounts|customers|prospects|clients|people|persons|individuals|interactions|members|teammates|colleagues|reps|sales)\b/;

/** Names of many records in the singular: "call log", "audit trail", "timeline". */
const MASS_NOUN = /\b(logs?|history|timeline|feed|trail|records|roster|directory)\b/;

/** A record named in the singular ("get contact", "retrieve the opportunity") is one record. */
const SINGULAR_ENTITY = /\b(lead|contact|opportunity|opp|deal|company|account|person|organi[sz]ation|org|user)\b/;

/** "is there a", "show me Jane's…": the verb a phrasing opens with, if it is one of ours. */
function leadingAction(q: string): Action | undefined {
  const m =
    /^(?:(?:please|pls|kindly|hey|hi|ok|okay|so|alright|uh|um|first|also|just|can you|could you|would you|can we|could we|can someone|could someone|(?:could you (?:please )?)?do the needful and|i want to|i need to|need to|i'd like to|i'd love to|i'd love it if you could|i would like to|help me|go ahead and|go and|let's|now|then|how (?:do|can|should|would|to)(?: (?:i|we|you))?),?\s+)*(\S+(?:\s+\S+)?)/.exec(
      q,
    );
  if (!m?.[1]) return undefined;
  const head = m[1];
  const first = (head.split(/\s+/)[0] ?? '').replace(/'s$/, '');
  // From the verb on, so that a longer pattern ("set a follow-up") can decide.
  const rest = q.slice(m.index + m[0].length - head.length);
  for (const [action, re] of VERBS) {
    const hit = re.exec(rest);
    if (hit && hit.index === 0) return action;
  }
  return /^(list|show|display|browse|view|see|give|get|find|search|look|lookup|fetch|pull|open|load|retrieve|page|paginate|iterate|enumerate|scroll|export|dump|read|check|what|which|who|how|any|are|is|do|does|where)$/.test(
    first,
  )
    ? 'list'
    : undefined;
}

/** "call log", "email history": the activity list, not a verb. */
const ACTIVITY_LOG = /\b(call|phone|e-?mail|sms|text|message)s? (logs?|history|records)\b/g;

/** Fields of a contact or lead ("a second email", "the phone number"): not activities. */
const ATTRIBUTES =
  /\b(e-?mails? and (phones?|titles?|(phone )?numbers?)|(titles?|(phone )?numbers?|phones?) and e-?mails?|(status|stage) (of|on)(?= (this|that))|(phone|mobile|cell) numbers?|phones|e-?mail address(es)?|(second|another|new|work|personal|extra) e-?mail|(second|another|new|work|personal|extra|mobile|cell) phone( numbers?)?|e-?mails and phones|job title|title|website( url)?|url|address)\b/gi;
const COMPANY_ATTRIBUTES = /\b(website|url|(?<!e-?mail )address(es)?|domain|industry)\b/i;
const stripAttributes = (q: string) => q.replace(ATTRIBUTES, (m) => ' '.repeat(m.length));
/** "show me the Acme account": one named record. */
const NAMED_RECORD =
  /\b(the|this|contact|lead|deal|company|account|person|opportunity) [A-Z][\w&.-]*( [A-Z][\w&.-]*)* (lead|account|company|customer|prospect|deal|opportunity|contact|person|record)\b/;

export function actionOf(query: string): Action | undefined {
  const method = /\b(GET|POST|PUT|PATCH|DELETE)\b/.exec(query)?.[1];
  if (method === 'PUT' || method === 'PATCH') return 'update';
  if (method === 'DELETE') return 'delete';
  // A search is POSTed too.
  if (method === 'POST')
    return /\b(search|query|filter)/i.test(query) ? 'list' : /\bmerge/i.test(query) ? 'merge' : 'create';
  const named = NAMED_RECORD.test(query);
  const attribute = new RegExp(ATTRIBUTES.source, 'i').test(query);
  // "a company called Acme" names it; "I called Bruce" is a phone call.
  const q = stripAttributes(
    query.toLowerCase().replace(/(?<!\b(i|we|he|she|they|just) )\b(called|named) ['"]?[^'"]*['"]?$/, ''),
  )
    .replace(ACTIVITY_LOG, 'activities')
    .replace(/\b(changes? ?(feeds?|logs?|history)|audit (log|trail)|event log)\b/g, 'events');
  let action = leadingAction(q);
  if (action === undefined) action = VERBS.find(([, re]) => re.test(q))?.[0];
  // "note: Alice prefers calls after 3pm" writes one.
  if (/^(note|memo|to-?do|task|reminder)\s*(:|that\b|down\b)/.test(q)) return 'create';
  if (action === undefined && !PLURAL_ENTITY.test(q) && !GET_WORDS.test(q) && !named) return undefined;
  if (action === undefined || action === 'list') {
    // A read: one record (a named or id'd one) or a list of them.
    // "pull up that deal so I can see its notes": the plural that counts is the thing asked for.
    const head = entitiesOf(query).primaryText;
    if (head === undefined ? PLURAL_ENTITY.test(q) : PLURAL_ENTITY.test(head) || MASS_NOUN.test(head)) return 'list';
    if (ONE_RECORD.test(q) || (attribute && !LIST_WORDS.test(q))) return 'get';
    if (LIST_WORDS.test(q)) return 'list';
    return GET_WORDS.test(q) || named || SINGULAR_ENTITY.test(q) ? 'get' : 'list';
  }
  // "add a second email to this contact" changes the contact.
  return action === 'create' &&
    attribute &&
    ['/contact/', '/lead/', undefined].includes(entitiesOf(query).primary) &&
    !/\b(create|new)\b/.test(q) &&
    /\b((to|on|for) ([a-z]+ ){0,2}(this|the|that|his|her|their|an? existing|[a-z]+'s)|[a-z]+'s (second|another|new|extra|other|work|personal|mobile))\b/.test(
      query.toLowerCase(),
    )
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
  // "what did my team do with customers": what happened, before "team" is read as users.
  ['/activity/', /\bwhat (did|have) (my team|the team|we|i|you|they) (do|done|get done|work(ed)? on)\b/g],
  [
    '/me/',
    /\b(^me$|me (endpoint|route|call|api)|this (api )?(key|token)|api (key|token)|who am i|whoami|my (own )?(user|profile|account|login|id|email|name|identity|details)|(logged[- ]in|current|authenticated|signed[- ]in)( \w+)? user|myself|about me|am i (a )?member|i('m| am) (a )?member|connected as|(integration|key|token|app) (is )?(connected|authenticated|running) as|(my|their|his|her) own (user|profile|account|login|details)|(tied to|behind|owner of) (the|this) (api )?(token|key)|am i (authenticated|logged in|signed in|using)|(do|am) i belong|i belong|api key('s)? (owner|user)|whose (api )?key)\b/g,
  ],
  [
    '/organization/',
    /\b(((my|our) )(org|organi[sz]ation|workspace|tenant)('s)?|the (workspace|tenant)('s)?|workspace('s)?|organi[sz]ation (settings|name|details|info|id|currency|config|memberships?)|org (settings|name|details|id|currency|config|info|information)|org(?!s)|organi[sz]ation(?!s)|team settings|company settings|account settings|compan(y|ies)[- ]wide|our (company )?account (info|information|settings|details|config)|(our|my) (company'?s? )?(name and )?currency|(account|workspace|org) (i'm|i am|we're|we are) in|(our|my) company'?s? (org|organi[sz]ation|workspace|settings|currency))\b/g,
  ],
  [
    '/custom_field/lead/',
    /\b(custom[ _]fields?|custom( \w+)? (fields?|properties|property|attributes?)|drop-?downs?(?! (of|with|to))|pick-?lists?|(extra|additional|lead|company|account) (fields?|properties|attributes?)|fields?|properties|attributes?)\b/g,
  ],
  [
    '/saved_search/',
    /\b((?<=\w[\s']+)view|smart ?views?|saved( \w+)? (searches|search|views?|filters?|lists?)|views)\b/g,
  ],
  ['/status/', /\b(status(es)?|stages?)\b/g],
  [
    '/event/',
    /\b((history|log) of (edits|changes|updates)|change history|changes history|edits|edit history|events?|change ?log|changes? ?feeds?|(recent )?updates across|sync incrementally|incremental sync|audit( log| trail)?|what changed|who (changed|deleted|modified|edited|updated|removed|touched)|(recent )?changes|modifications|what (was|got|has been) (changed|modified|deleted|edited|updated))\b/g,
  ],
  [
    '/user/',
    /\b(who works|(people|persons|who|everyone|everybody|anyone|salespeople|sales ?people|users?)( else)?( besides me| but me| apart from me)?( (on|in) (our|the|my) team)?( who| that)? (have|has|with|holds?) (an? )?(crm |close )?(seats?|logins?|access|accounts?|licen[cs]es?)|users?|seats?|licen[cs]es?|teammates?|team ?mates?|reps?|colleagues?|coworkers?|co-workers?|members?|staff|employees?|agents|csms?|aes|sdrs?|bdrs?|account executives?|account managers?|\w+s (and \w+s )?(have|has|with) (an? )?(seats?|logins?|access|licen[cs]es?)|sales ?people|salespeople|sales team|team)\b/g,
  ],
  ['/pipeline/', /\b(pipelines?|sales process(es)?|funnels?)\b/g],
  ['/task/', /\b(tasks?|to-?dos?|follow[- ]?ups?|reminders?|remind|(needs?|has|have|supposed) to (do|get done))\b/g],
  ['/activity/', ACTIVITY_LOG],
  [
    '/activity/call/',
    /\b((on|off) the phone|phone with|calls?|phone calls?|phone conversations?|dial(ed|led)?|rang|phoned|called(?! [A-Z'"])(?!\s*[?.!]?\s*$)|(?<=\b([Ii]|[Ww]e|[Hh]e|[Ss]he|[Tt]hey|[Jj]ust) )called)\b/g,
  ],
  ['/activity/email/', /\b(e-?mail( messages?)?|e-?mails|e-?mailed|mail|gmail|outlook)\b/g],
  ['/activity/sms/', /\b(sms|texts?|texted|texting|text messages?|messages?)\b/g],
  ['/activity/note/', /\b(notes?|comments?|memo|jot(ted)?( down)?|write down|note down)\b/g],
  [
    '/activity/',
    /\b((what|that) (has )?happened|(been )?happening|timeline items?|what (did|have) (we|i|you|they) (talk(ed)?|discuss(ed)?|sa(y|id)|cover(ed)?)|activit(y|ies)|timeline|history|interactions?|feed|touchpoints?|engagements?|conversations?|communications?)\b/g,
  ],
  // A job title ("VP Sales", "head of revenue") is a person's, not a deal.
  [
    '/contact/',
    /\b((s|e)?vp|head|director|vice president|chief)( of)? (sales|marketing|revenue|engineering|finance|operations|ops|product|growth|it|hr|people)\b/g,
  ],
  [
    '/opportunity/',
    /\b(renewals?(?! (pipeline|process|stage|status))|upsells?|opportunit(y|ies)|opps?|oppo|deals?|sales?|pipeline value|revenue|forecast)\b/g,
  ],
  [
    '/contact/',
    /\b(contacts?|persons?|people|individuals?|ceo|cto|cfo|coo|vp( of)?( [a-z]+)?|founder|someone|decision[- ]makers?|stakeholders?|champions?|point of contact|guy|gal|him|her(?= in\b|$|[,.!?]))\b/g,
  ],
  [
    '/lead/',
    /\b(leads?|compan(y|ies)|accounts?|prospects?|customers?|clients?|business(es)?(?! cards?)|orgs?|organi[sz]ations?|firms?)\b/g,
  ],
];

/** Conditions on fields: the query endpoint rather than a plain list. */
const FILTER_WORDS =
  /\b((in|from|matching) (the |a |that |this |my |our )?('[^']*' )?(smart ?view|saved (search|view|list))|(based|located|headquartered) in|advanced( \w+)? search|structured( \w+)? (search|query)|search (api|endpoint)|in (their|the|its) (title|name|e-?mail|domain)|(ending|ends|starting|starts) (in|with)|filters?|filtered|conditions?|criteria|where|whose|advanced search|matching|contain(s|ing)?|greater than|less than|more than|fewer than|over \$?\d|under \$?\d|between|without|with no|no activity|not contacted|(that|who|which) (have|has|had)|haven't|have not|created (after|before|since|in)|in [a-z]+ with|with (the )?(status|title|email|phone|job title|a|an) |domain|by city|by (a |any )?(custom )?field)\b/;

interface Mention {
  entity: string;
  index: number;
  end: number;
}

/** The entities a query names, in order, each position claimed by the first (most specific) pattern. */
function mentions(query: string): Mention[] {
  const q = stripAttributes(query)
    .replace(
      /(?<!\b([Ii]|[Ww]e|[Hh]e|[Ss]he|[Tt]hey|[Jj]ust) )\b(called|named) ('[^']*'|"[^"]*"|[A-Z]\S*( [A-Z]\S*)*)/g,
      (m) => ' '.repeat(m.length),
    )
    // Addresses and links are content ("raj@gmail.com" is no email activity).
    .replace(/\S+@\S+|https?:\/\/\S+|\bwww\.\S+/g, (m) => ' '.repeat(m.length))
    // Quoted text is content ("to 'Call the CFO'", "the 'Needs follow-up' view"), not the thing acted on.
    .replace(/(?<![A-Za-z])'[^']+'(?![A-Za-z])|"[^"]*"/g, (m) => ' '.repeat(m.length))
    // "change her title to Head of Revenue": a new value in capitals names no record.
    .replace(/\bto( [A-Z][\w&.-]*| of| and| &)+\s*[?.!]?$/, (m) => ' '.repeat(m.length));
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

/** Verbs a request opens with, each matched anywhere in a query. */
const REQUEST_VERBS = [
  ...VERBS.map(([, re]) => new RegExp(re.source, 'gi')),
  /\b(load|show|fetch|pull( up)?|open|retrieve|look up|get)\b/gi,
];

/**
 * The mention that is the object of the request's own verb: "I met someone from Hooli, put the
 * company into Close" asks for the company. The request is the last clause that opens with one of
 * our verbs; -1 when no mention follows one directly (after articles and pronouns).
 */
function objectOf(query: string, ms: readonly Mention[]): number {
  let object = -1;
  let at = -1;
  for (const re of REQUEST_VERBS) {
    for (const m of query.matchAll(re)) {
      const start = m.index ?? 0;
      if (
        start <= at ||
        !/(^|[,.;:!?]\s*|\b(and|then|so|please|pls|can you|could you|would you|can we|let's|go ahead and|need to|now)\s+)$/i.test(
          query.slice(0, start),
        )
      )
        continue;
      const end = start + m[0].length;
      const i = ms.findIndex(
        (x) =>
          x.index >= end &&
          /^\s+((the|a|an|this|that|new|our|my|his|her|their|its|another|one more)\s+)*((?!(to|on|for|in|into|with|from|at|of|about|under)\b)[a-z-]+\s+)?$/i.test(
            query.slice(end, x.index),
          ),
      );
      if (i >= 0) [object, at] = [i, start];
    }
  }
  return object;
}

/**
 * The entity a query is about and the others it names. The first named is the object ("add the CEO
 * to the Acme account"), except in a compound, where the last noun is the head ("deal pipelines",
 * "lead status"). A status is a lead's or a deal's by the other words.
 */
export function entitiesOf(query: string): {
  primary?: string;
  /** The words that named it. */
  primaryText?: string;
  others: string[];
  pointed?: string;
} {
  // "the message I emailed": a generic message is the email, call or note named beside it.
  const all = mentions(query);
  const typed = all.some(
    (m) => m.entity === '/activity/email/' || m.entity === '/activity/call/' || m.entity === '/activity/note/',
  );
  const ms = typed
    ? all.filter((m) => !(m.entity === '/activity/sms/' && /^messages?$/i.test(query.slice(m.index, m.end))))
    : all;
  const lower = query.toLowerCase();
  const opp = /\b(deals?|opportunit(y|ies)|opps?|oppo|pipelines?|won|lost|sales?)\b/.test(lower);
  const name = (e: string) => (e === '/status/' ? (opp ? '/status/opportunity/' : '/status/lead/') : e);
  // "save the message as a note", "attach them as a contact": what is made is named after "as a".
  const made = ms.findIndex((m) => /\bas an?\s+(new\s+)?$/i.test(query.slice(Math.max(0, m.index - 10), m.index)));
  let head = made >= 0 ? made : Math.max(0, objectOf(query, ms));
  for (let i = head + 1; i < ms.length; i++) {
    const prev = ms[i - 1];
    const next = ms[i];
    // A compound ("deal pipelines") or a possessive ("each rep's open tasks"): the last noun is the head.
    const gap = query.slice(prev?.end ?? 0, next?.index ?? 0);
    if (prev === undefined || next === undefined || i - 1 !== head || !/^(\s+|'s\s+([a-z-]+\s+)?)$/i.test(gap)) break;
    head = i;
  }
  // "which account is this key": a question about the caller whatever else it names.
  const me = ms.findIndex((m) => m.entity === '/me/');
  if (me >= 0) head = me;
  const first = ms[head];
  const primaryText = first ? query.slice(first.index, first.end).toLowerCase() : undefined;
  // The workspace is only read: an "org" that is added, merged or deleted is a company.
  const company =
    first?.entity === '/organization/' &&
    /^(org|organi[sz]ation)$/.test(primaryText ?? '') &&
    ['create', 'delete', 'merge'].includes(leadingAction(lower) ?? '');
  const primary = first ? (company ? '/lead/' : name(first.entity)) : undefined;
  const others = ms.filter((_, i) => i !== head).map((m) => name(m.entity));
  // "fix the phone number for Bob": a person's field.
  // "the phone number for this contact": the record pointed at is the one read.
  const at = ms.find((m) => /\b(this|that)\s+$/i.test(query.slice(Math.max(0, m.index - 6), m.index)));
  const pointed = at ? name(at.entity) : undefined;
  // A company's website or address, a person's phone or title.
  if (primary === undefined && new RegExp(ATTRIBUTES.source, 'i').test(query))
    return { primary: COMPANY_ATTRIBUTES.test(query) ? '/lead/' : '/contact/', others, pointed };
  return { primary, primaryText, others, pointed };
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

/** Close's id prefixes (`lead_…`, `cont_…`) and what they name. */
const ID_PREFIXES: Record<string, string> = {
  lead: '/lead/',
  cont: '/contact/',
  oppo: '/opportunity/',
  task: '/task/',
  pipe: '/pipeline/',
  user: '/user/',
  orga: '/organization/',
};

/** "the lead ID", "the deal id": the record an id names. */
const ID_NAMES: Record<string, string> = {
  lead: '/lead/',
  company: '/lead/',
  account: '/lead/',
  contact: '/contact/',
  person: '/contact/',
  deal: '/opportunity/',
  opportunity: '/opportunity/',
  task: '/task/',
  user: '/user/',
};

/** How much an operation on the asked-for entity, or doing the asked-for action, is preferred. */
const ENTITY_BOOST = 4;
const OTHER_ENTITY_BOOST = 2;
const ACTION_BOOST = 4;
const READ_BOOST = 1.4;
const FILTER_BOOST = 3;
/** Added to every operation's relative text score before the boosts (see search()). */
const TEXT_FLOOR = 0.05;
const READS = new Set<Action>(['list', 'get']);
/** Notes, calls, emails and texts are read through the activity list. */
const READ_THROUGH: Record<string, string> = {
  '/activity/call/': '/activity/',
  '/activity/email/': '/activity/',
  '/activity/sms/': '/activity/',
  '/activity/note/': '/activity/',
};

/** "in Close", "our Close account": the product's name, not a deal being closed. */
const PRODUCT_NAME =
  /\b(?:(?:in|on|to|from|of|into|inside|within|with|our|my|the|your)\s+)?Close(?:\.com|\.io| CRM| account| org(?:ani[sz]ation)?)?(?=$|[\s?!.,;:])/g;
const withoutProductName = (q: string): string =>
  q.replace(PRODUCT_NAME, (m, offset: number) =>
    // "Close the Acme deal" opens a phrasing with a verb; "Close CRM" and "in Close" name the product.
    offset === 0 && /^Close$/.test(m) ? m : ' '.repeat(m.length),
  );

/**
 * "Support desk sidebar: load the lead…": a label that only sets the scene. Most colons follow the
 * request ("add a note to Acme: wants pricing", "dedupe: …"), so a label goes only when it names no
 * action and no record.
 */
function withoutLabel(q: string): string {
  const label = /^([^:]{1,40}):\s+(?=\S)/.exec(q);
  if (!label?.[1]) return q;
  const text = label[1].toLowerCase();
  const says =
    VERBS.some(([, re]) => re.test(text)) ||
    mentions(label[1]).length > 0 ||
    /\b(list|show|search|find|query|look ?up|get|fetch|read|digest|lookup|who|what|which)\b/.test(text);
  return says ? q : q.slice(label[0].length);
}

/**
 * The part of a query that is the request: without context it opens with ("I have the lead id, …",
 * "before I set it, …"), a purpose it ends with ("… so I can assign the deal"), or sentences that only
 * set the scene ("So how's the pipeline looking? Show me every opp…": the last one opening with a verb).
 */
export function requestPart(query: string): string {
  const q = withoutApiWords(query);
  // Sentences, and clauses after ", so" or ";": the last one that opens with a request verb and
  // names something ("…and I forget the names, so list all the pipelines").
  const clauses = q.split(/(?<=[.?!])\s+(?=\S)|\s*[;,]\s*(?:(?:and )?so|then|and then)\s+|;\s*|\.\s+/i);
  let r = q;
  if (clauses.length > 1) {
    const ask = [...clauses].reverse().find(
      (x) =>
        leadingAction(x.toLowerCase()) !== undefined &&
        !/^(what|which|who|how|is|are|do|does|any)\b/i.test(x) &&
        // "Which AEs have logins? I need to assign the renewal.": the question is the request.
        !(/^(i|we) (need|want|have) to\b/i.test(x) && /\?/.test(q)) &&
        mentions(x).length > 0,
    );
    if (ask !== undefined) r = ask;
  }
  const keep = (x: string) => (x.trim().split(/\s+/).length >= 2 ? x : r);
  // "note that I called Bruce": the call is what is logged.
  r = keep(r.replace(/^(please )?(note|record|log)( down)? that (?=(i|we|they|he|she) )/i, ''));
  r = keep(
    r.replace(
      /^(?:(?:so|ok|okay|now),?\s+)?(?:(?:i|we) (?:already )?(?:have|got|know) [^,;]+|(?:before|after|once|when|now that|since) [^,;]+)[,;]\s*(?:(?:and|so|then|now),?\s+)?/i,
      '',
    ),
  );
  r = keep(
    r.replace(
      /\s*,?\s*\b(so (that )?(i|we|you|they) |before (i|we) |in order to |now that |to make sure |and make sure ).*$/i,
      '',
    ),
  );
  // A read wanted for a later write ("I need the status id for 'Won' to mark the deal") is the read.
  if (/^(i need|i want|need|get|find|fetch|look up|what|which|show|give me)\b/i.test(r))
    r = keep(
      r.replace(
        /\s+(to|before|for|so i can) (be able to )?(set|update|use|assign|mark|move|change|put|apply|pick|choose|create|add)(ting|ing)?\b.*$/i,
        '',
      ),
    );
  return r;
}

const THIRD_PERSON: Record<string, string> = {
  adds: 'add',
  creates: 'create',
  returns: 'get',
  gets: 'get',
  fetches: 'fetch',
  lists: 'list',
  shows: 'show',
  updates: 'update',
  changes: 'change',
  edits: 'edit',
  deletes: 'delete',
  removes: 'remove',
  merges: 'merge',
  logs: 'log',
  records: 'record',
  moves: 'move',
  marks: 'mark',
  sends: 'send',
  searches: 'search',
  finds: 'find',
};

/**
 * Words about the API rather than the CRM: "which endpoint adds a person" asks to add one, a "POST
 * call" or "one call" is no phone call, and "(not deal stages)" names what is not wanted.
 */
export function withoutApiWords(q: string): string {
  return q
    .replace(
      /^(which|what) (endpoint|api( call)?|call|operation|tool|method|route|request)( do i (need|use)| should i use| lets me| can i use| do i call)?( to| for)? (\w+)/i,
      (_m, ...g: string[]) => THIRD_PERSON[(g[6] ?? '').toLowerCase()] ?? g[6] ?? '',
    )
    .replace(/\b(api|rest|http|get|post|put|patch|delete|one|single|which|what) (calls?|requests?)\b/gi, '$1')
    .replace(
      /\(?\bnot (the |a |an )?(deal|opportunit|opp|lead|compan|account|contact|person|task)\w*( \w+)?( ones?)?\)?/gi,
      ' ',
    );
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

  /** The entity of an operation path written in the query (`/me`, `/activity/call/`), ids left out. */
  #pathEntity(q: string): { entity: string; one: boolean } | undefined {
    for (const m of q.matchAll(/(?:^|[\s(])(\/[a-z_]+(?:\/[A-Za-z0-9_{}]+)*)\/?(?=$|[\s?.,)])/g)) {
      const raw = m[1] ?? '';
      // `/lead/{lead_id}/` or `/lead/lead_abc/` is one record; `/lead/` the collection.
      const one = /\/(\{[^}]*\}|[a-z]+_[A-Za-z0-9]+)$/.test(raw);
      const entity = `${raw.replace(/\/(\{[^}]*\}|[a-z]+_[A-Za-z0-9]+)(?=\/|$)/g, '')}/`;
      if ([...this.#pairs].some((pair) => pair.startsWith(`${entity} `))) return { entity, one };
    }
    return undefined;
  }

  /** The operations that match `query`, best first; at most `limit`. */
  search(query: string, limit = 5): SearchResult[] {
    // `status_id`, `lead_id`: a field name says "status id", "lead id".
    const full = withoutApiWords(withoutLabel(withoutProductName(query.slice(0, 500)))).replace(
      /\b([a-z]+)_id\b/g,
      '$1 id',
    );
    // The words of the whole query rank (context helps), its request part is read for action and entity.
    const q = requestPart(full);
    let action = actionOf(q);
    const reads = action !== undefined && READS.has(action);
    let { primary, primaryText, others, pointed } = entitiesOf(q);
    // "GET /me", "/custom_field/lead": a path named outright.
    const path = this.#pathEntity(q);
    if (path !== undefined && path.entity !== primary)
      [primary, others] = [path.entity, primary === undefined ? others : [primary, ...others]];
    if (path !== undefined && action !== undefined && READS.has(action)) action = path.one ? 'get' : 'list';
    const supports = (e: string, a = action) => this.#pairs.has(`${e} ${a}`);
    // "squash them together": an action only one kind of record supports names it.
    if (primary === undefined && action !== undefined) {
      const only = [...this.#pairs].filter((p) => p.endsWith(` ${action}`));
      if (only.length === 1) primary = only[0]?.split(' ')[0];
    }
    // Emails, phones and statuses are also fields: "the email and status of this contact" reads it.
    const field = primary !== undefined && (primary in READ_THROUGH || primary.startsWith('/status/'));
    // An id names one record of its kind: "the stage of deal oppo_abc" reads that deal, "add a mobile
    // number to cont_abc" changes that contact (a record with an id already exists).
    const idEntity =
      ID_PREFIXES[/\b(lead|cont|oppo|task|pipe|user|orga)_[A-Za-z0-9]+/.exec(q)?.[1] ?? ''] ??
      ID_NAMES[
        /\b(lead|company|account|contact|person|deal|opportunity|task|user) id\b/i.exec(q)?.[1]?.toLowerCase() ?? ''
      ];
    // Unless the thing asked for is many records ("the notes of lead_abc"); a field may be plural.
    const many =
      primaryText !== undefined &&
      (PLURAL_ENTITY.test(primaryText) || /\b(every|all)\b/i.test(q)) &&
      (!field || /\b(list|all|every)\b/i.test(q));
    if (idEntity !== undefined && !many) {
      if (reads && (primary === undefined || primary === idEntity || field) && supports(idEntity, 'get')) {
        if (primary !== undefined && primary !== idEntity) others = [primary, ...others];
        primary = idEntity;
        action = 'get';
      } else if (action === 'create' && primary === idEntity && supports(idEntity, 'update')) action = 'update';
    }
    if (idEntity !== undefined && primary !== idEntity && !others.includes(idEntity)) others = [...others, idEntity];
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
    // "every company in Texas": a place is a condition on the address; leads and contacts at once are
    // the search's. "No filters, just the whole list" asks for none.
    const place =
      /\b(all|every|any)\b[^.?!]*\b(in|from) [A-Z][a-z]+/.test(q) ||
      /\b(leads?|compan(y|ies)|accounts?) and (contacts?|people)\b|\b(contacts?|people) and (leads?|compan(y|ies))\b/i.test(
        q,
      );
    const filtered =
      (place ||
        FILTER_WORDS.test(
          q
            .toLowerCase()
            .replace(/\b(no|without|nothing|zero) (filters?|filtered|conditions?|criteria)|unfiltered/g, ' '),
        )) &&
      action !== 'create' &&
      action !== 'update' &&
      action !== 'delete';
    const boostOf = (op: OperationInfo): number => {
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
      // Conditions on leads, contacts or their fields are the search endpoint's job.
      if (
        filtered &&
        entity === '/data/search/' &&
        (primary === undefined || primary === '/lead/' || primary === '/contact/' || primary === '/custom_field/lead/')
      )
        boost *= FILTER_BOOST * ENTITY_BOOST;
      return boost;
    };
    // MiniSearch's score relative to the best, plus a small floor so that an operation the words
    // missed ("whoami" is in no text) still ranks when the entity and action point at it.
    const found = this.#index.search(full);
    const best = found[0]?.score ?? 0;
    const text = new Map(found.map((h) => [String(h.id), best > 0 ? h.score / best : 0]));
    const guessed = primary !== undefined || action !== undefined;
    const hits = [...this.#ops.values()]
      .map((op) => {
        const t = text.get(op.operationId);
        return { id: op.operationId, score: t === undefined && !guessed ? 0 : ((t ?? 0) + TEXT_FLOOR) * boostOf(op) };
      })
      .filter((h) => h.score > 0)
      .sort((a, b) => b.score - a.score);
    // The operation the reading names outright (its entity and action) stays within the first three,
    // so that where the words outweigh it an agent still sees it.
    const named = [...this.#ops.values()].find(
      (op) => entityOfOperation(op) === primary && actionOfOperation(op) === action,
    )?.operationId;
    const at = hits.findIndex((h) => h.id === named);
    if (at > 2) hits.splice(2, 0, ...hits.splice(at, 1));
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
