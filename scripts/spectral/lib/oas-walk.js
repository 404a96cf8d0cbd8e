// Shared walker for the house rules in .spectral.yaml.
//
// Why not Spectral's `resolved: false`? On the multi-file source, the unresolved document is the
// root file only (paths are `$ref`s to other files), so a `resolved: false` rule would see no
// operation at all there. This walker reads the *unresolved* text of every file Spectral loaded
// (the root document plus `documentInventory.referencedDocuments`) and follows `$ref`s itself, so a
// rule sees each node as written (a `$ref` or inline) and knows where it lives (file + JSON pointer)
// on the source and on the one-file bundle alike. Every node is reported under its path in the
// resolved document, which Spectral maps back to the right file and line.
//
// Kept free of imports (Spectral bundles ruleset functions itself), so file paths are joined by hand
// (POSIX; sources are absolute paths). The types are JSDoc, checked by `npm run typecheck` (checkJs in
// tsconfig.json); the `@import` below is a type-only comment, not an import: Spectral loads the file as it is.

/** @import { RulesetFunctionContext } from '@stoplight/spectral-core' */
/** @typedef {RulesetFunctionContext['path']} Path  A path in the resolved document, as Spectral reports it. */
/** @typedef {Record<string, unknown>} Obj  A JSON object (not an array). */
/** @typedef {{ source: string, pointer: string[] }} Loc  Where a node is written: file + JSON pointer. */
/** @typedef {'root' | 'rootMember' | 'nested' | 'inline'} Position  See walk(). */
/** @typedef {'response' | 'requestBody' | 'parameter' | 'header'} MediaOwner */
/**
 * The operation a response, request body or media type belongs to.
 * @typedef {{ op: Obj, method: string, pathKey: string | undefined, pathItem: Obj, loc: Loc, path: Path }} Operation
 */
/**
 * What every visitor receives besides the node: the node as written (maybe a `$ref`), where its content
 * lives and its path in the resolved document.
 * @typedef {{ raw: unknown, loc: Loc, path: Path }} Seen
 */
/** @typedef {{ status?: string, operation?: Operation }} InOperation */
/** @typedef {Seen & Operation & { operation: Operation }} OperationInfo */
/** @typedef {Seen & InOperation & { first: boolean }} ResponseInfo */
/** @typedef {Seen & InOperation & { first: boolean }} RequestBodyInfo */
/** @typedef {InOperation & { owner: MediaOwner }} MediaOwnerInfo */
/** @typedef {Seen & MediaOwnerInfo & { type: string, first: boolean }} MediaTypeInfo */
/** @typedef {Seen} ParameterInfo */
/** @typedef {Seen & { name: string }} HeaderInfo */
/** @typedef {Seen & { pathKey: string | undefined }} PathItemInfo */
/**
 * @typedef {Seen & {
 *   position: Position,
 *   component: string | undefined,
 *   parentKey: string | undefined,
 *   mediaRoot: boolean | undefined,
 *   assertion: boolean,
 * }} SchemaInfo
 */
/**
 * @typedef {object} Visitors
 * @property {(op: Obj, info: OperationInfo) => void} [operation]
 * @property {(res: Obj, info: ResponseInfo) => void} [response]
 * @property {(rb: Obj, info: RequestBodyInfo) => void} [requestBody]
 * @property {(media: Obj, info: MediaTypeInfo) => void} [mediaType]
 * @property {(param: Obj, info: ParameterInfo) => void} [parameter]
 * @property {(header: Obj, info: HeaderInfo) => void} [header]
 * @property {(item: Obj, info: PathItemInfo) => void} [pathItem]
 * @property {(schema: Obj, info: SchemaInfo) => void} [schema]
 */
/**
 * How the walk reached a schema (its parent's view); see walk().
 * @typedef {{
 *   position: Position,
 *   component?: string | undefined,
 *   parentKey: string | undefined,
 *   mediaRoot?: boolean,
 *   assertion?: boolean,
 * }} SchemaCtx
 */

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];
const SCHEMA_ONE = [
  'items',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
export const COMBINATORS = ['allOf', 'anyOf', 'oneOf'];
// Subschemas that constrain the instance of their parent rather than describe a value's shape.
export const ASSERTIONS = ['not', 'if', 'then', 'else', 'contains', 'propertyNames'];

/** @type {(v: unknown) => v is Obj} */
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** @type {(v: unknown) => v is Obj & { $ref: string }} */
const isRef = (v) => isObj(v) && typeof v.$ref === 'string';

/**
 * `value[k1][k2]…`, read through objects and arrays only: undefined as soon as a step is missing or is
 * not an object (null, a string, a number…).
 * @param {unknown} value
 * @param {...string} keys
 * @returns {unknown}
 */
export function get(value, ...keys) {
  let cur = value;
  for (const k of keys) cur = cur !== null && typeof cur === 'object' ? /** @type {Obj} */ (cur)[k] : undefined;
  return cur;
}

// Own pointer decoding: Spectral loads this file as standalone JS. The shared copy is src/lib/json-pointer.ts.
/**
 * @param {string} fragment
 * @returns {string[]}
 */
function decodePointer(fragment) {
  if (!fragment || fragment === '/') return fragment === '/' ? [''] : [];
  return fragment
    .replace(/^\//, '')
    .split('/')
    .map((p) => {
      let s = p;
      try {
        s = decodeURIComponent(p);
      } catch {
        /* keep raw */
      }
      return s.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/**
 * @param {string} fromFile
 * @param {string} rel
 * @returns {string}
 */
function joinPath(fromFile, rel) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(rel) || rel.startsWith('/')) return rel;
  const parts = fromFile.split('/');
  parts.pop();
  for (const seg of rel.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('/');
}

/** @param {string} file */
const baseName = (file) => file.slice(file.lastIndexOf('/') + 1).replace(/\.(ya?ml|json)$/i, '');

/** `{ kind, name }` when the location is the root of a component (a `components/<kind>/<Name>.yaml`
 * file, or `#/components/<kind>/<Name>` in one document), else undefined.
 * @param {Loc} loc
 * @returns {{ kind: string, name: string } | undefined}
 */
export function componentAt(loc) {
  if (loc.pointer.length === 0) {
    const kind = /\/components\/([A-Za-z]+)\/[^/]+$/.exec(loc.source)?.[1];
    if (kind) return { kind, name: baseName(loc.source) };
  }
  const [top, kind, name, ...more] = loc.pointer;
  if (top === 'components' && kind !== undefined && name !== undefined && more.length === 0) return { kind, name };
  return undefined;
}

/** @param {RulesetFunctionContext} context */
export function createWalker(context) {
  const rootSource = context.document.source ?? '';
  const referenced = context.documentInventory?.referencedDocuments ?? {};
  /** @param {string} source */
  const dataOf = (source) => (source === rootSource ? context.document.data : referenced[source]?.data);
  /** @param {Loc} loc */
  const at = (loc) => get(dataOf(loc.source), ...loc.pointer);
  /** @type {(loc: Loc, key: string | number) => Loc} */
  const child = (loc, key) => ({ source: loc.source, pointer: [...loc.pointer, String(key)] });
  /** @param {Loc} loc */
  const key = (loc) => `${loc.source}#/${loc.pointer.join('/')}`;

  /** Follows `$ref`s from `node` (found at `loc`) to the node that holds the content.
   * @param {Loc} loc
   * @param {unknown} node
   * @returns {{ loc: Loc, node: unknown }}
   */
  function follow(loc, node) {
    /** @type {Set<string>} */
    const seen = new Set();
    let cur = { loc, node };
    while (isRef(cur.node)) {
      const ref = cur.node.$ref;
      const hash = ref.indexOf('#');
      const file = hash === -1 ? ref : ref.slice(0, hash);
      const source = file ? joinPath(cur.loc.source, file) : cur.loc.source;
      const next = { source, pointer: decodePointer(hash === -1 ? '' : ref.slice(hash + 1)) };
      const k = key(next);
      if (seen.has(k)) break;
      seen.add(k);
      cur = { loc: next, node: at(next) };
    }
    return cur;
  }

  /**
   * Walks the whole description. `visitors` (all optional) receive `(node, info)` where `node` is the
   * content after following `$ref`s and info = { raw (as written), loc (where the content lives),
   * path (in the resolved document), ... }:
   *   operation(op, {method, pathKey, pathItem}), response(res, {status?, operation?, first}),
   *   requestBody(rb, {operation?, first}) — `first` is false when a shared component is met again,
   *   mediaType(media, {owner: 'response'|'requestBody'|'parameter'|'header', status?, operation?, first}),
   *   parameter, header(h, {name}), schema(s, {position, component, parentKey}).
   * Schema `position`: 'root' (a schema component), 'rootMember' (a direct allOf/anyOf/oneOf member of
   * a component root), 'nested' (anywhere else inside a component), 'inline' (not inside a schema
   * component: in a parameter, header or media type). `assertion` is true inside not/if/then/else/
   * contains/propertyNames (conditions on the parent instance, not value shapes). Each location is
   * visited once. The exact shapes are the `…Info` typedefs at the top of this file.
   * @param {Visitors} visitors
   */
  function walk(visitors) {
    /** @type {Set<string>} */
    const visited = new Set();
    /** @param {Loc} loc */
    const once = (loc) => {
      const k = key(loc);
      if (visited.has(k)) return false;
      visited.add(k);
      return true;
    };
    /** @type {Loc} */
    const rootLoc = { source: rootSource, pointer: [] };
    const doc = dataOf(rootSource);
    if (!isObj(doc)) return;

    /**
     * @param {unknown} raw
     * @param {Loc} rawLoc
     * @param {Path} path
     * @param {SchemaCtx} ctx
     */
    function schema(raw, rawLoc, path, ctx) {
      if (raw === undefined || typeof raw === 'boolean') return;
      const { loc, node } = follow(rawLoc, raw);
      if (!isObj(node) || !once(loc)) return;
      const comp = componentAt(loc);
      let position = ctx.position;
      let component = ctx.component;
      if (comp && comp.kind === 'schemas') {
        position = 'root';
        component = comp.name;
      } else if (isRef(raw)) {
        // A $ref to something that is not a whole schema component (e.g. #/components/schemas/X/properties/y).
        position = ctx.component ? 'nested' : ctx.position;
      }
      const assertion = Boolean(ctx.assertion) && !(comp && comp.kind === 'schemas');
      visitors.schema?.(node, {
        raw,
        loc,
        path,
        position,
        component,
        parentKey: ctx.parentKey,
        mediaRoot: ctx.mediaRoot && !isRef(raw),
        assertion,
      });
      /** @type {(k: string) => SchemaCtx} */
      const inner = (k) => ({
        position: position === 'root' && COMBINATORS.includes(k) ? 'rootMember' : component ? 'nested' : 'inline',
        component,
        parentKey: k,
        assertion: assertion || ASSERTIONS.includes(k),
      });
      for (const k of SCHEMA_MAPS) {
        const subs = node[k];
        if (!isObj(subs)) continue;
        for (const [name, sub] of Object.entries(subs))
          schema(sub, child(child(loc, k), name), [...path, k, name], inner(k));
      }
      for (const k of SCHEMA_ONE) if (isObj(node[k])) schema(node[k], child(loc, k), [...path, k], inner(k));
      for (const k of SCHEMA_LISTS) {
        const subs = node[k];
        if (!Array.isArray(subs)) continue;
        subs.forEach((sub, i) => {
          schema(sub, child(child(loc, k), i), [...path, k, i], inner(k));
        });
      }
    }

    /**
     * @param {Obj} node the parameter, header, response or request body that has the `content`
     * @param {Loc} loc
     * @param {Path} path
     * @param {MediaOwnerInfo} extra
     */
    function mediaTypes(node, loc, path, extra, first = true) {
      if (!isObj(node.content)) return;
      for (const [type, media] of Object.entries(node.content)) {
        if (!isObj(media)) continue;
        const mloc = child(child(loc, 'content'), type);
        const mpath = [...path, 'content', type];
        visitors.mediaType?.(media, { raw: media, loc: mloc, path: mpath, type, first, ...extra });
        if (first)
          schema(media.schema, child(mloc, 'schema'), [...mpath, 'schema'], {
            position: 'inline',
            component: undefined,
            parentKey: 'schema',
            mediaRoot: true,
          });
      }
    }

    /**
     * @param {unknown} raw
     * @param {Loc} rawLoc
     * @param {Path} path
     * @param {string} name
     */
    function header(raw, rawLoc, path, name) {
      const { loc, node } = follow(rawLoc, raw);
      if (!isObj(node) || !once(loc)) return;
      visitors.header?.(node, { raw, loc, path, name });
      schema(node.schema, child(loc, 'schema'), [...path, 'schema'], { position: 'inline', parentKey: 'schema' });
      mediaTypes(node, loc, path, { owner: 'header' });
    }

    /**
     * @param {unknown} raw
     * @param {Loc} rawLoc
     * @param {Path} path
     */
    function parameter(raw, rawLoc, path) {
      const { loc, node } = follow(rawLoc, raw);
      if (!isObj(node) || !once(loc)) return;
      visitors.parameter?.(node, { raw, loc, path });
      schema(node.schema, child(loc, 'schema'), [...path, 'schema'], { position: 'inline', parentKey: 'schema' });
      mediaTypes(node, loc, path, { owner: 'parameter' });
    }

    /**
     * @param {unknown} raw
     * @param {Loc} rawLoc
     * @param {Path} path
     * @param {InOperation} extra
     */
    function response(raw, rawLoc, path, extra) {
      const { loc, node } = follow(rawLoc, raw);
      if (!isObj(node)) return;
      const first = once(loc);
      visitors.response?.(node, { raw, loc, path, first, ...extra });
      if (!first) {
        // Shared components are walked once, but media-type visitors see every use (with its status).
        mediaTypes(node, loc, path, { owner: 'response', ...extra }, false);
        return;
      }
      if (isObj(node.headers)) {
        for (const [name, h] of Object.entries(node.headers))
          header(h, child(child(loc, 'headers'), name), [...path, 'headers', name], name);
      }
      mediaTypes(node, loc, path, { owner: 'response', ...extra });
    }

    /**
     * @param {unknown} raw
     * @param {Loc} rawLoc
     * @param {Path} path
     * @param {InOperation} extra
     */
    function requestBody(raw, rawLoc, path, extra) {
      const { loc, node } = follow(rawLoc, raw);
      if (!isObj(node)) return;
      const first = once(loc);
      visitors.requestBody?.(node, { raw, loc, path, first, ...extra });
      if (!first) {
        // Shared components are walked once, but media-type visitors see every use (with its status).
        mediaTypes(node, loc, path, { owner: 'requestBody', ...extra }, false);
        return;
      }
      mediaTypes(node, loc, path, { owner: 'requestBody', ...extra });
    }

    /**
     * @param {unknown} raw
     * @param {Loc} rawLoc
     * @param {Path} path
     * @param {string | undefined} pathKey undefined for webhooks and components/pathItems
     */
    function pathItem(raw, rawLoc, path, pathKey) {
      const { loc, node } = follow(rawLoc, raw);
      if (!isObj(node) || !once(loc)) return;
      visitors.pathItem?.(node, { raw, loc, path, pathKey });
      (Array.isArray(node.parameters) ? node.parameters : []).forEach((p, i) => {
        parameter(p, child(child(loc, 'parameters'), i), [...path, 'parameters', i]);
      });
      for (const method of METHODS) {
        const op = node[method];
        if (!isObj(op)) continue;
        const oloc = child(loc, method);
        const opath = [...path, method];
        /** @type {Operation} */
        const operation = { op, method, pathKey, pathItem: node, loc: oloc, path: opath };
        visitors.operation?.(op, { raw: op, ...operation, operation });
        (Array.isArray(op.parameters) ? op.parameters : []).forEach((p, i) => {
          parameter(p, child(child(oloc, 'parameters'), i), [...opath, 'parameters', i]);
        });
        if (op.requestBody !== undefined)
          requestBody(op.requestBody, child(oloc, 'requestBody'), [...opath, 'requestBody'], { operation });
        if (isObj(op.responses)) {
          for (const [status, r] of Object.entries(op.responses)) {
            response(r, child(child(oloc, 'responses'), status), [...opath, 'responses', status], {
              status,
              operation,
            });
          }
        }
      }
    }

    // Components first, so that on the bundle a component is reported under its own name.
    const comps = isObj(doc.components) ? doc.components : {};
    const cloc = child(rootLoc, 'components');
    /**
     * @param {string} kind
     * @param {(v: unknown, loc: Loc, path: Path, name: string) => void} fn
     */
    const each = (kind, fn) => {
      const map = comps[kind];
      if (!isObj(map)) return;
      for (const [name, v] of Object.entries(map))
        fn(v, child(child(cloc, kind), name), ['components', kind, name], name);
    };
    each('schemas', (v, l, p) => schema(v, l, p, { position: 'root', parentKey: undefined }));
    each('parameters', (v, l, p) => parameter(v, l, p));
    each('headers', (v, l, p, n) => header(v, l, p, n));
    each('requestBodies', (v, l, p) => requestBody(v, l, p, {}));
    each('responses', (v, l, p) => response(v, l, p, {}));
    each('pathItems', (v, l, p) => pathItem(v, l, p, undefined));
    if (isObj(doc.paths)) {
      for (const [p, item] of Object.entries(doc.paths))
        pathItem(item, child(child(rootLoc, 'paths'), p), ['paths', p], p);
    }
    if (isObj(doc.webhooks)) {
      for (const [p, item] of Object.entries(doc.webhooks))
        pathItem(item, child(child(rootLoc, 'webhooks'), p), ['webhooks', p], undefined);
    }
  }

  return { walk, follow, at, child, componentAt, isRef };
}

export { isObj, isRef };
