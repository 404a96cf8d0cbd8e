// close-inline-object-schema: an object schema that declares `properties` is a component of its own.
// Allowed places for `properties`: the top level of a schema component
// (spec/components/schemas/<Name>.yaml, #/components/schemas/<Name>) and the direct members of that
// top level's allOf/anyOf/oneOf (e.g. the `{data: …}` member of a `<Resource>List`). Everywhere else —
// under properties, patternProperties, items, additionalProperties, prefixItems, $defs, a nested
// combinator, or an inline schema of a parameter or header — it must be a `$ref` to a schema
// component. Not counted: conditions on the parent instance (not/if/then/else/contains/propertyNames,
// e.g. `if: {properties: {status: {const: draft}}}`), which describe no value of their own.
// (Inline media-type schemas are reported by close-media-schema-ref instead.)
import { createWalker } from './lib/oas-walk.js';

/** @import { IFunctionResult, RulesetFunction } from '@stoplight/spectral-core' */

/** @type {RulesetFunction} */
export default function closeInlineObjectSchema(_input, _options, context) {
  const w = createWalker(context);
  /** @type {IFunctionResult[]} */
  const out = [];
  w.walk({
    schema(node, { position, component, mediaRoot, assertion, path }) {
      if (mediaRoot || assertion || position === 'root' || position === 'rootMember') return;
      if (node.properties === undefined) return;
      const where = component ? `inside the ${component} component` : 'outside the schema components';
      out.push({
        message: `Inline object schema with properties ${where}; move it to spec/components/schemas/<Name>.yaml (title + description) and \`$ref\` it.`,
        path,
      });
    },
  });
  return out;
}
