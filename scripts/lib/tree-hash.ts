// A SHA-256 over the contents of files and folders (paths relative to a root, sorted), for "has this input
// changed?" checks. File times cannot answer that: a fresh clone gives every file the checkout time.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

function walk(path: string, skip: (name: string) => boolean, out: string[]): void {
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) {
    out.push(path);
    return;
  }
  for (const name of readdirSync(path)) if (!skip(name)) walk(join(path, name), skip, out);
}

/**
 * Hex SHA-256 of the files under `paths` (files or folders, relative to `root`); names for which `skip`
 * is true are left out.
 */
export function treeHash(
  root: string,
  paths: readonly string[],
  skip: (name: string) => boolean = () => false,
): string {
  const files: string[] = [];
  for (const p of paths) walk(join(root, p), skip, files);
  const hash = createHash('sha256');
  for (const file of files.map((f) => relative(root, f).split(sep).join('/')).sort()) {
    // The name and the length go in too, so moving bytes between files changes the hash.
    const body = readFileSync(join(root, file));
    hash.update(`${file}\0${body.length}\0`);
    hash.update(body);
  }
  return hash.digest('hex');
}

/**
 * The source generated/ is built from (spec/_subset-* are other tools' scratch files). The generator scripts
 * are left out on purpose: `npm run check:generated` catches their changes, and a stamp over all of scripts/
 * would go stale with every unrelated script edit.
 */
const GENERATED_INPUTS = ['spec', 'openapi-ts.redocly.yaml'] as const;
/** The file in generated/ holding generatedInputsHash() of the last full `npm run generate`. */
export const GENERATED_INPUTS_HASH_FILE = 'inputs.sha256';
export const generatedInputsHash = (root: string): string =>
  treeHash(root, GENERATED_INPUTS, (name) => name.startsWith('_subset-'));
