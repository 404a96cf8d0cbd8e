/**
 * Typed access to custom fields. Close sends and accepts custom-field values as flat `custom.<field id>`
 * keys: `custom.cf_<id>` (`custom.lcf_`/`custom.ccf_` for fields created before May 2021). Updates of
 * multi-value fields may use `custom.<field id>.add` / `.remove`.
 */
import type { components } from '../generated/schema.js';

/** A custom field id: `cf_…` (or the older `lcf_…` / `ccf_…`). */
export type CustomFieldId = `cf_${string}` | `lcf_${string}` | `ccf_${string}`;
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

const ID_RE = /^(cf|lcf|ccf)_[A-Za-z0-9]+$/;

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
