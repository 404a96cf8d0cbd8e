// Each house rule of .spectral.yaml can fail: the broken specs of test/support/bad-specs.ts (good.yaml with one
// break each, written at test time into .tmp/bad-specs/<pid>/, plus the hand-written multi-file case) must
// make Spectral report exactly the rule codes their case expects, the baseline good.yaml must lint clean, and
// so must the real bundle (generated/openapi.json).
// One Spectral CLI run for all of them (≈6 s), results mapped back to their input by source file.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { badSpecCases, badSpecFile, goodSpec, multiFileCase, writeBadSpecs } from './support/bad-specs.js';

type SpectralResult = {
  code: string;
  message: string;
  source?: string;
  severity: number;
  path: string[];
  range: { start: { line: number } };
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Per process, so that parallel runs never lint each other's files; emptied first in case a crashed run with
// the same pid left it behind.
const tmpDir = join(root, '.tmp', 'bad-specs', String(process.pid));
const bundle = join(root, 'generated', 'openapi.json');
const multiRoot = multiFileCase.root;
const multiDir = dirname(multiRoot);

/** Every linted input but the bundle, with the exact (sorted) rule codes it must produce. */
const inputs: { name: string; file: string; expect: string[] }[] = [
  { name: 'good.yaml', file: goodSpec, expect: [] },
  ...badSpecCases.map((c) => ({
    name: `${c.name}.yaml`,
    file: badSpecFile(tmpDir, c),
    expect: [...c.expect].sort(),
  })),
  { name: relative(dirname(multiDir), multiRoot), file: multiRoot, expect: [...multiFileCase.expect].sort() },
];

/** Which linted input a result belongs to (results of the multi-file spec come from several files). */
function owner(source: string | undefined): string {
  const abs = resolve(root, source ?? '');
  if (abs.startsWith(multiDir + sep)) return multiRoot;
  return abs;
}

let results: SpectralResult[] = [];
const byInput = new Map<string, SpectralResult[]>();
const houseRules = Object.keys(parse(readFileSync(join(root, '.spectral.yaml'), 'utf8')).rules ?? {}).filter((r) =>
  r.startsWith('close-'),
);

beforeAll(() => {
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  writeBadSpecs(tmpDir);
  const out = join(tmpDir, 'spectral.json');
  const cli = join(root, 'node_modules', '@stoplight', 'spectral-cli', 'dist', 'index.js');
  const run = spawnSync(
    process.execPath,
    [
      cli,
      'lint',
      ...inputs.map((i) => relative(root, i.file)),
      relative(root, bundle),
      '-r',
      '.spectral.yaml',
      '-f',
      'json',
      '-o',
      out,
      '--fail-severity=error',
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  // Exit 1 is expected (the bad specs have errors); anything else means Spectral itself failed.
  if (run.status !== 0 && run.status !== 1) throw new Error(`spectral exited ${run.status}: ${run.stderr}`);
  results = JSON.parse(readFileSync(out, 'utf8')) as SpectralResult[];
  for (const r of results) {
    const key = owner(r.source);
    byInput.set(key, [...(byInput.get(key) ?? []), r]);
  }
}, 120_000);

afterAll(() => {
  rmSync(tmpDir, { recursive: true, force: true });
});

const describeResult = (r: SpectralResult) =>
  `${relative(root, r.source ?? '')}:${r.range.start.line + 1} ${r.code} ${r.message}`;

describe('Spectral house rules', () => {
  it('.spectral.yaml defines the house rules', () => {
    expect(houseRules.length).toBeGreaterThanOrEqual(12);
  });

  it('every house rule is proven by at least one bad spec', () => {
    const covered = new Set(inputs.flatMap((i) => i.expect));
    expect(houseRules.filter((r) => !covered.has(r))).toEqual([]);
  });

  it('every result belongs to a linted input', () => {
    const files = new Set([...inputs.map((i) => i.file), bundle]);
    expect(results.filter((r) => !files.has(owner(r.source))).map(describeResult)).toEqual([]);
  });

  it.each(inputs.map((i) => [i.name, i] as const))('%s reports exactly its expected rules', (_name, input) => {
    const mine = byInput.get(input.file) ?? [];
    const got = [...new Set(mine.map((r) => r.code))].sort();
    expect(got, mine.map(describeResult).join('\n')).toEqual(input.expect);
  });

  it('house-rule findings are errors', () => {
    const soft = results.filter((r) => r.code.startsWith('close-') && r.severity !== 0);
    expect(soft.map(describeResult)).toEqual([]);
  });

  it('the multi-file source is checked in the referenced files, at the referencing line', () => {
    const mine = byInput.get(multiRoot) ?? [];
    const files = new Set(
      mine.filter((r) => r.code.startsWith('close-')).map((r) => relative(dirname(multiDir), r.source ?? '')),
    );
    expect([...files].sort()).toEqual([
      join('multi-file', 'components', 'responses', 'TooManyRequests.yaml'),
      join('multi-file', 'components', 'schemas', 'Lead.yaml'),
      join('multi-file', 'paths', 'lead@{lead_id}.yaml'),
    ]);
  });

  it('the real bundle (generated/openapi.json) is clean: no errors, no warnings', () => {
    expect((byInput.get(bundle) ?? []).map(describeResult)).toEqual([]);
  });
});
