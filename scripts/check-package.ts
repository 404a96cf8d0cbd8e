// Checks the publishable package as a consumer gets it:
//   1. `npm run build` when dist/ is stale, then `npm pack` into .tmp/pack/
//   2. publint (warnings fail) and @arethetypeswrong/cli (ESM-only profile) on the tarball
//   3. the runtime dependencies are exactly openapi-fetch (the client), ajv + ajv-formats (the
//      sandbox's request validation) and the MCP server's (SDK, search, YAML, schemas, name suggestions)
//   4. a consumer project with the tarball unpacked into node_modules: its TypeScript (strict, NodeNext)
//      type-checks against the package's .d.ts (the client and `close-crm-openapi/sandbox`), and its
//      JavaScript runs against a 127.0.0.1 server and against a sandbox it starts in-process; the
//      `close-crm-openapi` bin answers --help.
// `tsx scripts/check-package.ts [--no-build]`. Exit code 1 on the first failure. About 15 s.
import { execFileSync, type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsxArgs } from './lib/cli.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = join(root, '.tmp', 'pack');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs a step; prints ✔ with its duration and returns its output, or prints it and exits 1 on failure. */
function run(title: string, cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });
  const out = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (res.status !== 0) {
    console.error(`✖ ${title}\n${out}`);
    process.exit(1);
  }
  console.log(`✔ ${title} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  return out;
}

rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
// --if-changed: a build that is current (npm ci's `prepare` made it) is kept, not deleted and redone, so
// tests that run dist/cli.js at the same time (test/mcp-e2e.test.ts) never see it half-built.
if (!process.argv.includes('--no-build'))
  run('build', process.execPath, tsxArgs(join(root, 'scripts', 'build.ts'), '--if-changed'));

/** The part of `npm pack --json` output read here. */
type Packed = { filename: string; size: number; files: { path: string }[] }[];
const [pack] = JSON.parse(
  // --ignore-scripts: `prepare` would build again (dist/ was just built) and mix its output into the JSON.
  run('npm pack', npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], {
    env: { ...process.env, npm_config_loglevel: 'error' },
  }).replace(/^[^[]*/, ''),
) as Packed;
if (!pack) {
  console.error('✖ npm pack reported no package');
  process.exit(1);
}
const tarball = join(tmp, pack.filename);
const shipped = pack.files.map((f) => f.path);
for (const need of [
  'dist/index.js',
  'dist/index.d.ts',
  'dist/cli.js',
  'dist/sandbox/index.js',
  'dist/sandbox/index.d.ts',
  'generated/schema.d.ts',
  'generated/operations.js',
  'generated/operations.d.ts',
  'generated/aliases.d.ts',
  'generated/openapi.json',
  'generated/openapi.yaml',
]) {
  if (!shipped.includes(need)) {
    console.error(`✖ the package lacks ${need}`);
    process.exit(1);
  }
}
console.log(`  ${pack.filename}: ${shipped.length} files, ${(pack.size / 1024).toFixed(0)} kB packed`);

console.log(
  run('publint', bin('publint'), ['run', tarball, '--strict'])
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n'),
);
// attw only understands JavaScript/JSON entry points: ./openapi.yaml is resolved by the consumer run below.
run('attw (esm-only)', bin('attw'), [
  tarball,
  '--profile',
  'esm-only',
  '--exclude-entrypoints',
  './openapi.yaml',
  '--format',
  'ascii',
]);

// Unpack as a consumer would have it.
const consumer = join(tmp, 'consumer');
const pkgDir = join(consumer, 'node_modules', 'close-crm-openapi');
mkdirSync(pkgDir, { recursive: true });
execFileSync('tar', ['xzf', tarball, '-C', pkgDir, '--strip-components=1']);
const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
};
// The MCP server (`close-crm-openapi mcp`) brings the SDK (and its zod peer), minisearch, stemmer, yaml and
// leven (the closest names to a wrong operation name).
const RUNTIME_DEPENDENCIES = [
  '@modelcontextprotocol/sdk',
  'ajv',
  'ajv-formats',
  'leven',
  'minisearch',
  'openapi-fetch',
  'stemmer',
  'yaml',
  'zod',
];
const deps = Object.keys(manifest.dependencies ?? {}).sort();
if (deps.join() !== RUNTIME_DEPENDENCIES.join()) {
  console.error(
    `✖ runtime dependencies must be exactly ${RUNTIME_DEPENDENCIES.join(', ')}, found: ${deps.join(', ') || 'none'}`,
  );
  process.exit(1);
}
console.log(`✔ runtime dependencies: ${RUNTIME_DEPENDENCIES.join(', ')}`);
// Node resolves a symlinked package from its real path, so their own dependencies are found too.
for (const dep of RUNTIME_DEPENDENCIES) {
  mkdirSync(dirname(join(consumer, 'node_modules', dep)), { recursive: true });
  symlinkSync(join(root, 'node_modules', dep), join(consumer, 'node_modules', dep), 'dir');
}

writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
writeFileSync(
  join(consumer, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      lib: ['ES2022', 'DOM'],
      types: [],
    },
    include: ['app.ts'],
  }),
);
writeFileSync(
  join(consumer, 'app.ts'),
  `import { createCloseClient, paginate, unwrap, CloseApiError, type Lead, type LeadCreate } from 'close-crm-openapi';
import { startSandbox, type RunningSandbox, type SandboxOptions } from 'close-crm-openapi/sandbox';
export async function sandboxed(options: SandboxOptions = { port: 0, seed: 'empty' }): Promise<RunningSandbox> {
  const sandbox = await startSandbox(options);
  // @ts-expect-error not a seed
  await startSandbox({ seed: 'full' });
  sandbox.reset();
  return sandbox;
}
export async function main(baseUrl: string): Promise<string[]> {
  const close = createCloseClient({ apiKey: 'consumer_key_1234', baseUrl });
  const body = { name: 'Acme', 'custom.cf_source': 'Website' } satisfies LeadCreate;
  const lead: Lead = unwrap(await close.POST('/lead/', { body }));
  // @ts-expect-error misspelt field
  await close.POST('/lead/', { body: { nmae: 'x' } });
  const names: string[] = [lead.name ?? ''];
  for await (const l of paginate(close, '/lead/', { params: { query: { _limit: 1 } } })) names.push(l.name ?? '');
  const e: CloseApiError | undefined = undefined;
  void e;
  return names;
}
`,
);
run('consumer type-checks against the packed .d.ts', process.execPath, [
  join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
  '-p',
  join(consumer, 'tsconfig.json'),
]);

writeFileSync(
  join(consumer, 'run.mjs'),
  `import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createCloseClient, paginate, unwrap } from 'close-crm-openapi';
const require = createRequire(import.meta.url);
const spec = require('close-crm-openapi/openapi.json');
if (!spec.paths['/lead/']) throw new Error('openapi.json export lacks /lead/');
require.resolve('close-crm-openapi/openapi.yaml');
const server = createServer((req, res) => {
  const skip = Number(new URL(req.url, 'http://x').searchParams.get('_skip') ?? 0);
  const body = req.method === 'POST' ? { id: 'lead_new', name: 'Acme' } : { has_more: skip < 2, data: [{ id: 'lead_' + skip, name: 'L' + skip }] };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const close = createCloseClient({ apiKey: 'consumer_key_1234', baseUrl: 'http://127.0.0.1:' + server.address().port + '/api/v1' });
const created = unwrap(await close.POST('/lead/', { body: { name: 'Acme' } }));
const names = [];
for await (const l of paginate(close, '/lead/', { params: { query: { _limit: 1 } } })) names.push(l.name);
server.close();
if (created.id !== 'lead_new' || names.join() !== 'L0,L1,L2') throw new Error('unexpected: ' + created.id + ' ' + names.join());
console.log('consumer ran: created ' + created.id + ', paginated ' + names.join(','));

const { startSandbox } = await import('close-crm-openapi/sandbox');
const sandbox = await startSandbox({ port: 0, seed: 'empty' });
try {
  const sb = createCloseClient({ apiKey: 'consumer_key_1234', baseUrl: sandbox.url });
  const lead = unwrap(await sb.POST('/lead/', { body: { name: 'Sandboxed' } }));
  const back = unwrap(await sb.GET('/lead/{lead_id}/', { params: { path: { lead_id: lead.id } } }));
  if (back.name !== 'Sandboxed') throw new Error('the sandbox did not keep the lead: ' + JSON.stringify(back));
  console.log('consumer ran the sandbox: created and read back ' + back.id.slice(0, 5));
} finally {
  await sandbox.close();
}
`,
);
console.log(
  `  ${run('consumer runs the packed JavaScript', process.execPath, [join(consumer, 'run.mjs')], { cwd: consumer })
    .trim()
    .replace(/\n/g, '\n  ')}`,
);
const help = run(
  'the close-crm-openapi bin answers --help',
  process.execPath,
  [join(pkgDir, 'dist', 'cli.js'), '--help'],
  {
    cwd: consumer,
  },
);
if (!help.includes('close-crm-openapi <command>')) {
  console.error(`✖ unexpected --help output:\n${help}`);
  process.exit(1);
}
console.log('package OK');
