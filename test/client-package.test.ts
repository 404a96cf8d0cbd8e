import { spawnSync } from 'node:child_process';
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
