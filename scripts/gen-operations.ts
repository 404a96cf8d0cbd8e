// The list of operations that everything else is keyed by, derived from the bundle:
//   tsx scripts/gen-operations.ts <dir> [--readme README.md]
// reads <dir>/openapi.json and writes
//   <dir>/operations.js + .d.ts   one frozen entry per operationId (method, path, tag, summary, docs page,
//                                 pagination style, safety class, parameter names, request/response schema
//                                 pointers) and the `OperationId` union that handler maps and tests are typed by
//   <dir>/aliases.d.ts            a named type for every component schema (`Lead` for components['schemas']['Lead'])
// and, with --readme, the operation table between the `operations:start`/`operations:end` markers of the README.
// Called by the `types` step of scripts/generate.ts, so `--check` covers every output. It replaces the old
// generated/pagination.js: the client's paginate() reads its styles from here.
//
// Safety comes from the operationId's verb, which the Spectral rule close-operation-id already constrains
// per method: GET → read; POST search… → read (it writes nothing); POST create… → create; POST merge… → delete
// (the source lead is gone afterwards); PUT → update; DELETE → delete. Anything else stops the build, so a new
// verb gets a deliberate class instead of a guessed one.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deref as followRef, formatPointer } from '../src/lib/json-pointer.js';
import { isMain } from './lib/cli.js';

export const PAGINATION_STYLES = ['offset', 'cursor', 'body-cursor'] as const;
export type PaginationStyle = (typeof PAGINATION_STYLES)[number];
export const SAFETY_CLASSES = ['read', 'create', 'update', 'delete'] as const;
export type Safety = (typeof SAFETY_CLASSES)[number];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Method = 'get' | 'post' | 'put' | 'delete';

export interface OperationEntry {
  operationId: string;
  method: Method;
  path: string;
  tag: string;
  summary: string;
  docsUrl: string;
  pagination: PaginationStyle | null;
  safety: Safety;
  pathParams: string[];
  queryParams: string[];
  /** JSON pointer (URI fragment form) into openapi.json of the JSON request body's schema, or null. */
  requestSchema: string | null;
  /** The lowest declared 2xx status, and the pointer of its JSON schema (null when it has no body). */
  successStatus: number;
  responseSchema: string | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `node` with its local `$ref`s followed; the operation named in the error when that fails. */
function deref(doc: Obj, node: unknown, where: string): Obj {
  let cur: unknown;
  try {
    cur = followRef(doc, node);
  } catch (err) {
    throw new Error(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObj(cur)) throw new Error(`${where}: expected an object`);
  return cur;
}

export function safetyOf(method: Method, operationId: string): Safety {
  if (method === 'get') return 'read';
  if (method === 'put') return 'update';
  if (method === 'delete') return 'delete';
  if (/^search[A-Z]/.test(operationId)) return 'read';
  if (/^create[A-Z]/.test(operationId)) return 'create';
  if (/^merge[A-Z]/.test(operationId)) return 'delete';
  throw new Error(
    `${operationId}: no safety class for POST ${operationId} (verbs: create…, search…, merge…); add one to scripts/gen-operations.ts`,
  );
}

/** The schema pointer of a JSON media object: its `$ref` when it is one, else where it stands. */
function mediaSchema(media: Obj | undefined, location: readonly string[]): string | null {
  if (!media || media.schema === undefined) return null;
  const schema = media.schema;
  if (isObj(schema) && typeof schema.$ref === 'string') return schema.$ref;
  return formatPointer([...location, 'schema'], { fragment: true });
}

export function operationTable(doc: Obj): OperationEntry[] {
  const out: OperationEntry[] = [];
  const seen = new Set<string>();
  for (const [path, rawItem] of Object.entries((doc.paths ?? {}) as Obj)) {
    const item = deref(doc, rawItem, path);
    for (const m of METHODS) {
      const op = item[m];
      if (op === undefined) continue;
      const where = `${m.toUpperCase()} ${path}`;
      if (m !== 'get' && m !== 'post' && m !== 'put' && m !== 'delete')
        throw new Error(`${where}: method not supported`);
      if (!isObj(op)) throw new Error(`${where}: not an operation object`);
      const operationId = op.operationId;
      if (typeof operationId !== 'string' || !/^[a-z][A-Za-z0-9]*$/.test(operationId)) {
        throw new Error(`${where}: operationId missing or not camelCase`);
      }
      if (seen.has(operationId)) throw new Error(`${where}: operationId ${operationId} used twice`);
      seen.add(operationId);
      const tags = Array.isArray(op.tags) ? op.tags : [];
      if (tags.length !== 1 || typeof tags[0] !== 'string') throw new Error(`${where}: needs exactly one tag`);
      const ext = op['x-pagination'];
      let pagination: PaginationStyle | null = null;
      if (ext !== undefined) {
        const style = isObj(ext) ? ext.style : undefined;
        if (!PAGINATION_STYLES.includes(style as PaginationStyle)) {
          throw new Error(`${where}: x-pagination.style must be one of ${PAGINATION_STYLES.join(', ')}`);
        }
        pagination = style as PaginationStyle;
      }
      // An operation's parameter overrides the path item's of the same name and location (OpenAPI 3.1 §4.8.9.1).
      const params = new Map<string, Obj>();
      for (const raw of [...((item.parameters as unknown[]) ?? []), ...((op.parameters as unknown[]) ?? [])]) {
        const p = deref(doc, raw, where);
        params.set(`${String(p.in)} ${String(p.name)}`, p);
      }
      const names = (loc: string) => [...params.values()].filter((p) => p.in === loc).map((p) => String(p.name));
      const opPointer = ['paths', path, m];
      let requestSchema: string | null = null;
      if (op.requestBody !== undefined) {
        const body = deref(doc, op.requestBody, where);
        const media = (body.content as Obj | undefined)?.['application/json'];
        requestSchema = mediaSchema(isObj(media) ? media : undefined, [
          ...opPointer,
          'requestBody',
          'content',
          'application/json',
        ]);
      }
      const responses = isObj(op.responses) ? op.responses : {};
      const success = Object.keys(responses)
        .filter((s) => /^2\d\d$/.test(s))
        .sort()[0];
      if (!success) throw new Error(`${where}: no 2xx response`);
      const response = deref(doc, responses[success], where);
      const media = (response.content as Obj | undefined)?.['application/json'];
      const docs = isObj(op.externalDocs) ? op.externalDocs.url : undefined;
      out.push({
        operationId,
        method: m,
        path,
        tag: tags[0],
        summary: typeof op.summary === 'string' ? op.summary : '',
        docsUrl: typeof docs === 'string' ? docs : '',
        pagination,
        safety: safetyOf(m, operationId),
        pathParams: names('path'),
        queryParams: names('query'),
        requestSchema,
        successStatus: Number(success),
        responseSchema: mediaSchema(isObj(media) ? media : undefined, [
          ...opPointer,
          'responses',
          success,
          'content',
          'application/json',
        ]),
      });
    }
  }
  return out;
}

const HEADER = '// Generated by scripts/gen-operations.ts from openapi.json. Do not edit.\n';
const q = (v: unknown): string => JSON.stringify(v);

export function renderOperations(ops: OperationEntry[]): { js: string; dts: string } {
  const js =
    HEADER +
    'const freeze = (o) => Object.freeze(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? Object.freeze(v) : v])));\n\n' +
    '/** Every operation of the description, by operationId, in the order of the spec. */\n' +
    'export const operations = Object.freeze({\n' +
    ops.map((o) => `  ${o.operationId}: freeze(${q(o)}),\n`).join('') +
    '});\n\n' +
    '/** The operationIds, in the order of the spec. */\n' +
    'export const operationIds = Object.freeze(Object.keys(operations));\n\n' +
    '/** Whether a value is the operationId of an operation in the list. */\n' +
    'export const isOperationId = (id) => typeof id === "string" && Object.hasOwn(operations, id);\n';
  const entryType = (o: OperationEntry): string => {
    const fields: [string, string][] = [
      ['operationId', q(o.operationId)],
      ['method', q(o.method)],
      ['path', q(o.path)],
      ['tag', q(o.tag)],
      ['summary', q(o.summary)],
      ['docsUrl', q(o.docsUrl)],
      ['pagination', q(o.pagination)],
      ['safety', q(o.safety)],
      ['pathParams', `readonly [${o.pathParams.map(q).join(', ')}]`],
      ['queryParams', `readonly [${o.queryParams.map(q).join(', ')}]`],
      ['requestSchema', q(o.requestSchema)],
      ['successStatus', String(o.successStatus)],
      ['responseSchema', q(o.responseSchema)],
    ];
    return `{\n${fields.map(([k, v]) => `    readonly ${k}: ${v};\n`).join('')}  }`;
  };
  const dts =
    HEADER +
    `export type OperationId =\n${ops.map((o) => `  | ${q(o.operationId)}`).join('\n')};\n` +
    `export type PaginationStyle = ${PAGINATION_STYLES.map(q).join(' | ')};\n` +
    '/** What calling the operation does: reads, creates, changes, or deletes (a merge deletes its source lead). */\n' +
    `export type Safety = ${SAFETY_CLASSES.map(q).join(' | ')};\n` +
    'export interface OperationInfo {\n' +
    '  readonly operationId: OperationId;\n' +
    "  readonly method: 'get' | 'post' | 'put' | 'delete';\n" +
    '  /** The path as the spec writes it, relative to the server URL (`/lead/{lead_id}/`). */\n' +
    '  readonly path: string;\n' +
    '  readonly tag: string;\n' +
    '  readonly summary: string;\n' +
    "  /** The operation's page on developer.close.com. */\n" +
    '  readonly docsUrl: string;\n' +
    '  /** How `paginate()` pages through it, or null when it is not a list. */\n' +
    '  readonly pagination: PaginationStyle | null;\n' +
    '  readonly safety: Safety;\n' +
    '  readonly pathParams: readonly string[];\n' +
    '  readonly queryParams: readonly string[];\n' +
    '  /** JSON pointer into openapi.json of the JSON request body schema, or null when it takes no body. */\n' +
    '  readonly requestSchema: string | null;\n' +
    '  /** The lowest declared 2xx status. */\n' +
    '  readonly successStatus: number;\n' +
    '  /** JSON pointer into openapi.json of the success response schema, or null when it has no JSON body. */\n' +
    '  readonly responseSchema: string | null;\n' +
    '}\n' +
    '/** Every operation of the description, by operationId, in the order of the spec. */\n' +
    'export declare const operations: {\n' +
    ops.map((o) => `  readonly ${o.operationId}: ${entryType(o)};\n`).join('') +
    '};\n' +
    '/** The operationIds, in the order of the spec. */\n' +
    'export declare const operationIds: readonly OperationId[];\n' +
    '/** Whether a value is the operationId of an operation in the list. */\n' +
    'export declare function isOperationId(id: unknown): id is OperationId;\n';
  return { js, dts };
}

/** `export type Lead = components['schemas']['Lead']` for every component schema, with its title as doc. */
export function renderAliases(doc: Obj): string {
  const schemas = ((doc.components as Obj | undefined)?.schemas ?? {}) as Obj;
  const lines = Object.keys(schemas)
    .sort()
    .map((name) => {
      if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new Error(`component schema ${name} is not a PascalCase type name`);
      const s = schemas[name];
      const title = isObj(s) && typeof s.title === 'string' ? s.title.replace(/\*\//g, '*\\/') : '';
      return `${title ? `/** ${title} */\n` : ''}export type ${name} = components['schemas']['${name}'];\n`;
    });
  return `${HEADER}import type { components } from './schema.js';\n\n${lines.join('')}`;
}

export const README_START = '<!-- operations:start (generated by npm run generate; do not edit) -->';
export const README_END = '<!-- operations:end -->';

/** The README's operation table, one row per operation, in the order of the spec (which groups paths by resource). */
export function renderReadmeTable(ops: OperationEntry[]): string {
  const rows = ops.map((o) => {
    const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
    return `| ${cell(o.tag)} | [\`${o.operationId}\`](${o.docsUrl}) | \`${o.method.toUpperCase()} ${o.path}\` | ${cell(o.summary)} | ${o.safety} | ${o.pagination ?? ''} |`;
  });
  return [
    README_START,
    '',
    '| tag | operationId | request | summary | safety | pagination |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    README_END,
  ].join('\n');
}

/** The README with its table replaced; throws when the markers are missing or out of order. */
export function spliceReadme(readme: string, table: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md: the markers ${README_START} … ${README_END} are missing`);
  return readme.slice(0, start) + table + readme.slice(end + README_END.length);
}

function main(argv: string[]): void {
  const dir = argv[0];
  if (!dir || dir.startsWith('--')) {
    console.error('usage: tsx scripts/gen-operations.ts <dir with openapi.json> [--readme README.md]');
    process.exit(2);
  }
  const doc = JSON.parse(readFileSync(join(dir, 'openapi.json'), 'utf8')) as Obj;
  const ops = operationTable(doc);
  const { js, dts } = renderOperations(ops);
  writeFileSync(join(dir, 'operations.js'), js);
  writeFileSync(join(dir, 'operations.d.ts'), dts);
  writeFileSync(join(dir, 'aliases.d.ts'), renderAliases(doc));
  const i = argv.indexOf('--readme');
  if (i >= 0) {
    const file = argv[i + 1];
    if (!file) throw new Error('--readme needs a file');
    writeFileSync(file, spliceReadme(readFileSync(file, 'utf8'), renderReadmeTable(ops)));
  }
}

if (isMain(import.meta.url)) main(process.argv.slice(2));
