// Builds the self-contained API reference: `tsx scripts/build-docs.ts <bundle.json> <outDir>`
// writes <outDir>/index.html (called by `npm run docs` via scripts/generate.ts).
//
// - Redoc (Redocly CLI 2.77 `build-docs`, Redoc 3) is inlined with `--inlineBundle`: no CDN script.
// - The page needs no network at all: the only remote asset Redoc 3 loads by itself (the
//   "API docs by Redocly" logo from cdn.redoc.ly) is replaced by an inline SVG, the favicon is an
//   empty data: URL, and telemetry is off. The build fails if any of that stops being true.
// - It links the spec downloads `openapi.json` and `openapi.yaml` relatively: they sit next to
//   index.html where the docs are served (`npm start`, GitHub Pages).
// - The output is a pure function of the input (CI rebuilds it and compares bytes).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childOutput, isMain } from './lib/cli.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const DOWNLOADS = [
  { title: 'openapi.json', url: 'openapi.json' },
  { title: 'openapi.yaml', url: 'openapi.yaml' },
];

// Redoc options (https://redocly.com/docs/redoc/config): the download panel lists both files.
const REDOC_OPTIONS = {
  downloadUrls: DOWNLOADS,
  jsonSamplesExpandLevel: 3,
  sortRequiredPropsFirst: true,
  // Redoc shows only the x-codeSamples whose label (or lang) is listed here; the default list lacks TypeScript.
  codeSamples: { languages: [{ lang: 'curl' }, { lang: 'TypeScript' }] },
};

// The remote logo Redoc 3 shows next to "API docs by" (an <img> it adds after hydration).
const REMOTE_LOGOS = ['https://cdn.redoc.ly/redoc/logo-mini-full.svg', 'https://cdn.redoc.ly/redoc/logo-mini.svg'];
const LOCAL_LOGO =
  'data:image/svg+xml,' +
  encodeURIComponent(
    "<svg xmlns='http://www.w3.org/2000/svg' width='56' height='16' viewBox='0 0 56 16'>" +
      "<text x='0' y='12' font-family='sans-serif' font-size='12' font-weight='600' fill='#0044D4'>Redocly</text></svg>",
  );

const TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>{{title}}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="description" content="Reference of the hand-maintained OpenAPI 3.1 description of the Close CRM REST API.">
  <link rel="icon" href="data:,">
  <style>
    body { padding: 0; margin: 0; }
    .spec-downloads { font-family: sans-serif; padding: 1em; }
  </style>
  {{{redocHead}}}
</head>
<body>
  <noscript>
    <p class="spec-downloads">This reference needs JavaScript. The description itself:
      ${DOWNLOADS.map((d) => `<a href="${d.url}">${d.title}</a>`).join(' · ')}</p>
  </noscript>
  {{{redocHTML}}}
</body>
</html>
`;

/** Writes `<outDir>/index.html` from the bundled description at `bundle`; returns its path. */
export function buildDocs(bundle: string, outDir: string): string {
  const scratch = mkdtempSync(join(tmpdir(), 'build-docs-'));
  const template = join(scratch, 'template.hbs');
  writeFileSync(template, TEMPLATE);
  const out = join(outDir, 'index.html');
  mkdirSync(outDir, { recursive: true });
  try {
    execFileSync(
      join(root, 'node_modules', '.bin', 'redocly'),
      [
        'build-docs',
        bundle,
        '--inlineBundle',
        '--template',
        template,
        '--openapi',
        JSON.stringify(REDOC_OPTIONS),
        '--lint-config',
        'off',
        '-o',
        out,
      ],
      {
        cwd: root,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  } catch (err) {
    process.stderr.write(childOutput(err));
    throw new Error(`redocly build-docs ${bundle} failed`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  let html = readFileSync(out, 'utf8');
  const problems: string[] = [];
  let replaced = 0;
  for (const url of REMOTE_LOGOS) {
    const parts = html.split(url);
    replaced += parts.length - 1;
    html = parts.join(LOCAL_LOGO);
  }
  if (replaced === 0)
    problems.push(`Redoc's remote logo URL was not found (Redoc changed?): check ${REMOTE_LOGOS.join(', ')}`);
  if (!html.includes('"disableTelemetry":true'))
    problems.push('Redoc telemetry is not disabled (expected "disableTelemetry":true)');
  const remote = [
    ...html.matchAll(/<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["']?(?:https?:)?\/\/[^"'\s>]+/gi),
  ].map((m) => m[0]);
  if (remote.length) problems.push(`remote resources in the page: ${remote.join(', ')}`);
  if (/cdn\.redoc(?:ly)?\.(?:ly|com)\/[^\s"'`]+\.(?:js|css|svg|png|woff2?)/.test(html))
    problems.push('a cdn.redoc.ly / cdn.redocly.com asset is still referenced');
  for (const d of DOWNLOADS) if (!html.includes(`href="${d.url}"`)) problems.push(`no link to ${d.url}`);
  if (problems.length) throw new Error(`docs are not self-contained:\n  ${problems.join('\n  ')}`);
  writeFileSync(out, html);
  return out;
}

if (isMain(import.meta.url)) {
  const [bundle, outDir] = process.argv.slice(2);
  if (!bundle || !outDir) {
    console.error('usage: tsx scripts/build-docs.ts <bundle.json> <outDir>');
    process.exit(2);
  }
  try {
    const out = buildDocs(resolve(bundle), resolve(outDir));
    console.log(`docs: ${out}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
