// close-error-responses: the error responses every operation must declare, each a `$ref` to a
// response component (a file under spec/components/responses/ in the source, #/components/responses/
// in the bundle), never inline:
//   401, 403, 429 on every operation; 400 when the operation has query parameters or a request body;
//   404 when its path has a `{…}` parameter.
// The check looks at the responses as written (unresolved), on the source and on the bundle.
import { componentAt, createWalker, isObj, isRef } from './lib/oas-walk.js';
import { label } from './lib/ops.js';

/** @import { IFunctionResult, RulesetFunction } from '@stoplight/spectral-core' */

/** @typedef {'400' | '401' | '403' | '404' | '429'} Code */
/** @type {Record<Code, string>} */
const COMPONENT = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 429: 'TooManyRequests' };

/** @type {RulesetFunction} */
export default function closeErrorResponses(_input, _options, context) {
  const w = createWalker(context);
  /** @type {IFunctionResult[]} */
  const out = [];
  w.walk({
    operation(op, { method, pathKey, pathItem, loc, path }) {
      if (pathKey === undefined) return; // webhooks: no HTTP errors of ours
      const at = label(method, pathKey);
      const params = [
        ...(Array.isArray(pathItem.parameters) ? pathItem.parameters : []),
        ...(Array.isArray(op.parameters) ? op.parameters : []),
      ];
      const hasQuery = params.some((p) => {
        const { node } = w.follow(loc, p);
        return isObj(node) && node.in === 'query';
      });
      /** @type {[Code, string][]} the codes this operation needs, each with the reason, in code order */
      const required = [];
      if (hasQuery || op.requestBody !== undefined)
        required.push(['400', hasQuery ? 'it has query parameters' : 'it has a request body']);
      required.push(['401', 'every operation'], ['403', 'every operation']);
      if (/\{[^}]+\}/.test(pathKey)) required.push(['404', 'its path has a {…} parameter']);
      required.push(['429', 'every operation']);
      const responses = isObj(op.responses) ? op.responses : {};
      for (const [code, why] of required) {
        const name = COMPONENT[code];
        if (!(code in responses)) {
          out.push({
            message: `${at} lacks the ${code} response (${why}); add \`'${code}': {$ref: ../components/responses/${name}.yaml}\`.`,
            path: [...path, ...(isObj(op.responses) ? ['responses'] : [])],
          });
          continue;
        }
        const raw = responses[code];
        const rpath = [...path, 'responses', code];
        if (!isRef(raw)) {
          out.push({
            message: `${at}: the ${code} response is inline; reference the shared component instead (\`$ref: ../components/responses/${name}.yaml\`).`,
            path: rpath,
          });
          continue;
        }
        const target = w.follow({ source: loc.source, pointer: [...loc.pointer, 'responses', code] }, raw);
        const comp = componentAt(target.loc);
        if (comp?.kind !== 'responses') {
          // Reported on the `responses` map: a path through the $ref would point into the referenced file.
          out.push({
            message: `${at}: the ${code} response must \`$ref\` a response component under components/responses/ (e.g. ${name}), not ${raw.$ref}.`,
            path: [...path, 'responses'],
          });
        }
      }
    },
  });
  return out;
}
