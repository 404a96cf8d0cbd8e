// close-schema-docs: every schema component has a `title` equal to its component name (= file name,
// which becomes the TypeScript type name) and a non-empty `description`.
import { createWalker } from './lib/oas-walk.js';

/** @import { IFunctionResult, RulesetFunction } from '@stoplight/spectral-core' */

/** @param {unknown} v */
const text = (v) => typeof v === 'string' && v.trim() !== '';

/** @type {RulesetFunction} */
export default function closeSchemaDocs(_input, _options, context) {
  const w = createWalker(context);
  /** @type {IFunctionResult[]} */
  const out = [];
  w.walk({
    schema(node, { position, component, path }) {
      if (position !== 'root') return;
      if (!text(node.title))
        out.push({ message: `Schema component ${component} has no title; add \`title: ${component}\`.`, path });
      else if (node.title !== component)
        out.push({
          message: `Schema component ${component} has title "${node.title}"; the title must equal the component (file) name: \`title: ${component}\`.`,
          path: [...path, 'title'],
        });
      if (!text(node.description))
        out.push({
          message: `Schema component ${component} has no description; say what it is (and what is uncertain).`,
          path,
        });
    },
  });
  return out;
}
