// close-media-schema-ref: the schema of every request-body and response media type is a `$ref` to a
// schema component (spec/components/schemas/<Name>.yaml; #/components/schemas/<Name> in the bundle),
// never an inline schema, so that every body has a named TypeScript type.
import { componentAt, createWalker, isRef } from './lib/oas-walk.js';

/** @import { IFunctionResult, RulesetFunction } from '@stoplight/spectral-core' */

/** @type {RulesetFunction} */
export default function closeMediaSchemaRef(_input, _options, context) {
  const w = createWalker(context);
  /** @type {IFunctionResult[]} */
  const out = [];
  /** @type {Set<string>} */
  const seen = new Set();
  w.walk({
    mediaType(media, { owner, type, loc, path, status }) {
      if (owner !== 'response' && owner !== 'requestBody') return;
      const k = `${loc.source}#/${loc.pointer.join('/')}`;
      if (seen.has(k)) return;
      seen.add(k);
      const what = owner === 'response' ? `response ${status ?? ''}`.trim() : 'request body';
      if (media.schema === undefined) {
        out.push({
          message: `The ${what} (${type}) has no schema; add \`schema: {$ref: ../components/schemas/<Name>.yaml}\`.`,
          path,
        });
        return;
      }
      if (!isRef(media.schema)) {
        out.push({
          message: `The ${what} schema (${type}) is inline; move it to spec/components/schemas/<Name>.yaml and \`$ref\` it.`,
          path: [...path, 'schema'],
        });
        return;
      }
      const target = w.follow({ source: loc.source, pointer: [...loc.pointer, 'schema'] }, media.schema);
      const comp = componentAt(target.loc);
      if (comp?.kind !== 'schemas') {
        out.push({
          message: `The ${what} schema (${type}) must \`$ref\` a whole schema component, not ${media.schema.$ref}.`,
          path,
        });
      }
    },
  });
  return out;
}
