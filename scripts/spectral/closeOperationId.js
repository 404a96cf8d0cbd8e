// close-operation-id: every operation has a camelCase operationId whose first word is the verb of its
// method (spec/CONVENTIONS.md): GET list… (collections; required with x-pagination) or get… (one
// object); POST create…, merge…, search…; PUT update…; DELETE delete…. Messages suggest the fix.
import { get } from './lib/oas-walk.js';
import { CAMEL, hasXPagination, label, toCamel, VERBS, where } from './lib/ops.js';

/** @import { IFunctionResult, RulesetFunction } from '@stoplight/spectral-core' */

/** @type {RulesetFunction} */
export default function closeOperationId(op, _options, context) {
  const { method, pathKey } = where(context);
  const verbs = VERBS[method];
  const id = get(op, 'operationId');
  const at = label(method, pathKey);
  if (typeof id !== 'string' || id.trim() === '') {
    const verb = verbs ? (method === 'get' && hasXPagination(op) ? 'list' : verbs[0]) : method;
    return [
      {
        message: `${at} has no operationId; add one such as "${verb}<Resource>" (camelCase, verb of the method first).`,
        path: [...context.path],
      },
    ];
  }
  /** @type {IFunctionResult[]} */
  const results = [];
  const idPath = [...context.path, 'operationId'];
  let fixed = id;
  if (!CAMEL.test(id)) {
    fixed = toCamel(id);
    results.push({ message: `operationId "${id}" (${at}) is not camelCase; rename it to "${fixed}".`, path: idPath });
  }
  if (!verbs) {
    results.push({
      message: `${at}: Close exposes no ${method.toUpperCase()} operations; use GET, POST, PUT or DELETE.`,
      path: idPath,
    });
    return results;
  }
  const first = /^[a-z]+/.exec(fixed)?.[0] ?? '';
  const allowed = method === 'get' && hasXPagination(op) ? ['list'] : verbs;
  if (!allowed.includes(first)) {
    const rest = fixed.slice(first.length);
    const verb = method === 'get' ? (hasXPagination(op) ? 'list' : 'get') : allowed[0];
    const suggestion = `${verb}${rest ? rest.charAt(0).toUpperCase() + rest.slice(1) : '<Resource>'}`;
    const why =
      method === 'get' && hasXPagination(op)
        ? 'a paginated GET (x-pagination) lists a collection'
        : `${method.toUpperCase()} operations start with ${verbs.map((v) => `"${v}"`).join(' or ')}`;
    results.push({
      message: `operationId "${id}" (${at}) does not fit its method: ${why}; rename it, e.g. "${suggestion}".`,
      path: idPath,
    });
  }
  return results;
}
