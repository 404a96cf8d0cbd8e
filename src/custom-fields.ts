/**
 * Typed access to custom fields. Close sends and accepts custom-field values as flat `custom.<field id>`
 * keys: `custom.cf_<id>` (`custom.lcf_`/`custom.ccf_` for fields created before May 2021). Updates of
 * multi-value fields may use `custom.<field id>.add` / `.remove`. Field ids are opaque (`cf_v6S0…`), not
 * derived from the field's name: `customFieldsByName(close)` looks names up.
 */
import type { components } from '../generated/schema.js';
import type { CloseClient } from './client.js';
import { paginate } from './paginate.js';

/**
 * A custom field id: `cf_…` (or the older `lcf_…` / `ccf_…`). The spec's `CustomFieldId` schema, so
 * `CustomField.id` is one: `` { [`custom.${field.id}`]: 'Website Form' } `` type-checks.
 */
export type CustomFieldId = components['schemas']['CustomFieldId'];
/** A custom field as `GET /custom_field/lead/` lists it. */
export type CustomField = components['schemas']['CustomField'];
/** The key of a custom field in a lead, contact or opportunity: `custom.cf_…`. */
export type CustomFieldKey<Id extends CustomFieldId = CustomFieldId> = `custom.${Id}`;
/** A custom-field value as the API returns it. */
export type CustomFieldValue = components['schemas']['CustomFieldValue'];
/** A custom-field value as a create/update body takes it (`null` unsets). */
export type CustomFieldInput = components['schemas']['CustomFieldInput'];

/**
 * Narrows the custom fields you know about: `WithCustomFields<Lead, { cf_source: string; cf_score: number }>`
 * types `lead['custom.cf_source']` as `string | undefined`.
 */
export type WithCustomFields<T, Fields extends { [K in CustomFieldId]?: unknown }> = T & {
  [K in keyof Fields & CustomFieldId as `custom.${K}`]?: Fields[K];
};

// The spec's CustomFieldId pattern (test/custom-fields.test.ts checks that they agree).
const ID_RE = /^(cf|lcf|ccf)_[A-Za-z0-9]+$/;

/** Whether a string is a custom field id (`cf_…`, `lcf_…`, `ccf_…`), as the spec's pattern has it. */
export function isCustomFieldId(id: unknown): id is CustomFieldId {
  return typeof id === 'string' && ID_RE.test(id);
}

function checkId(id: string): void {
  if (!ID_RE.test(id)) throw new TypeError(`not a custom field id (cf_…, lcf_…, ccf_…): ${JSON.stringify(id)}`);
}

/** `customFieldKey('cf_abc')` → `'custom.cf_abc'`. */
export function customFieldKey<Id extends CustomFieldId>(id: Id): `custom.${Id}` {
  checkId(id);
  return `custom.${id}`;
}

/** Reads one custom field of a lead, contact or opportunity (`undefined` when unset). */
export function getCustomField(object: object, id: CustomFieldId): CustomFieldValue | undefined {
  checkId(id);
  return (object as Record<string, CustomFieldValue | undefined>)[`custom.${id}`];
}

/** All `custom.*` values of a lead, contact or opportunity, keyed by field id. */
export function customFieldsOf(object: object): Map<CustomFieldId, CustomFieldValue> {
  const out = new Map<CustomFieldId, CustomFieldValue>();
  for (const [key, value] of Object.entries(object)) {
    if (key.startsWith('custom.') && ID_RE.test(key.slice(7)) && value !== undefined)
      out.set(key.slice(7) as CustomFieldId, value as CustomFieldValue);
  }
  return out;
}

/**
 * Builds the `custom.*` keys of a create/update body from values keyed by field id:
 * `{ name: 'Acme', ...customFields({ cf_source: 'Website' }) }`.
 */
export function customFields<const F extends { [K in CustomFieldId]?: CustomFieldInput }>(
  values: F,
): { [K in keyof F & CustomFieldId as `custom.${K}`]: F[K] } {
  const out: Record<string, unknown> = {};
  for (const [id, value] of Object.entries(values)) {
    checkId(id);
    out[`custom.${id}`] = value;
  }
  return out as { [K in keyof F & CustomFieldId as `custom.${K}`]: F[K] };
}

/** Raised when a custom field name resolves to no field, or to more than one. Names the field. */
export class CustomFieldNameError extends Error {
  override readonly name = 'CustomFieldNameError';
  constructor(
    message: string,
    /** The name asked for. */
    readonly fieldName: string,
    /** The names that do exist (all of them; the message lists a bounded number). */
    readonly known: readonly string[],
  ) {
    super(message);
  }
}

/** Lead custom fields by name, resolved once per client: see `customFieldsByName`. */
export interface CustomFieldsByName {
  /** The field named `name` (exact, case-sensitive match); throws `CustomFieldNameError` when there is none. */
  field(name: string): Promise<CustomField>;
  /** `await cf.id('Source')` → `'cf_…'`. */
  id(name: string): Promise<CustomFieldId>;
  /** `await cf.key('Source')` → `'custom.cf_…'`, the key of the field in a lead body or response. */
  key(name: string): Promise<CustomFieldKey>;
  /**
   * A body part keyed by field id from values keyed by field name:
   * `{ name: 'Acme', ...(await cf.values({ Source: 'Website Form' })) }`. Every name must exist.
   */
  values(values: Readonly<Record<string, CustomFieldInput>>): Promise<Record<CustomFieldKey, CustomFieldInput>>;
  /** Reads the field named `name` of a lead (`undefined` when unset). */
  get(object: object, name: string): Promise<CustomFieldValue | undefined>;
  /** Every lead custom field (the cached list). */
  list(): Promise<readonly CustomField[]>;
  /** Forgets the cached list: the next call fetches it again (after fields were created or renamed). */
  refresh(): void;
}

/** At most this many fields are read (an organisation has far fewer; the bound keeps one lookup finite). */
const MAX_FIELDS = 5000;
/** At most this many existing names are quoted in an error. */
const MAX_NAMES_SHOWN = 20;
const resolvers = new WeakMap<object, CustomFieldsByName>();

function quoteNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES_SHOWN).map((n) => JSON.stringify(n));
  const more = names.length - shown.length;
  return shown.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

/**
 * Lead custom fields by name, for integrations that know a field as "Source" rather than as its id. The
 * list (`GET /custom_field/lead/`) is fetched on first use and cached per client, so every call on the
 * same client shares one lookup; `refresh()` drops it. A failed lookup is not cached.
 *
 * ```ts
 * const cf = customFieldsByName(close);
 * const lead = await close.call('createLead', { body: { name: 'Acme', ...(await cf.values({ Source: 'Website Form' })) } });
 * lead[await cf.key('Source')]; // 'Website Form'
 * ```
 */
export function customFieldsByName(close: CloseClient): CustomFieldsByName {
  const cached = resolvers.get(close);
  if (cached) return cached;
  let pending: Promise<{ list: readonly CustomField[]; byName: Map<string, CustomField[]> }> | undefined;

  const load = async () => {
    const list: CustomField[] = [];
    for await (const f of paginate(close, '/custom_field/lead/')) {
      if (list.length >= MAX_FIELDS) throw new Error(`customFieldsByName: more than ${MAX_FIELDS} lead custom fields.`);
      list.push(f);
    }
    const byName = new Map<string, CustomField[]>();
    for (const f of list) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
    return { list, byName };
  };
  const loaded = () => {
    if (!pending) {
      const p = load();
      pending = p;
      // A failed lookup is not kept: the next call tries again.
      p.catch(() => {
        if (pending === p) pending = undefined;
      });
    }
    return pending;
  };
  const field = async (name: string): Promise<CustomField> => {
    const { byName } = await loaded();
    const hits = byName.get(name) ?? [];
    const [only] = hits;
    if (only && hits.length === 1) return only;
    const known = [...byName.keys()];
    if (hits.length > 1) {
      throw new CustomFieldNameError(
        `There are ${hits.length} lead custom fields named ${JSON.stringify(name)} (${hits.map((f) => f.id).join(', ')}); use the field id.`,
        name,
        known,
      );
    }
    const folded = known.filter((n) => n.toLowerCase() === name.toLowerCase());
    throw new CustomFieldNameError(
      `No lead custom field is named ${JSON.stringify(name)}` +
        (folded.length ? ` (did you mean ${quoteNames(folded)}?)` : '') +
        `. Lead custom fields: ${known.length ? quoteNames(known) : 'none'}.`,
      name,
      known,
    );
  };
  const resolver: CustomFieldsByName = {
    field,
    id: async (name) => (await field(name)).id,
    key: async (name) => `custom.${(await field(name)).id}`,
    async values(values) {
      const out: Record<CustomFieldKey, CustomFieldInput> = {};
      for (const [name, value] of Object.entries(values)) out[`custom.${(await field(name)).id}`] = value;
      return out;
    },
    get: async (object, name) => getCustomField(object, (await field(name)).id),
    list: async () => (await loaded()).list,
    refresh() {
      pending = undefined;
    },
  };
  resolvers.set(close, resolver);
  return resolver;
}
