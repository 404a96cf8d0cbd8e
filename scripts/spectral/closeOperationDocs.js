// close-operation-docs: every operation has a summary, a description and exactly one tag.
import { get } from './lib/oas-walk.js';
import { label, where } from './lib/ops.js';

/** @import { IFunctionResult, RulesetFunction } from '@stoplight/spectral-core' */

/** @param {unknown} v */
const text = (v) => typeof v === 'string' && v.trim() !== '';

/** @type {RulesetFunction} */
export default function closeOperationDocs(op, _options, context) {
  const { method, pathKey } = where(context);
  const at = label(method, pathKey);
  /** @type {IFunctionResult[]} */
  const out = [];
  if (!text(get(op, 'summary')))
    out.push({
      message: `${at} has no summary; add one that starts with the verb ("List leads").`,
      path: [...context.path],
    });
  if (!text(get(op, 'description')))
    out.push({
      message: `${at} has no description; describe what it does and what is uncertain.`,
      path: [...context.path],
    });
  const tags = get(op, 'tags');
  if (!Array.isArray(tags) || tags.length !== 1) {
    const n = Array.isArray(tags) ? tags.length : 0;
    out.push({
      message: `${at} has ${n} tags; give it exactly one tag from the root \`tags\` list.`,
      path: [...context.path, ...(Array.isArray(tags) ? ['tags'] : [])],
    });
  }
  return out;
}
