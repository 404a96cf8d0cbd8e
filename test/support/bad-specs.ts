// The broken specs that prove each Spectral house rule of .spectral.yaml can fire (test/lint-rules.test.ts).
// Every single-file case is good.yaml (test/fixtures/bad-specs/) with one deliberate break, written at test
// time by writeBadSpecs() into a git-ignored folder; `expect` is the exact set of rule codes Spectral must
// report for it. The multi-file case (test/fixtures/bad-specs/multi-file/) is written by hand; its expected
// codes are here too, so that the test reads every expectation from this one table.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

/** A parsed YAML mapping. */
type Json = Record<string, unknown>;

export type BadSpecCase = {
  /** File name (without .yaml) of the generated spec. */
  name: string;
  /** The break, in words (written into the generated file's header). */
  why: string;
  /** Every rule code Spectral must report for this spec, no more, no fewer. Never empty: a case that
   * expects nothing would prove nothing. */
  expect: readonly [string, ...string[]];
  /** Applies the break to a fresh copy of good.yaml. */
  edit: (doc: Json) => void;
};

const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'fixtures', 'bad-specs');

/** The baseline every single-file case is derived from; it must lint clean. */
export const goodSpec = join(fixtures, 'good.yaml');

/** The hand-written multi-file case: its root file and the codes it must report (see the root's header). */
export const multiFileCase = {
  root: join(fixtures, 'multi-file', 'openapi.yaml'),
  expect: [
    'close-error-responses',
    'close-media-schema-ref',
    'close-inline-object-schema',
    'close-429-headers',
    'oas3-schema',
  ],
} as const;

/** The mapping at `keys` under `node`. Throws when good.yaml no longer has it, so that a change to good.yaml
 * cannot quietly turn an edit into a no-op. */
function at(node: Json, ...keys: string[]): Json {
  let here: unknown = node;
  for (const [i, key] of keys.entries()) {
    here = (here as Json)[key];
    if (typeof here !== 'object' || here === null || Array.isArray(here)) {
      throw new Error(`good.yaml has no mapping at ${keys.slice(0, i + 1).join(' > ')}`);
    }
  }
  return here as Json;
}

/** The sequence at `keys` under `node` (throws like at()). */
function seq(node: Json, ...keys: string[]): unknown[] {
  const parent = at(node, ...keys.slice(0, -1));
  const value = parent[keys.at(-1) ?? ''];
  if (!Array.isArray(value)) throw new Error(`good.yaml has no sequence at ${keys.join(' > ')}`);
  return value;
}

/** Removes `key` from `node`, which must have it. */
function drop(node: Json, key: string): void {
  if (!(key in node)) throw new Error(`good.yaml has no "${key}" here to remove`);
  delete node[key];
}

const op = (d: Json, path: string, method: string) => at(d, 'paths', path, method);
const json = (media: Json) => at(media, 'content', 'application/json');

export const badSpecCases: readonly BadSpecCase[] = [
  {
    name: 'missing-operation-id',
    why: 'GET /lead/ has no operationId',
    expect: ['close-operation-id', 'operation-operationId'],
    edit: (d) => drop(op(d, '/lead/', 'get'), 'operationId'),
  },
  {
    name: 'operation-id-wrong-verb',
    why: 'GET /lead/{lead_id}/ is "fetchLead" (GET uses get…/list…)',
    expect: ['close-operation-id'],
    edit: (d) => {
      op(d, '/lead/{lead_id}/', 'get').operationId = 'fetchLead';
    },
  },
  {
    name: 'operation-id-not-camel-case',
    why: 'POST /lead/ is "create_lead" (not camelCase)',
    expect: ['close-operation-id'],
    edit: (d) => {
      op(d, '/lead/', 'post').operationId = 'create_lead';
    },
  },
  {
    name: 'operation-id-get-for-list',
    why: 'the paginated GET /lead/ is "getLeads" (a paginated GET is list…)',
    expect: ['close-operation-id'],
    edit: (d) => {
      op(d, '/lead/', 'get').operationId = 'getLeads';
    },
  },
  {
    name: 'operation-docs',
    why: 'GET /lead/{lead_id}/ has no summary and two tags',
    expect: ['close-operation-docs'],
    edit: (d) => {
      drop(op(d, '/lead/{lead_id}/', 'get'), 'summary');
      seq(d, 'tags').push({ name: 'Contacts', description: 'Contacts.' });
      seq(op(d, '/lead/{lead_id}/', 'get'), 'tags').push('Contacts');
    },
  },
  {
    name: 'missing-external-docs',
    why: 'GET /lead/{lead_id}/ has no externalDocs',
    expect: ['close-operation-external-docs'],
    edit: (d) => drop(op(d, '/lead/{lead_id}/', 'get'), 'externalDocs'),
  },
  {
    name: 'external-docs-wrong-site',
    why: 'POST /lead/ links a page outside developer.close.com',
    expect: ['close-operation-external-docs'],
    edit: (d) => {
      at(op(d, '/lead/', 'post'), 'externalDocs').url = 'https://example.org/leads/create';
    },
  },
  {
    name: 'missing-error-responses',
    why: 'GET /lead/ lacks 400 (it has query parameters); GET /lead/{lead_id}/ lacks 404 and 429 (so NotFound is unused)',
    expect: ['close-error-responses', 'oas3-unused-component'],
    edit: (d) => {
      drop(at(op(d, '/lead/', 'get'), 'responses'), '400');
      drop(at(op(d, '/lead/{lead_id}/', 'get'), 'responses'), '404');
      drop(at(op(d, '/lead/{lead_id}/', 'get'), 'responses'), '429');
    },
  },
  {
    name: 'inline-error-response',
    why: 'the 401 of GET /lead/{lead_id}/ is written inline instead of a $ref to components/responses',
    expect: ['close-error-responses'],
    edit: (d) => {
      const responses = at(op(d, '/lead/{lead_id}/', 'get'), 'responses');
      at(responses, '401'); // the $ref being replaced
      responses['401'] = structuredClone(at(d, 'components', 'responses', 'Unauthorized'));
    },
  },
  {
    name: 'missing-429-headers',
    why: 'the shared 429 response declares RateLimit but not Retry-After',
    expect: ['close-429-headers'],
    edit: (d) => {
      drop(at(d, 'components', 'responses', 'TooManyRequests', 'headers'), 'Retry-After');
      drop(at(d, 'components', 'headers'), 'RetryAfter');
    },
  },
  {
    name: 'no-trailing-slash',
    why: 'the path /lead/{lead_id} has no trailing slash',
    expect: ['close-path-trailing-slash'],
    edit: (d) => {
      d.paths = { '/lead/': at(d, 'paths', '/lead/'), '/lead/{lead_id}': at(d, 'paths', '/lead/{lead_id}/') };
    },
  },
  {
    name: 'inline-media-schema',
    why: 'the request body of POST /lead/ has an inline schema instead of a $ref',
    expect: ['close-media-schema-ref'],
    edit: (d) => {
      const media = json(at(op(d, '/lead/', 'post'), 'requestBody'));
      at(media, 'schema'); // the $ref being replaced
      media.schema = structuredClone(at(d, 'components', 'schemas', 'LeadCreate'));
      drop(at(d, 'components', 'schemas'), 'LeadCreate');
    },
  },
  {
    name: 'inline-nested-object',
    why: 'Lead.address is an inline object schema with properties instead of a $ref to Address',
    expect: ['close-inline-object-schema'],
    edit: (d) => {
      const address = structuredClone(at(d, 'components', 'schemas', 'Address'));
      drop(address, 'title');
      const lead = at(d, 'components', 'schemas', 'Lead', 'properties');
      at(lead, 'address'); // the $ref being replaced
      lead.address = address;
      drop(at(d, 'components', 'schemas'), 'Address');
    },
  },
  {
    name: 'pagination-missing',
    why: 'GET /lead/ returns a {data, has_more} envelope but declares no x-pagination',
    expect: ['close-pagination'],
    edit: (d) => drop(op(d, '/lead/', 'get'), 'x-pagination'),
  },
  {
    name: 'pagination-unknown-style',
    why: 'GET /lead/ declares x-pagination style "page"',
    expect: ['close-pagination'],
    edit: (d) => {
      at(op(d, '/lead/', 'get'), 'x-pagination').style = 'page';
    },
  },
  {
    name: 'pagination-inconsistent',
    why: 'GET /lead/ declares style "cursor" but has no _cursor parameter and no cursor_next',
    expect: ['close-pagination'],
    edit: (d) => {
      at(op(d, '/lead/', 'get'), 'x-pagination').style = 'cursor';
    },
  },
  {
    name: 'pagination-not-a-list',
    why: 'GET /lead/{lead_id}/ returns one lead but declares x-pagination (and is then expected to be list…)',
    expect: ['close-pagination', 'close-operation-id'],
    edit: (d) => {
      op(d, '/lead/{lead_id}/', 'get')['x-pagination'] = { style: 'offset' };
    },
  },
  {
    name: 'nullable',
    why: 'Address.city uses `nullable: true`',
    expect: ['close-no-nullable'],
    edit: (d) => {
      const properties = at(d, 'components', 'schemas', 'Address', 'properties');
      at(properties, 'city'); // the schema being replaced
      properties.city = { type: 'string', nullable: true, examples: ['Newport Beach'] };
    },
  },
  {
    name: 'schema-docs',
    why: 'Lead has no description and Address has the title "PostalAddress"',
    expect: ['close-schema-docs'],
    edit: (d) => {
      drop(at(d, 'components', 'schemas', 'Lead'), 'description');
      at(d, 'components', 'schemas', 'Address').title = 'PostalAddress';
    },
  },
  {
    name: 'missing-examples',
    why: 'the 200 of GET /lead/{lead_id}/ and the request body of POST /lead/ have no example',
    expect: ['close-examples'],
    edit: (d) => {
      drop(json(at(op(d, '/lead/{lead_id}/', 'get'), 'responses', '200')), 'examples');
      drop(json(at(op(d, '/lead/', 'post'), 'requestBody')), 'examples');
    },
  },
];

/** Where writeBadSpecs(dir) writes case `c`. */
export const badSpecFile = (dir: string, c: BadSpecCase): string => join(dir, `${c.name}.yaml`);

/** Writes every single-file case into `dir` (which must exist), at badSpecFile(dir, case). */
export function writeBadSpecs(dir: string): void {
  const good = parse(readFileSync(goodSpec, 'utf8')) as Json;
  const seen = new Set<string>();
  for (const c of badSpecCases) {
    if (seen.has(c.name)) throw new Error(`two bad-spec cases are named "${c.name}"`);
    seen.add(c.name);
    const doc = structuredClone(good);
    c.edit(doc);
    const header =
      `# Generated by test/support/bad-specs.ts from test/fixtures/bad-specs/good.yaml at test time.\n` +
      `# Broken on purpose: ${c.why}.\n# expect: ${c.expect.join(', ')}\n`;
    writeFileSync(badSpecFile(dir, c), header + stringify(doc, { lineWidth: 0 }));
  }
}
