// Lead custom fields: list and create. Their values live on leads as `custom.<field id>` keys
// (see applyCustom in common.ts, which checks values against the field's type).
import { fieldError } from '../errors.js';
import type { CustomFieldRecord } from '../store.js';
import { customFieldView } from '../views.js';
import { bodyOf, page } from './common.js';
import type { Handler, HandlerMap } from './context.js';

/** Field types that may hold several values (Close's docs). */
const MULTI = ['user', 'choices', 'contact', 'custom_object'];

const listLeadCustomFields: Handler = (ctx) => ({
  body: page(ctx, [...ctx.store.state.customFields.values()], (f) => customFieldView(ctx.store, f)),
});

const createLeadCustomField: Handler = (ctx) => {
  const { store } = ctx;
  const b = bodyOf(ctx);
  const name = String(b.name);
  if ([...store.state.customFields.values()].some((f) => f.name === name))
    throw fieldError('name', 'A custom field with this name already exists.');
  const type = String(b.type);
  const multiple = b.accepts_multiple_values === true;
  if (multiple && !MULTI.includes(type))
    throw fieldError('accepts_multiple_values', `Only ${MULTI.join(', ')} fields can hold several values.`);
  const f: CustomFieldRecord = {
    id: store.id('cf'),
    name,
    type,
    accepts_multiple_values: multiple,
    choices: Array.isArray(b.choices) ? b.choices.map(String) : [],
    ...store.created(),
  };
  store.state.customFields.set(f.id, f);
  return { body: customFieldView(store, f) };
};

export const customFieldHandlers = { listLeadCustomFields, createLeadCustomField } satisfies Partial<HandlerMap>;
