// close-no-nullable: OpenAPI 3.1 has no `nullable`; write `type: [X, 'null']` (or
// `anyOf: [{$ref: …}, {type: 'null'}]`) instead.
import { createWalker } from './lib/oas-walk.js';

/** @import { IFunctionResult, RulesetFunction } from '@stoplight/spectral-core' */

/** @type {RulesetFunction} */
export default function closeNoNullable(_input, _options, context) {
  const w = createWalker(context);
  /** @type {IFunctionResult[]} */
  const out = [];
  w.walk({
    schema(node, { path }) {
      if ('nullable' in node)
        out.push({
          message:
            "`nullable` does not exist in OpenAPI 3.1; use `type: [<type>, 'null']` (or anyOf with `{type: 'null'}` for a $ref).",
          path: [...path, 'nullable'],
        });
    },
  });
  return out;
}
