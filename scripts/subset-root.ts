// Authoring aid: writes a root document that keeps only some of spec/openapi.yaml's paths, so one
// resource can be linted and bundled while others are still being written.
//   npx tsx scripts/subset-root.ts leads /lead/ /contact/      writes spec/_subset-leads.yaml
//   npx redocly lint spec/_subset-leads.yaml   (refs resolve relative to spec/, the file is written there)
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const [out, ...prefixes] = process.argv.slice(2);
if (!out || prefixes.length === 0) {
  console.error('usage: tsx scripts/subset-root.ts <name> <path-prefix>...  (writes spec/_subset-<name>.yaml)');
  process.exit(2);
}
const doc: unknown = parse(readFileSync('spec/openapi.yaml', 'utf8'));
if (
  doc === null ||
  typeof doc !== 'object' ||
  !('paths' in doc) ||
  doc.paths === null ||
  typeof doc.paths !== 'object'
) {
  console.error('subset-root: spec/openapi.yaml has no paths');
  process.exit(1);
}
doc.paths = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => prefixes.some((x) => p.startsWith(x))));
const file = `spec/_subset-${out.replace(/[^A-Za-z0-9-]/g, '')}.yaml`;
writeFileSync(file, stringify(doc));
console.log(file);
