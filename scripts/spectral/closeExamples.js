// close-examples: every success (2xx) response body and every request body has at least one example
// per media type (`examples` map, or `example`), and every named example is either a `$ref` to
// components/examples/ or an inline Example object with a `summary`. A 2xx response other than
// 204/205 must have a body.
import { componentAt, createWalker, isObj, isRef } from './lib/oas-walk.js';
import { label } from './lib/ops.js';

/** @import { IFunctionResult, RulesetFunction } from '@stoplight/spectral-core' */
/** @import { Loc, Obj, Operation, Path } from './lib/oas-walk.js' */

/** @param {string | undefined} s */
const success = (s) => /^2(\d\d|XX)$/.test(String(s));

/** @type {RulesetFunction} */
export default function closeExamples(_input, _options, context) {
  const w = createWalker(context);
  /** @type {IFunctionResult[]} */
  const out = [];
  /** @type {Set<string>} */
  const seen = new Set();
  /** @param {Operation | undefined} operation */
  const at = (operation) => (operation ? `${label(operation.method, operation.pathKey)}: ` : '');
  /**
   * @param {Obj} media
   * @param {Loc} loc
   * @param {Path} path
   * @param {string} what
   */
  function checkMedia(media, loc, path, what) {
    const k = `${loc.source}#/${loc.pointer.join('/')}`;
    if (seen.has(k)) return;
    seen.add(k);
    const named = isObj(media.examples) ? Object.entries(media.examples) : [];
    if (named.length === 0 && media.example === undefined) {
      out.push({
        message: `${what} has no example; add a named example under \`examples:\` (a $ref to components/examples/ or {summary, value}).`,
        path,
      });
      return;
    }
    for (const [name, ex] of named) {
      if (isRef(ex)) {
        const target = w.follow({ source: loc.source, pointer: [...loc.pointer, 'examples', name] }, ex);
        const comp = componentAt(target.loc);
        if (comp?.kind !== 'examples')
          out.push({
            message: `${what}: example "${name}" must $ref a component under components/examples/, not ${ex.$ref}.`,
            path: [...path, 'examples'],
          });
      } else if (!isObj(ex) || typeof ex.summary !== 'string' || ex.summary.trim() === '') {
        out.push({
          message: `${what}: inline example "${name}" needs a \`summary\` (or move it to components/examples/ and $ref it).`,
          path: [...path, 'examples', name],
        });
      }
    }
  }
  w.walk({
    response(res, { status, operation, path }) {
      if (!success(status) || status === '204' || status === '205') return;
      if (!isObj(res.content) || Object.keys(res.content).length === 0) {
        out.push({
          message: `${at(operation)}success response ${status} has no content; declare the body with a $ref schema and an example.`,
          path,
        });
      }
    },
    mediaType(media, { owner, status, operation, type, loc, path }) {
      if (owner === 'requestBody') checkMedia(media, loc, path, `${at(operation)}request body (${type})`);
      else if (owner === 'response' && success(status))
        checkMedia(media, loc, path, `${at(operation)}response ${status} (${type})`);
    },
  });
  return out;
}
