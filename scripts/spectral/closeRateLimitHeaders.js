// close-429-headers: every 429 response declares the `RateLimit` and `Retry-After` headers (the
// contract of Close's rate limiting; the 429 body is deprecated).
import { createWalker, isObj } from './lib/oas-walk.js';

/** @import { IFunctionResult, RulesetFunction } from '@stoplight/spectral-core' */

const NEEDED = ['RateLimit', 'Retry-After'];

/** @type {RulesetFunction} */
export default function closeRateLimitHeaders(_input, _options, context) {
  const w = createWalker(context);
  /** @type {IFunctionResult[]} */
  const out = [];
  /** @type {Set<string>} */
  const checked = new Set();
  w.walk({
    response(res, { status, loc, path }) {
      if (status !== '429') return;
      const k = `${loc.source}#/${loc.pointer.join('/')}`;
      if (checked.has(k)) return;
      checked.add(k);
      const names = Object.keys(isObj(res.headers) ? res.headers : {}).map((n) => n.toLowerCase());
      const missing = NEEDED.filter((h) => !names.includes(h.toLowerCase()));
      if (missing.length) {
        out.push({
          message: `429 response lacks the ${missing.join(' and ')} header${missing.length > 1 ? 's' : ''}; use \`$ref: ../components/responses/TooManyRequests.yaml\` or declare them.`,
          path: [...path, ...(isObj(res.headers) ? ['headers'] : [])],
        });
      }
    },
  });
  return out;
}
