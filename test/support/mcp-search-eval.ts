// Scores search_operations on a phrasing set (test/fixtures/mcp-phrasings*.json): top-1 and top-3
// rates and the misses. Shared by test/mcp-search.test.ts and bench/mcp.ts so both report the same figures.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationSearch } from '../../src/mcp/search.js';

export type Phrasing = [query: string, operationId: string];
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

const FILES = {
  tuning: 'mcp-phrasings.json',
  holdout: 'mcp-phrasings-holdout.json',
  blind: 'mcp-phrasings-blind.json',
  unseen: 'mcp-phrasings-unseen.json',
} as const;

export function loadPhrasings(set: keyof typeof FILES): Phrasing[] {
  const file = FILES[set];
  const { phrasings } = JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as { phrasings: Phrasing[] };
  return phrasings.map(([query, operationId]) => [query, operationId]);
}

export interface SearchScore {
  count: number;
  top1: number;
  top3: number;
  misses: { query: string; expected: string; got: string[] }[];
}

export function score(search: OperationSearch, phrasings: readonly Phrasing[]): SearchScore {
  let top1 = 0;
  let top3 = 0;
  const misses: SearchScore['misses'] = [];
  for (const [query, expected] of phrasings) {
    const got = search.search(query, 3).map((r) => r.operationId);
    if (got[0] === expected) top1++;
    if (got.includes(expected)) top3++;
    if (got[0] !== expected) misses.push({ query, expected, got });
  }
  return { count: phrasings.length, top1: top1 / phrasings.length, top3: top3 / phrasings.length, misses };
}
