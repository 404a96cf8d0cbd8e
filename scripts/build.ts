// `npm run build` (tsx scripts/build.ts): compiles src/ into dist/ (ESM JavaScript + .d.ts) for the published package.
// dist/*.js import the generated operation list from ../generated/operations.js and dist/*.d.ts refer
// to ../generated/schema.d.ts, operations.d.ts and aliases.d.ts; all ship in the package (package.json `files`).
// `--if-changed` (the `prepare` script: it runs on every `npm install`/`npm ci` here and when the package is
// installed from git) skips the compile when dist/ was built from the same inputs, by content hash.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeHash } from './lib/tree-hash.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
for (const f of [
  'generated/schema.d.ts',
  'generated/operations.js',
  'generated/operations.d.ts',
  'generated/aliases.d.ts',
]) {
  if (!existsSync(join(root, f))) {
    console.error(`build: ${f} is missing; run \`npm run generate\` first.`);
    process.exit(1);
  }
}
// Everything tsc reads for dist/. The stamp lives in .tmp/ (git-ignored), not in dist/, so it never ships.
const inputs = treeHash(root, [
  'src',
  'generated/schema.d.ts',
  'generated/operations.js',
  'generated/operations.d.ts',
  'generated/aliases.d.ts',
  'tsconfig.json',
  'tsconfig.build.json',
]);
const stamp = join(root, '.tmp', 'build.sha256');
if (
  process.argv.includes('--if-changed') &&
  existsSync(join(dist, 'index.js')) &&
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8') === inputs
) {
  console.log('build: dist/ is up to date');
  process.exit(0);
}
rmSync(stamp, { force: true });
rmSync(dist, { recursive: true, force: true });
try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    { cwd: root, stdio: 'inherit' },
  );
} catch {
  console.error('build: tsc failed');
  process.exit(1);
}
const files = readdirSync(dist).sort();
for (const need of ['index.js', 'index.d.ts']) {
  if (!files.includes(need)) {
    console.error(`build: dist/${need} was not produced`);
    process.exit(1);
  }
}
mkdirSync(dirname(stamp), { recursive: true });
writeFileSync(stamp, inputs);
console.log(`build: dist/ (${files.length} files: ${files.join(', ')})`);
