import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { GENERATED_INPUTS_HASH_FILE, generatedInputsHash, treeHash } from '../scripts/lib/tree-hash.js';

// `npm start` rebuilds generated/ when the content hash of spec/ differs from generated/inputs.sha256;
// file times (what it compared before) said "changed" for every fresh clone.
const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'tree-hash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the committed stamp matches spec/, so a fresh checkout serves generated/ without rebuilding', () => {
  const stamp = readFileSync(join(root, 'generated', GENERATED_INPUTS_HASH_FILE), 'utf8').trim();
  expect(stamp).toBe(generatedInputsHash(root));
});

it('the hash follows content and names, not file times', () => {
  mkdirSync(join(dir, 'spec', 'paths'), { recursive: true });
  writeFileSync(join(dir, 'spec', 'a.yaml'), 'a: 1\n');
  writeFileSync(join(dir, 'spec', 'paths', 'b.yaml'), 'b: 2\n');
  const before = treeHash(dir, ['spec']);
  utimesSync(join(dir, 'spec', 'a.yaml'), new Date(), new Date(Date.now() + 60_000));
  expect(treeHash(dir, ['spec'])).toBe(before);
  writeFileSync(join(dir, 'spec', 'a.yaml'), 'a: 3\n');
  expect(treeHash(dir, ['spec'])).not.toBe(before);
  writeFileSync(join(dir, 'spec', 'a.yaml'), 'a: 1\n');
  expect(treeHash(dir, ['spec'])).toBe(before);
  // Skipped scratch files do not count; a renamed file does.
  writeFileSync(join(dir, 'spec', '_subset-x.yaml'), 'x\n');
  expect(treeHash(dir, ['spec'], (n) => n.startsWith('_subset-'))).toBe(before);
  rmSync(join(dir, 'spec', '_subset-x.yaml'));
  writeFileSync(join(dir, 'spec', 'c.yaml'), 'a: 1\n');
  rmSync(join(dir, 'spec', 'a.yaml'));
  expect(treeHash(dir, ['spec'])).not.toBe(before);
});
