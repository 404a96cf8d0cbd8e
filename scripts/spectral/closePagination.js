// close-pagination: list operations declare a valid `x-pagination` consistent with what they do.
// A list operation is one whose 200 application/json body is an envelope that *requires* a `data`
// array and at least one page marker: `has_more`, `cursor_next` or `cursor` (a list that may carry an
// optional `has_more` but documents no paging, like GET /pipeline/, is not paginated).
// It must carry `x-pagination: {style: …}` (no other keys), consistent with the operation:
//   offset       `_skip` and `_limit` query parameters, required `has_more` in the response;
//   cursor       `_cursor` query parameter, required `cursor_next` in the response;
//   body-cursor  `cursor` in the JSON request body, required `cursor` in the response.
// An operation that returns no such envelope must not declare x-pagination.
// Runs on the resolved document (allOf members are merged to find the envelope's properties).
import { get, isObj } from './lib/oas-walk.js';
import { label, where } from './lib/ops.js';

/** @import { IFunctionResult, RulesetFunction } from '@stoplight/spectral-core' */
/** @import { Obj } from './lib/oas-walk.js' */

const STYLES = ['offset', 'cursor', 'body-cursor'];

/** Properties (name → schema) of a resolved schema, merged through allOf.
 * @param {unknown} schema
 * @returns {Obj}
 */
function props(schema, depth = 0) {
  /** @type {Obj} */
  const out = {};
  if (!isObj(schema) || depth > 8) return out;
  Object.assign(out, isObj(schema.properties) ? schema.properties : {});
  for (const sub of Array.isArray(schema.allOf) ? schema.allOf : []) Object.assign(out, props(sub, depth + 1));
  return out;
}

/** Required property names of a resolved schema, merged through allOf.
 * @param {unknown} schema
 * @returns {Set<unknown>}
 */
function required(schema, depth = 0) {
  /** @type {Set<unknown>} */
  const out = new Set();
  if (!isObj(schema) || depth > 8) return out;
  for (const r of Array.isArray(schema.required) ? schema.required : []) out.add(r);
  for (const sub of Array.isArray(schema.allOf) ? schema.allOf : [])
    for (const r of required(sub, depth + 1)) out.add(r);
  return out;
}

/**
 * @param {unknown} s
 * @returns {boolean}
 */
function isArraySchema(s) {
  if (!isObj(s)) return false;
  if (s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array'))) return true;
  return Array.isArray(s.allOf) && s.allOf.some(isArraySchema);
}

/** @type {RulesetFunction} */
export default function closePagination(op, _options, context) {
  if (!isObj(op)) return [];
  const { method, pathKey } = where(context);
  const at = label(method, pathKey);
  const ok = get(op.responses, '200') ?? get(op.responses, '201');
  const schema = get(ok, 'content', 'application/json', 'schema');
  const all = props(schema);
  const req = required(schema);
  // Only what the API always sends counts: `data` and a page marker that are required.
  const body = Object.fromEntries(Object.entries(all).filter(([k]) => req.has(k)));
  const isEnvelope = isArraySchema(body.data) && ['has_more', 'cursor_next', 'cursor'].some((k) => k in body);
  const ext = op['x-pagination'];
  const xpath = [...context.path, 'x-pagination'];
  // The resolved document: Spectral's DocumentInventory has it, its IDocumentInventory type does not say so.
  const pathItem = get(context.documentInventory, 'resolved', 'paths', pathKey);
  const pathParams = get(pathItem, 'parameters');
  /** @type {unknown[]} */
  const params = [
    ...(Array.isArray(pathParams) ? pathParams : []),
    ...(Array.isArray(op.parameters) ? op.parameters : []),
  ];
  const query = new Set(
    params
      .filter(isObj)
      .filter((p) => p.in === 'query')
      .map((p) => p.name),
  );
  const reqProps = props(get(op.requestBody, 'content', 'application/json', 'schema'));
  const suggested = 'cursor_next' in body ? 'cursor' : 'cursor' in body ? 'body-cursor' : 'offset';

  if (ext === undefined) {
    if (!isEnvelope) return [];
    return [
      {
        message: `${at} returns a list envelope (data + ${['has_more', 'cursor_next', 'cursor'].filter((k) => k in body).join('/')}) but declares no x-pagination; add \`x-pagination: {style: ${suggested}}\`.`,
        path: [...context.path],
      },
    ];
  }
  if (!isEnvelope) {
    return [
      {
        message: `${at} declares x-pagination but its 200 response is not a list envelope (a \`data\` array with has_more, cursor_next or cursor); remove x-pagination or fix the response schema.`,
        path: xpath,
      },
    ];
  }
  if (!isObj(ext) || typeof ext.style !== 'string' || !STYLES.includes(ext.style)) {
    return [
      {
        message: `${at}: x-pagination must be \`{style: offset|cursor|body-cursor}\` (got ${JSON.stringify(ext)}); this one looks like \`style: ${suggested}\`.`,
        path: xpath,
      },
    ];
  }
  /** @type {IFunctionResult[]} */
  const out = [];
  const extra = Object.keys(ext).filter((k) => k !== 'style');
  if (extra.length)
    out.push({
      message: `${at}: x-pagination has unknown key(s) ${extra.join(', ')}; only \`style\` is defined.`,
      path: xpath,
    });
  /** @type {(cond: boolean, what: string) => void} */
  const need = (cond, what) => {
    // `what` names the missing piece; response markers must be required properties of the envelope.
    if (!cond)
      out.push({ message: `${at}: x-pagination style "${ext.style}" needs ${what}.`, path: [...xpath, 'style'] });
  };
  if (ext.style === 'offset') {
    need(
      query.has('_skip') && query.has('_limit'),
      'the `_skip` and `_limit` query parameters (components/parameters/Skip.yaml, Limit.yaml)',
    );
    need('has_more' in body, 'a required `has_more` in the response envelope');
  } else if (ext.style === 'cursor') {
    need(query.has('_cursor'), 'a `_cursor` query parameter');
    need('cursor_next' in body, 'a required `cursor_next` in the response envelope');
  } else {
    need(method !== 'get' && 'cursor' in reqProps, '`cursor` in the JSON request body');
    need('cursor' in body, 'a required `cursor` in the response envelope');
  }
  return out;
}
