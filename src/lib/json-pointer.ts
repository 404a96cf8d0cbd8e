// JSON Pointer (RFC 6901) and local `$ref` resolution: the one copy used by the scripts (mock,
// breaking-change check), the tests, the contract tests and, later, the sandbox server that ships in
// the package. Runtime-neutral on purpose (no Node module, no DOM): it must run wherever the package does.
// (The Spectral functions in scripts/spectral/ keep their own copy: Spectral loads them as standalone JS.)
//
// Two written forms are read:
//   - a plain JSON pointer: '' (the whole document) or '/a/b', where `~1` stands for '/' and `~0` for '~';
//   - a URI fragment, the form a `$ref` holds: '#' or '#/a/b'. Its percent-encoding is decoded first
//     (RFC 6901 §6), so '#/c%25d' is the key 'c%d' and '#/a%2Fb' is the two keys 'a' and 'b'; a '/'
//     inside a key is written `~1` in both forms.
// Malformed input throws JsonPointerError: a pointer that is neither '' nor starts with '/' or '#',
// a '~' not followed by 0 or 1, a bad percent-escape in a fragment. A well-formed pointer that leads
// nowhere is not an error: resolvePointer() answers undefined.
//
// deref() / followRefs() follow a chain of local `$ref`s (`{"$ref": "#/components/schemas/Lead"}`)
// and THROW JsonPointerError on a ref that is not local (another file or URL), on a ref whose target is
// missing and on a cycle (A -> B -> A): a broken document fails where it is read instead of handing
// undefined to code that then misreports it. Keywords next to a `$ref` are ignored here; schema-aware
// callers (where 3.1 applies them alongside the target) deal with them themselves.

/** Malformed pointer, non-local or dangling `$ref`, or a `$ref` cycle. */
export class JsonPointerError extends Error {
  override name = 'JsonPointerError';
}

/** One reference token; numbers (array indexes) are written as their decimal form. */
export type PointerSegment = string | number;

/** Escapes one key for a pointer: `~` → `~0`, `/` → `~1` (in that order). */
export function escapeSegment(key: PointerSegment): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Reverses escapeSegment: `~1` → `/`, `~0` → `~`, read left to right, so `~01` is the key `~1`. */
export function unescapeSegment(segment: string): string {
  if (/~(?![01])/.test(segment))
    throw new JsonPointerError(
      `invalid escape in JSON pointer segment ${JSON.stringify(segment)}: '~' must be followed by 0 or 1`,
    );
  return segment.replace(/~[01]/g, (token) => (token === '~1' ? '/' : '~'));
}

/**
 * The keys of a pointer, unescaped: `parsePointer('#/paths/~1lead~1/get')` → `['paths', '/lead/', 'get']`.
 * Accepts '' and '#' (the whole document: `[]`), '/a/b' (plain) and '#/a/b' (URI fragment, percent-decoded).
 */
export function parsePointer(pointer: string): string[] {
  let text = pointer;
  if (text.startsWith('#')) {
    try {
      text = decodeURIComponent(text.slice(1));
    } catch {
      throw new JsonPointerError(`malformed percent-encoding in JSON pointer ${JSON.stringify(pointer)}`);
    }
  }
  if (text === '') return [];
  if (!text.startsWith('/'))
    throw new JsonPointerError(
      `a JSON pointer is '' or starts with '/' (or '#' as a URI fragment), got ${JSON.stringify(pointer)}`,
    );
  return text.slice(1).split('/').map(unescapeSegment);
}

// What a URI fragment may hold unencoded (RFC 3986: pchar, '/' and '?'); '%' is not among them.
const FRAGMENT_UNSAFE = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/?]/gu;

/**
 * Writes keys as a pointer: `formatPointer(['paths', '/lead/'])` → `/paths/~1lead~1`. With
 * `{ fragment: true }` it is a URI fragment (what `$ref` holds), percent-encoded where a fragment needs
 * it: `formatPointer(['paths', '/lead/{id}/'], { fragment: true })` → `#/paths/~1lead~1%7Bid%7D~1`.
 * parsePointer() reads both back to the same keys.
 */
export function formatPointer(segments: readonly PointerSegment[], options: { fragment?: boolean } = {}): string {
  const plain = segments.map((s) => `/${escapeSegment(s)}`).join('');
  return options.fragment ? `#${plain.replace(FRAGMENT_UNSAFE, (c) => encodeURIComponent(c))}` : plain;
}

/** The member `key` of `node` (own properties only; array indexes in canonical decimal form), else undefined. */
function member(node: unknown, key: string): unknown {
  if (Array.isArray(node)) return /^(?:0|[1-9][0-9]*)$/.test(key) ? node[Number(key)] : undefined;
  if (node !== null && typeof node === 'object' && Object.hasOwn(node, key))
    return (node as Record<string, unknown>)[key];
  return undefined;
}

/**
 * The value a pointer (any form parsePointer reads, or its keys) designates in `doc`; undefined when a
 * member on the way is missing (or is not an object or array). `$ref`s on the way are NOT followed.
 */
export function resolvePointer(doc: unknown, pointer: string | readonly PointerSegment[]): unknown {
  let node = doc;
  for (const key of typeof pointer === 'string' ? parsePointer(pointer) : pointer) {
    node = member(node, String(key));
    if (node === undefined) return undefined;
  }
  return node;
}

/** A Reference Object / schema with a `$ref` (any other keys are ignored by deref). */
export function isRef(node: unknown): node is { $ref: string } {
  return node !== null && typeof node === 'object' && typeof (node as { $ref?: unknown }).$ref === 'string';
}

/** The target of one local `$ref` (`#/...`, or `#` for the whole document). Throws when it is not local or missing. */
export function resolveRef(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) throw new JsonPointerError(`only local $refs (#/...) are supported, got ${ref}`);
  const target = resolvePointer(doc, ref);
  if (target === undefined) throw new JsonPointerError(`unresolvable $ref ${ref}`);
  return target;
}

/**
 * Follows `node` while it is a `$ref`: returns the first node that is not one, and the refs followed in
 * order (as written; empty when `node` is not a ref). Throws JsonPointerError on a non-local or
 * unresolvable ref and on a cycle.
 */
export function followRefs(doc: unknown, node: unknown): { node: unknown; refs: string[] } {
  const refs: string[] = [];
  let current = node;
  while (isRef(current)) {
    const ref = current.$ref;
    // Each node carries one fixed $ref string, so a cycle through finitely many nodes repeats a string.
    if (refs.includes(ref)) throw new JsonPointerError(`circular $ref: ${[...refs, ref].join(' -> ')}`);
    refs.push(ref);
    current = resolveRef(doc, ref);
  }
  return { node: current, refs };
}

/** `node` with its chain of local `$ref`s followed (see followRefs); `node` itself when it is not a ref. */
export function deref(doc: unknown, node: unknown): unknown {
  return followRefs(doc, node).node;
}
