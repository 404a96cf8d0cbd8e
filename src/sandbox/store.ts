// The sandbox's state: one in-memory Close organisation (users, statuses, pipelines, custom fields,
// Smart Views, leads with their contacts, opportunities, activities and tasks, and the event log),
// ids with Close's prefixes, timestamps in Close's two formats, and snapshots (a versioned JSON
// document) to save the state to a file and load it back.
//
// Records hold what the API lets you write; the API's read-only fields (`display_name`,
// `status_label`, `lead_name`, ...) are computed from them when a response is rendered (views.ts).
import { randomFillSync } from 'node:crypto';

/** A parsed JSON object. */
export type Obj = Record<string, unknown>;
export type StatusType = 'active' | 'won' | 'lost';
export type ValuePeriod = 'one_time' | 'monthly' | 'annual';
/** A custom field value as stored (Close's `CustomFieldValue`). */
export type CustomValue = string | number | Array<string | number>;

/** Who created and last changed a record, and when. */
export interface Stamped {
  created_by: string | null;
  updated_by: string | null;
  date_created: string;
  date_updated: string;
}

export interface OrganizationRecord {
  id: string;
  name: string;
  currency: string;
  currency_symbol: string;
  created_by: string | null;
  date_created: string;
  date_updated: string;
}

export interface UserRecord {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  /** Role in the organisation (`admin` or `user`). */
  role: 'admin' | 'user';
  membership_id: string;
  date_created: string;
  date_updated: string;
}

export interface LeadStatusRecord {
  id: string;
  label: string;
}

export interface PipelineRecord {
  id: string;
  name: string;
  /** Ids of its opportunity statuses, in order. */
  statuses: string[];
  created_by: string | null;
  updated_by: string | null;
  date_created: string;
  date_updated: string;
}

export interface OpportunityStatusRecord {
  id: string;
  label: string;
  type: StatusType;
  pipeline_id: string;
}

export interface CustomFieldRecord extends Stamped {
  id: string;
  name: string;
  type: string;
  accepts_multiple_values: boolean;
  choices: string[];
}

export interface SavedSearchRecord {
  id: string;
  name: string;
  type: string;
  /** Legacy search-string query, or null. */
  query: string | null;
  /** Advanced Filtering definition (`{query, results_limit, sort}`), or null. */
  s_query: Obj | null;
  is_shared: boolean;
  user_id: string;
  date_created: string;
  date_updated: string;
}

export interface AddressRecord {
  label: string | null;
  address_1: string | null;
  address_2: string | null;
  city: string | null;
  state: string | null;
  zipcode: string | null;
  country: string | null;
}

export interface LeadRecord extends Stamped {
  id: string;
  name: string | null;
  description: string;
  url: string | null;
  status_id: string;
  addresses: AddressRecord[];
  /** Custom field values by field id. */
  custom: Record<string, CustomValue>;
}

export interface EmailRecord {
  email: string;
  type: string;
  is_unsubscribed: boolean;
}
export interface PhoneRecord {
  phone: string;
  type: string;
  country: string | null;
}
export interface UrlRecord {
  url: string;
  type: string;
}

export interface ContactRecord extends Stamped {
  id: string;
  lead_id: string;
  name: string | null;
  title: string | null;
  emails: EmailRecord[];
  phones: PhoneRecord[];
  urls: UrlRecord[];
  timezone: string | null;
  custom: Record<string, CustomValue>;
}

export interface OpportunityRecord extends Stamped {
  id: string;
  lead_id: string;
  status_id: string;
  value: number | null;
  value_period: ValuePeriod;
  confidence: number;
  note: string;
  contact_id: string | null;
  user_id: string;
  /** `YYYY-MM-DD` or null. */
  date_won: string | null;
  date_lost: string | null;
  custom: Record<string, CustomValue>;
}

export interface ActivityRecord extends Stamped {
  id: string;
  /** `Note`, `Call`, `Email`, `SMS`, `TaskCompleted`, `LeadStatusChange`, `OpportunityStatusChange`. */
  _type: string;
  lead_id: string;
  contact_id: string | null;
  user_id: string | null;
  activity_at: string | null;
  /** The type's own fields (`note`, `duration`, `subject`, ...), as the API renders them. */
  fields: Obj;
  custom: Record<string, CustomValue>;
}

export interface TaskRecord extends Stamped {
  id: string;
  _type: string;
  lead_id: string;
  contact_id: string | null;
  assigned_to: string;
  text: string;
  /** `YYYY-MM-DD` or a date-time (a dateless task keeps the day it was created). */
  date: string;
  is_dateless: boolean;
  is_complete: boolean;
  object_type: string | null;
  object_id: string | null;
}

export interface EventRecord {
  /** Order of the event in the log (not sent). */
  seq: number;
  id: string;
  date_created: string;
  date_updated: string;
  user_id: string | null;
  request_id: string | null;
  api_key_id: string | null;
  object_type: string;
  object_id: string;
  lead_id: string | null;
  action: string;
  changed_fields: string[];
  data: Obj | null;
  previous_data: Obj | null;
  meta: Obj;
}

/**
 * An event as the store keeps it: `data` and `previous_data` as UTF-8 JSON bytes. Bytes are one small
 * object to the garbage collector where the view they hold is dozens (and JSON text would be a string
 * of a kilobyte or more copied from young to old space by every write), and the log keeps up to 10,000
 * of them: under a stream of writes, tracing and copying those was a large part of each write's cost.
 * Snapshots and answers carry the objects (toSnapshot, fromSnapshot, eventView convert). Typed
 * Uint8Array (they are Buffers) so that the package's types need no node types.
 */
export type StoredEvent = Omit<EventRecord, 'data' | 'previous_data'> & {
  data: Uint8Array | null;
  previous_data: Uint8Array | null;
};

/**
 * Where events' JSON bytes live: slabs of SLAB_BYTES written one after the other and never rewritten,
 * each event's bytes a view of its slab. The log drops its oldest events first, so a slab is freed once
 * the events written into it are all gone: at most the oldest and the newest slab are partly dead. (One
 * Buffer per event would be an ArrayBuffer each for the collector to track; node's shared 8 KB pool
 * would let one kept event hold a whole pool chunk of answers long sent.)
 */
export class JsonSlabs {
  private slab: Buffer | undefined;
  private at = 0;

  /** `o` as JSON bytes in the current slab (null for null). */
  put(o: Obj | null | undefined): Uint8Array | null {
    if (!o) return null;
    const text = JSON.stringify(o);
    // A UTF-16 code unit is at most 3 bytes of UTF-8: room for that, or a new slab.
    const room = 3 * text.length;
    if (!this.slab || this.at + room > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, room));
      this.at = 0;
    }
    const n = this.slab.write(text, this.at, 'utf8');
    const bytes = this.slab.subarray(this.at, this.at + n);
    this.at += n;
    return bytes;
  }
}
const SLAB_BYTES = 64 * 1024;

const UTF8 = new TextDecoder();
const fromJsonBytes = (b: Uint8Array | null): Obj | null => (b === null ? null : (JSON.parse(UTF8.decode(b)) as Obj));

/** A stored event with its `data` and `previous_data` as objects again. */
export function eventRecord(e: StoredEvent): EventRecord {
  return Object.assign({}, e, { data: fromJsonBytes(e.data), previous_data: fromJsonBytes(e.previous_data) });
}

/** Everything the sandbox knows. */
export interface State {
  organization: OrganizationRecord;
  /** The user every API key acts as. */
  meId: string;
  users: UserRecord[];
  leadStatuses: LeadStatusRecord[];
  pipelines: Map<string, PipelineRecord>;
  opportunityStatuses: Map<string, OpportunityStatusRecord>;
  customFields: Map<string, CustomFieldRecord>;
  savedSearches: Map<string, SavedSearchRecord>;
  leads: Map<string, LeadRecord>;
  contacts: Map<string, ContactRecord>;
  opportunities: Map<string, OpportunityRecord>;
  activities: Map<string, ActivityRecord>;
  tasks: Map<string, TaskRecord>;
  events: StoredEvent[];
  eventSeq: number;
}

// ---------- ids and time ----------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A source of random numbers in [0, 1): Math.random-like. */
export type Random = () => number;

/** A seeded generator (mulberry32): the same seed gives the same sequence, on every platform. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Random bytes from the operating system, drawn 4 KB at a time: one randomFillSync per id would cost
// more than everything else an id takes (it was one call per character, ~47 µs an id).
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function randomByte(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++] as number;
}

/** `bytes` random bytes from the operating system, as hex (request ids): one flat string, no pieces. */
export function randomHex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += bytes;
  return pool.toString('hex', poolAt - bytes, poolAt);
}

// Ids are written into this buffer and read out as one latin1 string: built with `+=` a character at a
// time, a 22-character id was a chain of ~20 intermediate strings (~770 bytes of garbage), and the id
// kept by a record or event was a tree of string pieces that every garbage collection had to copy.
const idScratch = Buffer.alloc(64);
const ALPHABET_CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));

/** The largest multiple of the alphabet's length below 256: bytes from it up are drawn again (no modulo bias). */
const UNBIASED = 256 - (256 % ALPHABET.length);

/**
 * An opaque id with one of Close's prefixes (`lead_`, `cont_`, `oppo_`, `acti_`, `task_`, `user_`,
 * `orga_`, `stat_`, `pipe_`, `cf_`, `save_`, `ev_`, `req_`, `memb_`) and a base62 tail. Close's tails
 * vary in length (43 characters in older objects, 22 in newer ones); 22 are used here. Without
 * `random` the characters come from the operating system's random bytes (uniform: rejection sampling).
 */
export function makeId(prefix: string, random?: Random, length = 22): string {
  if (random) {
    let out = '';
    for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(random() * ALPHABET.length)] ?? 'A';
    return `${prefix}_${out}`;
  }
  const end = prefix.length + 1 + length;
  const buf = end <= idScratch.length ? idScratch : Buffer.alloc(end);
  buf.write(prefix, 0, 'latin1');
  buf[prefix.length] = 0x5f; // _
  for (let at = prefix.length + 1; at < end; ) {
    const b = randomByte();
    if (b < UNBIASED) buf[at++] = ALPHABET_CODES[b % ALPHABET.length] as number;
  }
  return buf.toString('latin1', 0, end);
}

/** The microseconds past the millisecond of the dates Store.now() gives (other dates have none). */
const MICROS = new WeakMap<Date, number>();

/** `YYYY-MM-DDTHH:mm:ss.ssssss`: toISOString (which always ends in `.sssZ`) with the microseconds. */
function isoMicros(d: Date): string {
  const us = MICROS.get(d) ?? 0;
  return `${d.toISOString().slice(0, -1)}${us < 10 ? '00' : us < 100 ? '0' : ''}${us}`;
}

/** The second last formatted by isoOfMicros with it, and its characters (`YYYY-MM-DDTHH:mm:ss.`, then room for the rest). */
class SecondCache {
  second = Number.NaN;
  readonly bytes = Buffer.alloc(32);
  constructor() {
    this.bytes.write('+00:00', 26, 'latin1');
  }
}

/**
 * `YYYY-MM-DDTHH:mm:ss.ssssss` (with `+00:00` when `offset`) of a time in microseconds since the
 * epoch. The part up to the second comes from one toISOString per second (kept in `cache`), the
 * digits are written after it, and the stamp is read out as one flat string: no Date per write, and
 * no string of pieces (joined strings are kept as a tree of parts that each collection copies and
 * that is flattened again when first compared or serialized).
 */
function isoOfMicros(micros: number, cache: SecondCache, offset = false): string {
  const second = Math.floor(micros / 1_000_000);
  const b = cache.bytes;
  if (second !== cache.second) {
    b.write(new Date(second * 1000).toISOString(), 0, 20, 'latin1'); // `YYYY-MM-DDTHH:mm:ss.`
    cache.second = second;
  }
  let us = micros - second * 1_000_000;
  for (let i = 25; i >= 20; i--) {
    b[i] = 48 + (us % 10);
    us = Math.floor(us / 10);
  }
  return b.toString('latin1', 0, offset ? 32 : 26);
}

/** Classic Close timestamp: microseconds and an explicit `+00:00` (`2025-03-05T10:20:30.123456+00:00`). */
export function stamp(d: Date): string {
  return `${isoMicros(d)}+00:00`;
}
/** Naive UTC timestamp of the newer services (pipelines, event log): `2025-03-05T10:20:30.123456`. */
export function naive(d: Date): string {
  return isoMicros(d);
}
/** `YYYY-MM-DD` (UTC). */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

// ---------- snapshots ----------

/** The format version of snapshot files; a file with another version is refused. */
export const SNAPSHOT_VERSION = 1;
const SNAPSHOT_KIND = 'close-crm-openapi-sandbox';

/** A snapshot as written to a `--data` file: the state as plain JSON, with a format version. */
export interface Snapshot {
  kind: typeof SNAPSHOT_KIND;
  version: typeof SNAPSHOT_VERSION;
  savedAt: string;
  state: {
    organization: OrganizationRecord;
    meId: string;
    users: UserRecord[];
    leadStatuses: LeadStatusRecord[];
    pipelines: PipelineRecord[];
    opportunityStatuses: OpportunityStatusRecord[];
    customFields: CustomFieldRecord[];
    savedSearches: SavedSearchRecord[];
    leads: LeadRecord[];
    contacts: ContactRecord[];
    opportunities: OpportunityRecord[];
    activities: ActivityRecord[];
    tasks: TaskRecord[];
    events: EventRecord[];
    eventSeq: number;
  };
}

const byId = <T extends { id: string }>(list: readonly T[]): Map<string, T> => new Map(list.map((x) => [x.id, x]));

/** The state as a snapshot (a deep copy: later changes do not show in it). */
export function toSnapshot(state: State, now: Date): Snapshot {
  const plain: Snapshot['state'] = {
    organization: state.organization,
    meId: state.meId,
    users: state.users,
    leadStatuses: state.leadStatuses,
    pipelines: [...state.pipelines.values()],
    opportunityStatuses: [...state.opportunityStatuses.values()],
    customFields: [...state.customFields.values()],
    savedSearches: [...state.savedSearches.values()],
    leads: [...state.leads.values()],
    contacts: [...state.contacts.values()],
    opportunities: [...state.opportunities.values()],
    activities: [...state.activities.values()],
    tasks: [...state.tasks.values()],
    events: state.events.map(eventRecord),
    eventSeq: state.eventSeq,
  };
  return { kind: SNAPSHOT_KIND, version: SNAPSHOT_VERSION, savedAt: stamp(now), state: structuredClone(plain) };
}

/** Thrown when a snapshot file is not one this version can load. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

const LISTS = [
  'users',
  'leadStatuses',
  'pipelines',
  'opportunityStatuses',
  'customFields',
  'savedSearches',
  'leads',
  'contacts',
  'opportunities',
  'activities',
  'tasks',
  'events',
] as const;

/**
 * The state a snapshot describes. Checks the format version and the overall shape (every list is a
 * list of objects with an id); the records themselves are trusted, as the sandbox wrote them.
 */
export function fromSnapshot(input: unknown): State {
  if (typeof input !== 'object' || input === null) throw new SnapshotError('a snapshot is a JSON object');
  const snap = input as Partial<Snapshot>;
  if (snap.kind !== SNAPSHOT_KIND)
    throw new SnapshotError(`not a sandbox snapshot (its "kind" is not "${SNAPSHOT_KIND}")`);
  if (snap.version !== SNAPSHOT_VERSION)
    throw new SnapshotError(
      `snapshot format version ${String(snap.version)} is not supported (this sandbox reads version ${SNAPSHOT_VERSION})`,
    );
  const s = snap.state;
  if (typeof s !== 'object' || s === null) throw new SnapshotError('the snapshot has no "state" object');
  for (const key of LISTS) {
    const list = (s as unknown as Record<string, unknown>)[key];
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'object' && x !== null && typeof x.id === 'string'))
      throw new SnapshotError(`the snapshot's "state.${key}" is not a list of records with ids`);
  }
  if (typeof s.organization?.id !== 'string') throw new SnapshotError('the snapshot has no organization');
  if (!s.users.some((u) => u.id === s.meId)) throw new SnapshotError('the snapshot\'s "meId" is not one of its users');
  const copy = structuredClone(s);
  const slabs = new JsonSlabs();
  return {
    organization: copy.organization,
    meId: copy.meId,
    users: copy.users,
    leadStatuses: copy.leadStatuses,
    pipelines: byId(copy.pipelines),
    opportunityStatuses: byId(copy.opportunityStatuses),
    customFields: byId(copy.customFields),
    savedSearches: byId(copy.savedSearches),
    leads: byId(copy.leads),
    contacts: byId(copy.contacts),
    opportunities: byId(copy.opportunities),
    activities: byId(copy.activities),
    tasks: byId(copy.tasks),
    events: copy.events.map((e) =>
      Object.assign({}, e, { data: slabs.put(e.data), previous_data: slabs.put(e.previous_data) }),
    ),
    eventSeq: typeof copy.eventSeq === 'number' ? copy.eventSeq : copy.events.reduce((n, e) => Math.max(n, e.seq), 0),
  };
}

// ---------- indexes ----------

/** The collections of records that belong to a lead and are indexed by `lead_id`. */
export type LeadChildKind = 'contacts' | 'opportunities' | 'tasks';
interface LeadChildren {
  contacts: ContactRecord;
  opportunities: OpportunityRecord;
  tasks: TaskRecord;
}
type ChildOf<K extends LeadChildKind> = LeadChildren[K];

const NONE: readonly never[] = Object.freeze([]);

/**
 * The records of one collection by `lead_id`, each lead's in the collection's order (so a lookup
 * answers what filtering the whole collection would). Built on first use from the collection and kept
 * up to date by `add` and `remove`; a `lead_id` change (`relink`) drops it, to be rebuilt on the next
 * lookup. It is also rebuilt when the collection is not the one it was built from (a new state) or its
 * size changed behind its back (a record set or deleted directly on the map).
 */
class LeadIndex<T extends { id: string; lead_id: string }> {
  private built: { map: Map<string, T>; size: number; byLead: Map<string, T[]> } | undefined;

  constructor(private readonly collection: () => Map<string, T>) {}

  private current(): { map: Map<string, T>; size: number; byLead: Map<string, T[]> } {
    const map = this.collection();
    const b = this.built;
    if (b && b.map === map && b.size === map.size) return b;
    const byLead = new Map<string, T[]>();
    for (const x of map.values()) {
      const list = byLead.get(x.lead_id);
      if (list) list.push(x);
      else byLead.set(x.lead_id, [x]);
    }
    this.built = { map, size: map.size, byLead };
    return this.built;
  }

  of(leadId: string): readonly T[] {
    return this.current().byLead.get(leadId) ?? NONE;
  }

  /** Stores a record (new or replacing one with the same id). */
  add(x: T): void {
    const map = this.collection();
    const b = this.built;
    const fresh = !map.has(x.id);
    map.set(x.id, x);
    // A new key goes to the end of the map, so to the end of its lead's list.
    if (fresh && b && b.map === map && b.size === map.size - 1) {
      b.size++;
      const list = b.byLead.get(x.lead_id);
      if (list) list.push(x);
      else b.byLead.set(x.lead_id, [x]);
    } else this.built = undefined;
  }

  remove(id: string): void {
    const map = this.collection();
    const x = map.get(id);
    if (!x) return;
    const b = this.built;
    map.delete(id);
    if (b && b.map === map && b.size === map.size + 1) {
      b.size--;
      const list = b.byLead.get(x.lead_id) ?? [];
      const at = list.indexOf(x);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) b.byLead.delete(x.lead_id);
    } else this.built = undefined;
  }

  /** Moves a record to another lead. */
  relink(x: T, leadId: string): void {
    x.lead_id = leadId;
    this.built = undefined;
  }
}

/**
 * Most events the log keeps, and for how long (Close keeps its event log 30 days): older events and
 * those past the limit are dropped, oldest first, as new ones are added, so that memory stays bounded
 * however many writes a long-running sandbox takes.
 */
export const EVENT_LOG_LIMIT = 10_000;

/** The `changed_fields` of events that name none (events are never changed once logged): one array for all. */
const NO_FIELDS = Object.freeze([]) as unknown as string[];
export const EVENT_LOG_DAYS = 30;

// ---------- the store ----------

/** The prefix of cached pages' keys in the store's renderings (record ids never contain a space). */
const PAGE_KEY = 'page ';
const META_KEPT = 256;
/** Most whole pages the store keeps rendered. */
export const PAGES_KEPT = 16;

/** What an event records about the request that caused it. */
export interface RequestInfo {
  method: string;
  /** Path below the base URL (`/lead/lead_x/`). */
  path: string;
  requestId: string;
}

/** The state plus the few operations every handler needs: ids, the clock, ownership stamps and events. */
export class Store {
  state: State;
  private lastMicros = 0;
  private readonly index = {
    contacts: new LeadIndex(() => this.state.contacts),
    opportunities: new LeadIndex(() => this.state.opportunities),
    tasks: new LeadIndex(() => this.state.tasks),
  };
  private leadOrder: { map: Map<string, LeadRecord>; size: number; leads: readonly LeadRecord[] } | undefined;

  constructor(
    state: State,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.state = state;
  }

  /**
   * Rendered JSON by key (a record's id), for answers that are read far more often than written: each
   * entry is its record's full view as the API sends it. Any change to the state clears all of it
   * (`changed()`, which the HTTP layer calls after every request that may write), and so does a new
   * UTC day (a task's `view` depends on the date), so an entry can never be stale. Bounded by the
   * state: at most one entry per record, plus at most PAGES_KEPT whole pages (`cachedPage`).
   */
  private readonly json = new Map<string, Uint8Array>();
  private jsonUntil = 0;
  /** Whole pages in `json` (keys start with PAGE_KEY). */
  private pages = 0;

  /** Drops every cached rendering: call after anything that may have changed the state. */
  changed(): void {
    // Map#clear allocates a new table even for an empty map, and writes come in streams.
    if (this.json.size) this.json.clear();
    this.pages = 0;
  }

  /** Drops the cached renderings when the UTC day they were made on is over. */
  private sameDay(): void {
    const ms = this.clock().getTime();
    if (ms >= this.jsonUntil) {
      this.changed();
      this.jsonUntil = (Math.floor(ms / 86_400_000) + 1) * 86_400_000;
    }
  }

  /**
   * The cached rendering (UTF-8 JSON) under `key`, or `render()`'s, stored until the next change or
   * UTC day. Typed Uint8Array (it is a Buffer) so that the package's types need no node types.
   */
  cachedJson(key: string, render: () => unknown): Uint8Array {
    this.sameDay();
    let buf = this.json.get(key);
    if (!buf) {
      buf = Buffer.from(JSON.stringify(render()));
      this.json.set(key, buf);
    }
    return buf;
  }

  /**
   * A whole answer (a page of a list) under `key`, or `build()`'s, kept as cachedJson keeps a record's
   * rendering (until the next change or UTC day): an unchanged page is sent as the bytes built the
   * first time, in one piece. At most PAGES_KEPT pages are kept (all dropped when full): clients
   * asking for ever other pages cannot grow it.
   */
  cachedPage(key: string, build: () => Uint8Array): Uint8Array {
    this.sameDay();
    const k = PAGE_KEY + key;
    let buf = this.json.get(k);
    if (!buf) {
      if (this.pages >= PAGES_KEPT) {
        for (const old of this.json.keys()) if (old.startsWith(PAGE_KEY)) this.json.delete(old);
        this.pages = 0;
      }
      buf = build();
      this.json.set(k, buf);
      this.pages++;
    }
    return buf;
  }

  /** Today (`YYYY-MM-DD`, UTC) by the store's clock; unlike now(), reading it does not move the clock on. */
  today(): string {
    return isoDate(this.clock());
  }

  /**
   * The current time, strictly later than the previous call's (so creation order is also date order):
   * a microsecond later at least, which stamp() and naive() write in the six fraction digits Close
   * uses. (A millisecond at least, as before, ran the clock ahead of real time under load: a thousand
   * writes a second, each taking two or three timestamps, made it gain two seconds a second.)
   */
  now(): Date {
    const micros = this.tick();
    const d = new Date(Math.floor(micros / 1000));
    MICROS.set(d, micros % 1000);
    return d;
  }

  /** The microseconds since the epoch of the next now(), the clock moved on to it. */
  private tick(): number {
    const micros = Math.max(this.clock().getTime() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    return micros;
  }

  // The second last formatted by stampNow() and by emit(), and its `YYYY-MM-DDTHH:mm:ss.`.
  private readonly second = new SecondCache();
  private readonly cutoffSecond = new SecondCache();

  /** stamp(now()) without a Date: the write paths take a stamp or two per request. */
  stampNow(): string {
    return isoOfMicros(this.tick(), this.second, true);
  }

  /** A new id with Close's prefix (random: ids of created objects never repeat across resets). */
  id(prefix: string): string {
    return makeId(prefix);
  }

  /** The lead's contacts, opportunities or tasks, in the collection's order (an index: no scan). */
  childrenOf<K extends LeadChildKind>(kind: K, leadId: string): readonly ChildOf<K>[] {
    return (this.index[kind] as unknown as LeadIndex<ChildOf<K>>).of(leadId);
  }

  /**
   * Stores a contact, opportunity or task. Records of these collections are added, removed and moved to
   * another lead through the store (`add`, `remove`, `relink`), which keeps their index by lead right.
   */
  add<K extends LeadChildKind>(kind: K, record: ChildOf<K>): void {
    (this.index[kind] as unknown as LeadIndex<ChildOf<K>>).add(record);
  }

  remove(kind: LeadChildKind, id: string): void {
    this.index[kind].remove(id);
  }

  /** Moves a contact, opportunity or task to another lead (`lead_id`). */
  relink<K extends LeadChildKind>(kind: K, record: ChildOf<K>, leadId: string): void {
    (this.index[kind] as unknown as LeadIndex<ChildOf<K>>).relink(record, leadId);
  }

  /** Stores a lead. */
  addLead(lead: LeadRecord): void {
    this.state.leads.set(lead.id, lead);
    this.leadOrder = undefined;
  }

  removeLead(id: string): void {
    this.state.leads.delete(id);
    this.leadOrder = undefined;
  }

  /**
   * All leads, newest first by `date_created` (among equal dates, the later created first); kept until
   * a lead is added or removed. Timestamps are compared as strings: they all have the same format, in
   * which string order is time order.
   */
  leadsNewestFirst(): readonly LeadRecord[] {
    const map = this.state.leads;
    const o = this.leadOrder;
    if (o && o.map === map && o.size === map.size) return o.leads;
    const leads = [...map.values()]
      .reverse()
      .sort((a, b) => (a.date_created < b.date_created ? 1 : a.date_created > b.date_created ? -1 : 0));
    this.leadOrder = { map, size: map.size, leads };
    return leads;
  }

  get me(): UserRecord {
    const me = this.state.users.find((u) => u.id === this.state.meId);
    if (!me) throw new Error('the sandbox state has no current user');
    return me;
  }

  user(id: string | null | undefined): UserRecord | undefined {
    return id ? this.state.users.find((u) => u.id === id) : undefined;
  }

  userName(id: string | null | undefined): string | null {
    const u = this.user(id);
    return u ? `${u.first_name} ${u.last_name}` : null;
  }

  /** Ownership fields for a record created now by the current user. */
  created(): Stamped {
    const now = this.stampNow();
    return { created_by: this.state.meId, updated_by: this.state.meId, date_created: now, date_updated: now };
  }

  /** Marks a record as changed now by the current user. */
  touch(record: Stamped): void {
    record.date_updated = this.stampNow();
    record.updated_by = this.state.meId;
  }

  // The `meta` of events with nothing but the request's method and path, one object per method and
  // path (events are never changed once logged): a stream of creates logs the same one. At most
  // META_KEPT kept (emptied when full).
  private readonly metas = new Map<string, Obj>();

  private requestMeta(req: RequestInfo): Obj {
    const key = `${req.method} ${req.path}`;
    let meta = this.metas.get(key);
    if (!meta) {
      if (this.metas.size >= META_KEPT) this.metas.clear();
      meta = Object.freeze({ request_method: req.method, request_path: `/api/v1${req.path}` });
      this.metas.set(key, meta);
    }
    return meta;
  }

  /** Where this store's events keep their JSON bytes. */
  private readonly slabs = new JsonSlabs();

  /** Appends an event to the event log; returns its `data` as the JSON bytes it keeps (null without). */
  emit(
    req: RequestInfo,
    event: {
      objectType: string;
      objectId: string;
      action: string;
      leadId: string | null;
      data: Obj | null;
      changed?: string[];
      previous?: Obj | null;
      meta?: Obj;
    },
  ): Uint8Array | null {
    const micros = this.tick();
    const data = this.slabs.put(event.data);
    const now = isoOfMicros(micros, this.second);
    const events = this.state.events;
    events.push({
      seq: ++this.state.eventSeq,
      id: makeId('ev'),
      date_created: now,
      date_updated: now,
      user_id: this.state.meId,
      request_id: req.requestId,
      api_key_id: null,
      object_type: event.objectType,
      object_id: event.objectId,
      lead_id: event.leadId,
      action: event.action,
      changed_fields: event.changed ?? NO_FIELDS,
      data,
      previous_data: this.slabs.put(event.previous),
      meta: event.meta
        ? Object.assign({ request_method: req.method, request_path: `/api/v1${req.path}` }, event.meta)
        : this.requestMeta(req),
    });
    // The log is in date order (now() only moves forward): the oldest events are at its start.
    const cutoff = isoOfMicros(micros - EVENT_LOG_DAYS * 86_400_000_000, this.cutoffSecond);
    while (events.length > EVENT_LOG_LIMIT || (events[0] && events[0].date_created < cutoff)) events.shift();
    return data;
  }
}
