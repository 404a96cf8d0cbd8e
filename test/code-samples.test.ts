import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { operationIds } from '../generated/operations.js';

// The generated `x-codeSamples` (scripts/code-samples.ts) in the bundle: one curl and one TypeScript sample
// per operation, and every TypeScript sample type-checks against the package's source types under a strict
// consumer's compiler options (tsc over .tmp/code-samples/, `close-crm-openapi` mapped to src/).
const root = join(import.meta.dirname, '..');
const dir = join(root, '.tmp', 'code-samples');
type Sample = { lang: string; label: string; source: string };
type Op = { operationId: string; 'x-codeSamples'?: Sample[] };
const spec = JSON.parse(readFileSync(join(root, 'generated', 'openapi.json'), 'utf8')) as {
  servers: { url: string }[];
  paths: Record<string, Record<string, Op>>;
};
const ops = Object.values(spec.paths).flatMap((item) =>
  Object.values(item).filter((op): op is Op => typeof op === 'object' && op !== null && 'operationId' in op),
);
const sample = (op: Op, lang: string): string => op['x-codeSamples']?.find((s) => s.lang === lang)?.source ?? '';

/**
 * tsc's errors, by file name relative to `dir`. Errors inside src/ are left out: `npm run typecheck` checks
 * src/ under the project's own options.
 */
async function typeCheck(): Promise<Map<string, string[]>> {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const out = await promisify(execFile)(
    process.execPath,
    [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'],
    {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    },
  ).then(
    (r) => r.stdout,
    (err: { stdout?: string }) => err.stdout ?? String(err),
  );
  const errors = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const m = /^([\w-]+\.ts)\(\d+,\d+\): error (.*)$/.exec(line);
    if (m?.[1] && m[2]) errors.set(m[1], [...(errors.get(m[1]) ?? []), m[2]]);
  }
  return errors;
}

describe('generated code samples', () => {
  let errors: Map<string, string[]>;
  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: true,
          noEmit: true,
          paths: { 'close-crm-openapi': [join(root, 'src', 'index.js')] },
        },
        include: ['*.ts'],
      }),
    );
    for (const op of ops) writeFileSync(join(dir, `${op.operationId}.ts`), sample(op, 'TypeScript'));
    // The README's client quick start, under the same strict options (`baseUrl: process.env.X` must compile).
    writeFileSync(
      join(dir, 'readme-quick-start.ts'),
      readFileSync(join(root, 'test', 'client-readme-example.ts'), 'utf8').replace(
        "from '../src/index.js'",
        "from 'close-crm-openapi'",
      ),
    );
    // The check must be able to fail: a sample calling an operation with a wrong path parameter.
    writeFileSync(
      join(dir, 'broken-sample.ts'),
      sample(ops.find((o) => o.operationId === 'getLead') ?? ops[0] ?? { operationId: '' }, 'TypeScript').replace(
        'lead_id:',
        'leadId:',
      ),
    );
    errors = await typeCheck();
  }, 150_000);

  it('every operation of the list has a curl and a TypeScript sample', () => {
    expect(ops.map((o) => o.operationId).sort()).toEqual([...operationIds].sort());
    for (const op of ops) {
      expect(
        op['x-codeSamples']?.map((s) => s.lang),
        op.operationId,
      ).toEqual(['curl', 'TypeScript']);
      expect(sample(op, 'TypeScript'), op.operationId).toContain(`close.call('${op.operationId}'`);
    }
  });

  it('the Servers list names Close and the local sandbox the samples can also be pointed at', () => {
    expect(spec.servers.map((s) => s.url)).toEqual(['https://api.close.com/api/v1', 'http://127.0.0.1:4010/api/v1']);
  });

  it('curl samples take the key from $CLOSE_API_KEY and never show one', () => {
    for (const op of ops) {
      const curl = sample(op, 'curl');
      expect(curl, op.operationId).toMatch(/^curl -X (GET|POST|PUT|DELETE) 'https:\/\/api\.close\.com\/api\/v1\//);
      expect(curl.match(/ -u /g), op.operationId).toHaveLength(1);
      expect(curl, op.operationId).toContain('-u "$CLOSE_API_KEY:"');
      expect(curl, op.operationId).not.toMatch(/Authorization|api_[A-Za-z0-9]{8,}/);
    }
  });

  it('every TypeScript sample and the README quick start type-check (strict, exactOptionalPropertyTypes)', () => {
    const sampleErrors = [...errors].filter(([file]) => file !== 'broken-sample.ts');
    expect(sampleErrors).toEqual([]);
  });

  it('a sample that stops compiling is reported', () => {
    expect(errors.get('broken-sample.ts')?.join('\n')).toMatch(/leadId/);
  });
});
