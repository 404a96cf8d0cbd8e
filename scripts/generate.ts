// Builds every artifact in generated/ from spec/:
//   bundle  generated/openapi.json (refs kept inside) with generated `x-codeSamples` on every operation
//           (scripts/code-samples.ts), then generated/openapi.yaml and generated/openapi.deref.json from it
//   types   generated/schema.d.ts (openapi-typescript, then scripts/patch-types.ts), generated/operations.js
//           + .d.ts and generated/aliases.d.ts (scripts/gen-operations.ts), and the README's operation table
//   docs    generated/docs/index.html (Redoc, self-contained, scripts/build-docs.ts)
// `tsx scripts/generate.ts [bundle|types|docs ...]` builds the named steps (all by default).
// `--check` builds everything into a scratch folder and fails when generated/ (or the README's operation
// table) differs from it. A full build also writes generated/inputs.sha256, the content hash of what it
// was built from (scripts/lib/tree-hash.ts), which `npm start` compares to decide whether to rebuild (file
// times cannot tell: a fresh clone gives every file the checkout time).
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addCodeSamples } from './code-samples.js';
import { childOutput, tsxArgs } from './lib/cli.js';
import { GENERATED_INPUTS_HASH_FILE, generatedInputsHash } from './lib/tree-hash.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };

function run(cmd: string, args: string[]): void {
  try {
    execFileSync(bin(cmd), args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    process.stderr.write(childOutput(err));
    throw new Error(`${cmd} ${args.join(' ')} failed`);
  }
}

const order = ['bundle', 'types', 'docs'] as const;
type Step = (typeof order)[number];
const isStep = (name: string): name is Step => (order as readonly string[]).includes(name);

/** Each step writes its files into `out` (generated/, or a scratch folder for --check). */
const steps: Record<Step, (out: string) => void> = {
  bundle(out) {
    const src = 'spec/openapi.yaml';
    const json = join(out, 'openapi.json');
    run('redocly', ['bundle', src, '-o', json]);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    addCodeSamples(doc);
    writeFileSync(json, `${JSON.stringify(doc, null, 2)}\n`);
    // The YAML and the dereferenced bundle are made from the JSON, so all three carry the same samples.
    run('redocly', ['bundle', json, '-o', join(out, 'openapi.yaml')]);
    run('redocly', ['bundle', json, '--dereferenced', '-o', join(out, 'openapi.deref.json')]);
  },
  types(out) {
    run('openapi-typescript', [
      join(out, 'openapi.json'),
      '-o',
      join(out, 'schema.d.ts'),
      '--redocly',
      'openapi-ts.redocly.yaml',
    ]);
    execFileSync(process.execPath, tsxArgs(join(root, 'scripts', 'patch-types.ts'), join(out, 'schema.d.ts')), {
      cwd: root,
      stdio: 'inherit',
    });
    // generated/operations.js + .d.ts (the operation list everything is keyed by) and aliases.d.ts. The README
    // is rewritten in place on a real build; --check renders it into the scratch folder's parent to compare.
    const readme = out === join(root, 'generated') ? join(root, 'README.md') : readmeCopy(out);
    execFileSync(process.execPath, tsxArgs(join(root, 'scripts', 'gen-operations.ts'), out, '--readme', readme), {
      cwd: root,
      stdio: 'inherit',
    });
  },
  docs(out) {
    execFileSync(
      process.execPath,
      tsxArgs(join(root, 'scripts', 'build-docs.ts'), join(out, 'openapi.json'), join(out, 'docs')),
      { cwd: root, stdio: 'inherit' },
    );
  },
};

/** Where a scratch build's README copy goes: beside it, not inside, so it is not compared as a generated file. */
const readmeCopyPath = (out: string): string => join(dirname(out), `${basename(out)}.README.md`);
function readmeCopy(out: string): string {
  copyFileSync(join(root, 'README.md'), readmeCopyPath(out));
  return readmeCopyPath(out);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

function build(out: string, names: readonly Step[]): void {
  mkdirSync(out, { recursive: true });
  for (const name of names) steps[name](out);
  // Only a full build vouches for every output; a partial one leaves the old stamp, which then no longer
  // matches a changed spec/, so `npm start` rebuilds.
  if (names.length === order.length)
    writeFileSync(join(out, GENERATED_INPUTS_HASH_FILE), `${generatedInputsHash(root)}\n`);
}

const args = process.argv.slice(2);
const check = args.includes('--check');
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) if (!isStep(n)) throw new Error(`unknown step ${n}; steps: ${order.join(', ')}`);
const selected = names.length ? order.filter((n) => names.includes(n)) : order;

if (check) {
  const scratch = join(root, '.tmp', 'generated-check');
  rmSync(scratch, { recursive: true, force: true });
  build(scratch, order);
  const committed = join(root, 'generated');
  const want = listFiles(scratch)
    .map((p) => relative(scratch, p))
    .sort();
  const have = existsSync(committed)
    ? listFiles(committed)
        .map((p) => relative(committed, p))
        .sort()
    : [];
  const problems: string[] = [];
  for (const f of want) {
    if (!have.includes(f)) problems.push(`missing: generated/${f}`);
    else if (!readFileSync(join(scratch, f)).equals(readFileSync(join(committed, f))))
      problems.push(`stale: generated/${f}`);
  }
  for (const f of have) if (!want.includes(f)) problems.push(`not produced by the build (remove it): generated/${f}`);
  const readme = readmeCopyPath(scratch);
  if (!readFileSync(readme).equals(readFileSync(join(root, 'README.md'))))
    problems.push('stale: the operation table in README.md');
  rmSync(scratch, { recursive: true, force: true });
  rmSync(readme, { force: true });
  if (problems.length) {
    console.error(
      `generated/ does not match spec/:\n  ${problems.join('\n  ')}\nRun \`npm run generate\` and commit the result.`,
    );
    process.exit(1);
  }
  console.log(`generated/ is up to date (${want.length} files).`);
} else {
  build(join(root, 'generated'), selected);
  console.log(`generated: ${selected.join(', ')}`);
}
