// Generated code samples (`x-codeSamples`, shown by Redoc beside each operation): a curl command and the
// same request through the TypeScript client's `close.call(operationId, …)`. They are built from the
// operation list (scripts/gen-operations.ts `operationTable`) and the bundle's own examples (the path
// parameters' schema examples, the request body's first named example), never written by hand in spec/.
// `addCodeSamples(doc)` is applied by the `bundle` step of scripts/generate.ts; test/code-samples.test.ts
// type-checks every TypeScript sample against the package's types, so a sample that stops compiling fails.
// Scope: path parameters and JSON bodies; optional query parameters are left out (no operation has a
// required one: `addCodeSamples` stops the build when one appears, so it is then added deliberately).
import { deref } from '../src/lib/json-pointer.js';
import { type OperationEntry, operationTable } from './gen-operations.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface CodeSample {
  /** `curl` (Redoc highlights it as bash) or `TypeScript`; scripts/build-docs.ts lists both for Redoc. */
  lang: 'curl' | 'TypeScript';
  label: string;
  source: string;
}

/** The server the curl samples call: Close itself (the Servers list also names the local sandbox). */
export const SAMPLE_BASE_URL = 'https://api.close.com/api/v1';

/** The schema's first example (`examples[0]`, else `example`), following `$ref`s; undefined when it has none. */
function schemaExample(doc: Obj, schema: unknown): unknown {
  const s = deref(doc, schema);
  if (!isObj(s)) return undefined;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  return s.example;
}

/** The parameters of `op` in `location` with their example values, in declaration order. */
function paramExamples(doc: Obj, entry: OperationEntry, location: 'path' | 'query'): [string, unknown][] {
  const item = deref(doc, (doc.paths as Obj)[entry.path]) as Obj;
  const op = item[entry.method] as Obj;
  const out: [string, unknown][] = [];
  for (const raw of [...((item.parameters as unknown[]) ?? []), ...((op.parameters as unknown[]) ?? [])]) {
    const p = deref(doc, raw) as Obj;
    if (p.in !== location) continue;
    if (location === 'query' && p.required !== true) continue;
    const value = p.example ?? schemaExample(doc, p.schema);
    if (value === undefined) throw new Error(`${entry.operationId}: parameter ${String(p.name)} has no example`);
    out.push([String(p.name), value]);
  }
  return out;
}

/** The request body's first named example (or `example`), or undefined when the operation takes no body. */
function bodyExample(doc: Obj, entry: OperationEntry): unknown {
  const op = (deref(doc, (doc.paths as Obj)[entry.path]) as Obj)[entry.method] as Obj;
  if (op.requestBody === undefined) return undefined;
  const media = ((deref(doc, op.requestBody) as Obj).content as Obj)['application/json'];
  if (!isObj(media)) return undefined;
  if (isObj(media.examples)) {
    const first = Object.values(media.examples)[0];
    if (first !== undefined) return (deref(doc, first) as Obj).value;
  }
  return media.example ?? schemaExample(doc, media.schema);
}

/** A JavaScript literal of a JSON value, indented for a sample (keys quoted only where they must be). */
function literal(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (!value.length) return '[]';
    return `[\n${value.map((v) => `${indent}  ${literal(v, `${indent}  `)},`).join('\n')}\n${indent}]`;
  }
  if (isObj(value)) {
    const entries = Object.entries(value);
    if (!entries.length) return '{}';
    const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k.replace(/'/g, "\\'")}'`);
    const lines = entries.map(([k, v]) => `${indent}  ${key(k)}: ${literal(v, `${indent}  `)},`);
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(value);
}

/** `'it'\''s'`: a string quoted for a POSIX shell. */
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function samplesFor(doc: Obj, entry: OperationEntry): CodeSample[] {
  const pathParams = paramExamples(doc, entry, 'path');
  const query = paramExamples(doc, entry, 'query');
  if (query.length) throw new Error(`${entry.operationId}: required query parameters are not in the samples yet`);
  const body = bodyExample(doc, entry);
  let url = SAMPLE_BASE_URL + entry.path;
  for (const [name, value] of pathParams) url = url.replace(`{${name}}`, encodeURIComponent(String(value)));

  // The key comes from the environment: a sample never shows a literal key.
  const curl = [`curl -X ${entry.method.toUpperCase()} ${shellQuote(url)} \\`, `  -u "$CLOSE_API_KEY:"`];
  if (body !== undefined) {
    curl[curl.length - 1] += ' \\';
    curl.push(`  -H 'Content-Type: application/json' \\`, `  -d ${shellQuote(JSON.stringify(body, null, 2))}`);
  }

  const init: string[] = [];
  if (pathParams.length) {
    const path = pathParams.map(([name, value]) => `${name}: ${literal(value, '')}`).join(', ');
    init.push(`params: { path: { ${path} } }`);
  }
  if (body !== undefined) init.push(`body: ${literal(body, '  ')}`);
  const args = init.length ? `, {\n  ${init.join(',\n  ')},\n}` : '';
  const ts = [
    "import { createCloseClient } from 'close-crm-openapi';",
    '',
    'const close = createCloseClient({ apiKey: process.env.CLOSE_API_KEY });',
    `// Resolves to the ${entry.successStatus} body; throws CloseApiError otherwise.`,
    `const result = await close.call('${entry.operationId}'${args});`,
    'console.log(result);',
  ];
  return [
    { lang: 'curl', label: 'curl', source: `${curl.join('\n')}\n` },
    { lang: 'TypeScript', label: 'TypeScript', source: `${ts.join('\n')}\n` },
  ];
}

/** Adds `x-codeSamples` to every operation of a bundled document (in place) and returns the samples by operationId. */
export function addCodeSamples(doc: Obj): Map<string, CodeSample[]> {
  const all = new Map<string, CodeSample[]>();
  for (const entry of operationTable(doc)) {
    const samples = samplesFor(doc, entry);
    const item = deref(doc, (doc.paths as Obj)[entry.path]) as Obj;
    (item[entry.method] as Obj)['x-codeSamples'] = samples;
    all.set(entry.operationId, samples);
  }
  return all;
}
