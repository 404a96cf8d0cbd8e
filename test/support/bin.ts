// The package's `bin` (dist/cli.js) as a user's MCP client starts it, built from the current src/
// first (`--if-changed`: a no-op when dist/ is current).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The path of the bin package.json names, built if src/ changed since the last build. */
export function builtBin(): string {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = join(root, manifest.bin['close-crm-openapi'] ?? '');
  const build = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build.ts'), '--if-changed'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0 || !existsSync(bin)) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  return bin;
}
