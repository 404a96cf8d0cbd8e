import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 11's "done when": a strict consumer project installs the package from a `git+file:` URL of a clone of
// this repository's HEAD (committed state, as CI sees it; `prepare` builds dist/ in npm's copy), type-checks
// the five automations of test/consumer/ against the installed .d.ts and runs them against a sandbox started
// from the installed `close-crm-openapi/sandbox`. npm works from its cache (--prefer-offline, no audit/fund);
// the install is most of the time (about a minute: npm installs the clone's devDependencies to run prepare).
const root = join(import.meta.dirname, '..');
const sources = join(root, 'test', 'consumer');
const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const STRICT = { strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true };

/** Non-null assertions and `as`/`<T>` casts in a source, with their line. */
function assertionsIn(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isNonNullExpression(node) || ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      found.push(`${line + 1}: ${node.getText(source)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('a strict consumer installs the package from git and runs the five automations', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'consumer-install-'));
  const clone = join(tmp, 'clone');
  const consumer = join(tmp, 'consumer');
  const installed = join(consumer, 'node_modules', 'close-crm-openapi');
  let typeErrors = '';
  let output = '';

  beforeAll(async () => {
    const { stdout: sha } = await run('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
    // init + fetch of the commit (not `git clone`): HEAD may be detached, on no branch a clone would fetch.
    mkdirSync(clone);
    await run('git', ['init', '--quiet'], { cwd: clone });
    await run('git', ['fetch', '--quiet', '--depth', '1', `file://${root}`, sha.trim()], { cwd: clone });
    await run('git', ['checkout', '--quiet', '-b', 'consumer-test', 'FETCH_HEAD'], { cwd: clone });

    mkdirSync(join(consumer, 'src'), { recursive: true });
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const env = { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' };
    await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', `git+file://${clone}#${sha.trim()}`], {
      cwd: consumer,
      env,
      encoding: 'utf8',
      timeout: 420_000,
    });

    cpSync(sources, join(consumer, 'src'), { recursive: true });
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          types: ['node'],
          // The consumer installs nothing but the package: TypeScript and Node's types come from here.
          typeRoots: [join(root, 'node_modules', '@types')],
          ...STRICT,
          // The package's own .d.ts are checked under these options too.
          skipLibCheck: false,
          rootDir: 'src',
          outDir: 'out',
        },
        include: ['src'],
      }),
    );
    typeErrors = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
      cwd: consumer,
      encoding: 'utf8',
      timeout: 120_000,
    }).then(
      () => '',
      (err: { stdout?: string }) => err.stdout || String(err),
    );
    if (!typeErrors) {
      output = (
        await run(process.execPath, [join(consumer, 'out', 'run.js')], {
          cwd: consumer,
          encoding: 'utf8',
          timeout: 60_000,
        })
      ).stdout;
    }
  }, 600_000);

  // Deleting the clone and its node_modules can take longer than the default hook timeout on a busy machine.
  afterAll(() => rmSync(tmp, { recursive: true, force: true }), 120_000);

  it('the git install is a built package: dist/ (made by prepare), the typed operation list, LICENSE', () => {
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/sandbox/index.js', 'generated/schema.d.ts', 'LICENSE'])
      expect(existsSync(join(installed, f)), f).toBe(true);
    expect(existsSync(join(installed, 'generated', 'openapi.deref.json'))).toBe(false);
    expect(existsSync(join(installed, 'src'))).toBe(false);
  });

  it("the README's MCP client config for a git install starts: node <folder>/node_modules/…/dist/cli.js mcp --sandbox", async () => {
    const client = new Client({ name: 'readme-config', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: 'node',
        args: [join(installed, 'dist', 'cli.js'), 'mcp', '--sandbox'],
        env: { ...(process.env as Record<string, string>), CLOSE_API_KEY: '' },
        stderr: 'ignore',
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('list_leads');
      const me = await client.callTool({ name: 'get_me', arguments: {} });
      expect(me.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  }, 60_000);

  it('the automations type-check under strict, exactOptionalPropertyTypes and noUncheckedIndexedAccess', () => {
    expect(typeErrors).toBe('');
  });

  it('the automations use no `!` and no `as`', () => {
    const files = readdirSync(sources).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) expect(assertionsIn(join(sources, f)), f).toEqual([]);
    // The check itself finds both kinds.
    const probe = join(tmp, 'probe.ts');
    writeFileSync(probe, 'const a = [1][0]!;\nconst b = <number>a;\nconst c = b as unknown;\n');
    expect(assertionsIn(probe)).toEqual(['1: [1][0]!', '2: <number>a', '3: b as unknown']);
  });

  it('form to lead, Closed Won with value, note and 15-minute call, smart-view digest, task done by the rep', () => {
    const result = JSON.parse(output.trim().split('\n').at(-1) ?? 'null') as {
      lead: { id: string; name: string; sourceValue: string };
      opportunity: { status_type: string; status_label: string; value: number };
      activities: { note: string; callDuration: number; types: string[] };
      digest: string;
      task: { rep: string; assigned_to: string; is_complete: boolean };
    };
    expect(result.lead).toMatchObject({ name: 'Consumer Test Co', sourceValue: 'Website Form' });
    expect(result.lead.id).toMatch(/^lead_/);
    expect(result.opportunity).toEqual({ status_type: 'won', status_label: 'Closed Won', value: 4200_00 });
    expect(result.activities.note).toBe('Asked for a quote.');
    expect(result.activities.callDuration).toBe(15 * 60);
    expect(result.activities.types).toEqual(expect.arrayContaining(['Note', 'Call']));
    // The "Website leads" view (Source is Website…) finds the new lead among the seed's.
    expect(result.digest).toMatch(/^Website leads: [1-9]\d* lead\(s\): /);
    expect(result.digest).toContain('Consumer Test Co');
    expect(result.task.rep).toMatch(/^user_/);
    expect(result.task).toEqual({ rep: result.task.rep, assigned_to: result.task.rep, is_complete: true });
  });
});
