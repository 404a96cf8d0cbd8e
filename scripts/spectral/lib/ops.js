// Small helpers shared by the operation-level house rules.
import { isObj } from './oas-walk.js';

/** @import { RulesetFunctionContext } from '@stoplight/spectral-core' */

/** The verbs an operationId may start with, by HTTP method (Close has no other methods).
 * @type {Record<string, string[]>} */
export const VERBS = { get: ['list', 'get'], post: ['create', 'merge', 'search'], put: ['update'], delete: ['delete'] };
export const CAMEL = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$/;

/** "GET /lead/{lead_id}/" for messages.
 * @param {string} method
 * @param {string | undefined} pathKey
 */
export function label(method, pathKey) {
  return `${String(method).toUpperCase()} ${pathKey ?? ''}`.trim();
}

/** `get_lead`, `GetLead`, `get-lead` → `getLead`.
 * @param {string} id
 */
export function toCamel(id) {
  const words = String(id)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()))
    .join('');
}

/** Method and path key of an operation from its path in the resolved document (['paths', key, method]).
 * @param {RulesetFunctionContext} context
 */
export function where(context) {
  const p = context.path;
  return { pathKey: String(p[p.length - 2]), method: String(p[p.length - 1]) };
}

/** @param {unknown} op */
export function hasXPagination(op) {
  return isObj(op) && op['x-pagination'] !== undefined;
}
