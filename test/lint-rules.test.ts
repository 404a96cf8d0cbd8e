// Each house rule of .spectral.yaml can fail: the broken specs in test/fixtures/bad-specs/ (one break
// each, named on their `# expect:` line) must make Spectral report exactly the expected rule codes,
// the baseline good.yaml must lint clean, and so must the real bundle (generated/openapi.json).
// One Spectral CLI run for all of them (≈6 s), results mapped back to their fixture by source file.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

type SpectralResult = {
  code: string;
  message: string;
  source?: string;
  severity: number;
  path: string[];
  range: { start: { line: number } };
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const badDir = join(root, 'test', 'fixtures', 'bad-specs');
const bundle = join(root, 'generated', 'openapi.json');
const singleFiles = readdirSync(badDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const multiRoot = join(badDir, 'multi-file', 'openapi.yaml');
const fixtures = [...singleFiles.map((f) => join(badDir, f)), multiRoot];

/** The codes a fixture must produce, from its `# expect:` comment (good.yaml: none). */
function expected(file: string): string[] {
  const line = /^# expect: (.*)$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
  if (line.startsWith('(nothing)')) return [];
  return line
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .sort();
}

/** Which linted input a result belongs to (results of the multi-file spec come from several files). */
function owner(source: string | undefined): string {
  const abs = resolve(root, source ?? '');
  if (abs.startsWith(join(badDir, 'multi-file') + sep)) return multiRoot;
  return abs;
}

let results: SpectralResult[] = [];
const byInput = new Map<string, SpectralResult[]>();
const houseRules = Object.keys(parse(readFileSync(join(root, '.spectral.yaml'), 'utf8')).rules ?? {}).filter((r) =>
  r.startsWith('close-'),
);

beforeAll(() => {
  const out = join(root, '.tmp', `lint-rules-${process.pid}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const cli = join(root, 'node_modules', '@stoplight', 'spectral-cli', 'dist', 'index.js');
  const run = spawnSync(
    process.execPath,
    [
      cli,
      'lint',
      ...fixtures.map((f) => relative(root, f)),
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
  rmSync(out, { force: true });
  for (const r of results) {
    const key = owner(r.source);
    byInput.set(key, [...(byInput.get(key) ?? []), r]);
  }
}, 120_000);

const describeResult = (r: SpectralResult) =>
  `${relative(root, r.source ?? '')}:${r.range.start.line + 1} ${r.code} ${r.message}`;

describe('Spectral house rules', () => {
  it('.spectral.yaml defines the house rules', () => {
    expect(houseRules.length).toBeGreaterThanOrEqual(12);
  });

  it('every house rule is proven by at least one bad spec', () => {
    const covered = new Set(fixtures.flatMap(expected));
    expect(houseRules.filter((r) => !covered.has(r))).toEqual([]);
  });

  it('every result belongs to a linted input', () => {
    const inputs = new Set([...fixtures, bundle]);
    expect(results.filter((r) => !inputs.has(owner(r.source))).map(describeResult)).toEqual([]);
  });

  it.each(fixtures.map((f) => [relative(badDir, f), f] as const))(
    '%s reports exactly its expected rules',
    (_name, file) => {
      const want = expected(file);
      const got = [...new Set((byInput.get(file) ?? []).map((r) => r.code))].sort();
      expect(got, (byInput.get(file) ?? []).map(describeResult).join('\n')).toEqual(want);
    },
  );

  it('house-rule findings are errors', () => {
    const soft = results.filter((r) => r.code.startsWith('close-') && r.severity !== 0);
    expect(soft.map(describeResult)).toEqual([]);
  });

  it('the multi-file source is checked in the referenced files, at the referencing line', () => {
    const mine = byInput.get(multiRoot) ?? [];
    const files = new Set(mine.filter((r) => r.code.startsWith('close-')).map((r) => relative(badDir, r.source ?? '')));
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
