// close-operation-external-docs: every operation links its developer.close.com page
// (externalDocs.url = https://developer.close.com/...).
import { label, where } from './lib/ops.js';

const URL = /^https:\/\/developer\.close\.com\/\S+$/;

export default function closeExternalDocs(op, _options, context) {
  const { method, pathKey } = where(context);
  const at = label(method, pathKey);
  const docs = op?.externalDocs;
  if (docs === undefined || docs === null || typeof docs !== 'object') {
    return [
      {
        message: `${at} has no externalDocs; add \`externalDocs: {url: https://developer.close.com/api/resources/...}\` pointing at its developer.close.com page.`,
        path: [...context.path],
      },
    ];
  }
  if (typeof docs.url !== 'string' || !URL.test(docs.url)) {
    return [
      {
        message: `${at}: externalDocs.url must be a https://developer.close.com/ page (got ${JSON.stringify(docs.url ?? null)}).`,
        path: [...context.path, 'externalDocs', 'url'],
      },
    ];
  }
  return [];
}
