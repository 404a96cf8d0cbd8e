import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

// Builds, packs and lints the package (publint, @arethetypeswrong/cli), then type-checks and runs a
// consumer against the packed tarball. See scripts/check-package.ts. About 10-20 s.
it('the npm pack output passes publint and attw and works for a consumer', () => {
  const root = join(import.meta.dirname, '..');
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'check-package.ts')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const out = `${res.stdout}${res.stderr}`;
  expect(out).toContain('consumer ran: created lead_new, paginated L0,L1,L2');
  expect(out).toContain('package OK');
  expect(res.status, out).toBe(0);
}, 150_000);

// What `npm pack` ships (after the build above): exactly the runtime, the types and the exported bundles,
// nothing of src/, test/ or spec/, and not the 6 MB dereferenced bundle (it is in no `exports` entry).
it('the tarball is lean: only dist/, the exported bundles, the types, README, LICENSE', () => {
  const root = join(import.meta.dirname, '..');
  const res = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  expect(res.status, res.stderr).toBe(0);
  const [pack] = JSON.parse(res.stdout.replace(/^[^[]*/, '')) as {
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  if (!pack) throw new Error('npm pack reported no package');
  const files = pack.files.map((f) => f.path).sort();
  const allowed = [
    /^dist\/[\w/-]+\.(js|d\.ts)$/,
    /^generated\/(openapi\.json|openapi\.yaml|schema\.d\.ts|operations\.js|operations\.d\.ts|aliases\.d\.ts)$/,
    /^(LICENSE|README\.md|package\.json)$/,
    // The MCP server offers the Arazzo workflows as prompts (src/mcp/workflows.ts reads them at run time).
    /^workflows\/[\w-]+\.arazzo\.yaml$/,
  ];
  expect(files.filter((f) => !allowed.some((re) => re.test(f)))).toEqual([]);
  for (const f of ['LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/sandbox/index.js', 'generated/openapi.json'])
    expect(files, f).toContain(f);
  // Every export's target ships.
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, string | Record<string, string>>;
  };
  for (const target of Object.values(manifest.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))))
    expect(files, target).toContain(target.replace(/^\.\//, ''));
  expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(
    /^MIT License\n\nCopyright \(c\) \d{4} close-crm-openapi contributors\n/,
  );
  // 334 kB packed and 1.8 MB unpacked when this was written; the deref bundle alone would add 5.9 MB.
  expect(pack.size).toBeLessThan(600_000);
  expect(pack.unpackedSize).toBeLessThan(3_000_000);
}, 90_000);
