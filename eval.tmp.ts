import { loadBundledSpec } from './src/lib/spec-validator.js';
import { OperationSearch } from './src/mcp/search.js';
import { loadPhrasings, score } from './test/support/mcp-search-eval.js';
const s = new OperationSearch(loadBundledSpec());
for (const set of ['tuning', 'holdout'] as const) {
  const r = score(s, loadPhrasings(set));
  console.log(set, r.count, r.top1.toFixed(3), r.top3.toFixed(3));
  if (set === 'tuning' || process.argv[2]) for (const m of r.misses) console.log('  ', m.query, '→', m.got.join(','), 'want', m.expected);
}
