// close-operation-external-docs: every operation links its developer.close.com page
// (externalDocs.url = https://developer.close.com/...).
import { get } from './lib/oas-walk.js';
import { label, where } from './lib/ops.js';

/** @import { RulesetFunction } from '@stoplight/spectral-core' */

const URL = /^https:\/\/developer\.close\.com\/\S+$/;

/** @type {RulesetFunction} */
export default function closeExternalDocs(op, _options, context) {
  const { method, pathKey } = where(context);
  const at = label(method, pathKey);
  const docs = get(op, 'externalDocs');
  if (docs === undefined || docs === null || typeof docs !== 'object') {
    return [
      {
        message: `${at} has no externalDocs; add \`externalDocs: {url: https://developer.close.com/api/resources/...}\` pointing at its developer.close.com page.`,
        path: [...context.path],
      },
    ];
  }
  const url = get(docs, 'url');
  if (typeof url !== 'string' || !URL.test(url)) {
    return [
      {
        message: `${at}: externalDocs.url must be a https://developer.close.com/ page (got ${JSON.stringify(url ?? null)}).`,
        path: [...context.path, 'externalDocs', 'url'],
      },
    ];
  }
  return [];
}
