// Direction-aware breaking-change check for the published description (generated/openapi.json),
// in the spirit of GitHub's rest-api-description `openapi_breaking_changes.py` (STYLE.md item 14).
//
//   tsx scripts/breaking-changes.ts --base <git-ref> [--head <file>] [--json] [--allow-breaking]
//   tsx scripts/breaking-changes.ts --base-file <file> --head-file <file> [--json]
//
// A change is judged by the side that has to cope with it. Request schemas (what clients send):
// anything the server used to accept and now rejects is breaking. Response schemas (what clients
// receive): anything a client generated from the old description may not expect is breaking.
// Exit code: 1 when breaking changes are found (0 with --allow-breaking), 0 otherwise, 2 on usage errors.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeSegment, followRefs, parsePointer } from '../src/lib/json-pointer.js';
import { isMain } from './lib/cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PUBLISHED = 'generated/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

// ---------------------------------------------------------------------------------------------
// Public types

export interface BreakingChangeFinding {
  breaking: boolean;
  /** Rule id, e.g. `response-property-removed`, `request-enum-value-removed`, `operation-id-changed`. */
  rule: string;
  /** `METHOD /path` of the operation (the head's path template). */
  operation: string;
  direction: 'request' | 'response' | 'operation';
  /** Changelog line (STYLE.md item 18), without the ⚠️ marker and the operations. */
  message: string;
  /** JSON pointer from the operation, as if every `$ref` were inlined. */
  location: string;
  /** Set on response changes that break exhaustive switches (enum value or union member added). */
  warn?: boolean;
}

export interface BreakingChangeResult {
  breaking: BreakingChangeFinding[];
  additions: BreakingChangeFinding[];
}

// ---------------------------------------------------------------------------------------------
// Documents and $refs

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
/** `v` when it is an object, else an empty one (absent and malformed parts of a document read as empty). */
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Follows local `$ref`s (`#/...`) until a non-ref node; returns [node, name of the last component on
 * the way]. Throws on a cycle, a non-local and a dangling ref (src/lib/json-pointer.ts).
 */
function deref(doc: unknown, start: unknown): [node: unknown, component: string | undefined] {
  const { node, refs } = followRefs(doc, start);
  let name: string | undefined;
  for (const ref of refs) {
    const segs = parsePointer(ref);
    if (segs[0] === 'components' && segs.length === 3) name = segs[2];
  }
  return [node, name];
}
const fmt = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

// ---------------------------------------------------------------------------------------------
// Schema normalisation: allOf is merged into one view (properties, required, types, closedness);
// results are cached per schema object so repeated comparisons stay cheap.

function typesOf(s: Obj): Set<string> | undefined {
  let t: Set<string> | undefined;
  if (typeof s.type === 'string') t = new Set([s.type]);
  else if (Array.isArray(s.type)) t = new Set(s.type.filter((x): x is string => typeof x === 'string'));
  if (t && s.nullable === true) t.add('null'); // OpenAPI 3.0 bases
  return t;
}

const CONSTRAINING = [
  'type',
  'enum',
  'const',
  'oneOf',
  'anyOf',
  'allOf',
  'not',
  'properties',
  'items',
  '$ref',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'additionalProperties',
  'unevaluatedProperties',
  'patternProperties',
  'required',
  'if',
  'prefixItems',
];

// Keywords carried into a view as written (an allOf member supplies the ones its parent lacks).
const KEYWORDS = [
  'format',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
] as const;
type Keyword = (typeof KEYWORDS)[number];

type Members = [keyword: 'oneOf' | 'anyOf', members: unknown[]];

/** A schema with its $refs resolved and its allOf merged (see Side.view). */
interface View extends Partial<Record<Keyword, unknown>> {
  /** The resolved schema object ({} when the node is not an object). */
  s: Obj;
  /** The component the node's $ref chain ended in, if any. */
  name: string | undefined;
  /** The node as written (possibly a $ref). */
  orig: unknown;
  /** Unconstrained: no keyword that restricts values. */
  any: boolean;
  props: Map<string, unknown>;
  required: Set<string>;
  types?: Set<string> | undefined;
  closed?: boolean;
  additional?: unknown;
  members: Members | null;
  enum?: unknown[] | undefined;
  hasConst?: boolean;
  const?: unknown;
  items?: unknown;
  discriminator?: string | undefined;
}

class Side {
  readonly flat = new WeakMap<Obj, View>();
  /** Nullable plain schemas seen as `[non-null part, null]` unions (see Comparer.wrap), per schema. */
  readonly wrapped = new WeakMap<Obj, unknown[]>();

  constructor(readonly doc: unknown) {}

  /** Resolves refs and merges allOf; returns a plain view {types, props, required, closed, ...}. */
  view(node: unknown): View {
    const [s, name] = deref(this.doc, node);
    if (!isObj(s)) return { s: {}, name, orig: node, any: true, props: new Map(), required: new Set(), members: null };
    let v = this.flat.get(s);
    if (v) return { ...v, name, orig: node };
    const discriminator = obj(s.discriminator).propertyName;
    v = {
      s,
      name: undefined,
      orig: undefined,
      any: !CONSTRAINING.some((k) => k in s),
      props: new Map(),
      required: new Set(),
      types: typesOf(s),
      closed: s.additionalProperties === false || s.unevaluatedProperties === false,
      additional:
        isObj(s.additionalProperties) || isObj(s.unevaluatedProperties)
          ? (s.additionalProperties ?? s.unevaluatedProperties)
          : undefined,
      members: Array.isArray(s.oneOf) ? ['oneOf', s.oneOf] : Array.isArray(s.anyOf) ? ['anyOf', s.anyOf] : null,
      enum: Array.isArray(s.enum) ? s.enum : undefined,
      hasConst: 'const' in s,
      const: s.const,
      items: s.items,
      discriminator: typeof discriminator === 'string' ? discriminator : undefined,
    };
    this.flat.set(s, v); // placeholder against allOf cycles
    for (const [k, p] of Object.entries(obj(s.properties))) v.props.set(k, p);
    for (const r of arr(s.required)) if (typeof r === 'string') v.required.add(r);
    for (const part of arr(s.allOf)) {
      const pv = this.view(part);
      for (const [k, p] of pv.props) v.props.set(k, v.props.has(k) ? { allOf: [v.props.get(k), p] } : p);
      for (const r of pv.required) v.required.add(r);
      const partTypes = pv.types;
      if (partTypes) v.types = v.types ? new Set([...v.types].filter((t) => partTypes.has(t))) : new Set(partTypes);
      if (pv.closed) v.closed = true;
      if (!v.members && pv.members) v.members = pv.members;
      if (!v.enum && pv.enum) v.enum = pv.enum;
      if (!v.hasConst && pv.hasConst) {
        v.hasConst = true;
        v.const = pv.const;
      }
      if (v.items === undefined && pv.items !== undefined) v.items = pv.items;
      if (!v.discriminator && pv.discriminator) v.discriminator = pv.discriminator;
      for (const k of KEYWORDS) {
        if (pv[k] !== undefined && v[k] === undefined) v[k] = pv[k];
      }
    }
    for (const k of KEYWORDS) {
      if (k in s) v[k] = s[k];
    }
    return { ...v, name, orig: node };
  }
}

// ---------------------------------------------------------------------------------------------
// Findings. A finding carries the JSON location relative to where the comparison started (`at`,
// pointer segments as if every $ref were inlined), and the innermost named component with the
// field path inside it (used for the changelog line).

type Direction = 'request' | 'response';

interface Finding {
  breaking: boolean;
  rule: string;
  /** Changelog wording of the change itself (`remove value \`x\``), completed by changelogLine. */
  text: string;
  /** Pointer segments from where the comparison started. */
  at: string[];
  /** Field path inside `schema` (or inside the body or parameter while no component claimed it). */
  field: string[];
  /** The innermost named component the change is in. */
  schema: string | undefined;
  direction?: Direction | 'operation';
  warn?: boolean;
  values?: string[];
  value?: unknown;
  nullable?: boolean;
  status?: string;
  param?: string;
}

function finding(
  breaking: boolean,
  rule: string,
  text: string,
  extra: Partial<Omit<Finding, 'breaking' | 'rule' | 'text'>> = {},
): Finding {
  return { breaking, rule, text, at: [], field: [], schema: undefined, ...extra };
}

/** Prefixes pointer segments (and, while no component has claimed it, field segments). */
function under(list: Finding[], at: string[], field: string | null): Finding[] {
  return list.map((f) => ({
    ...f,
    at: [...at, ...f.at],
    field: f.schema === undefined && field ? [field, ...f.field] : f.field,
  }));
}

function claim(list: Finding[], name: string | undefined): Finding[] {
  if (!name) return list;
  return list.map((f) => (f.schema === undefined ? { ...f, schema: name } : f));
}

// ---------------------------------------------------------------------------------------------
// Schema comparison

const LOWER_IS_TIGHTER = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;
const HIGHER_IS_TIGHTER = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;
// Bounds compare as numbers, the way `<` compares the numbers (or OpenAPI 3.0 booleans) they hold.
const lt = (a: unknown, b: unknown) => Number(a) < Number(b);

const NULL_SCHEMA = Object.freeze({ type: 'null' });

class Comparer {
  readonly base: Side;
  readonly head: Side;
  private readonly memo = new Map<string, Finding[]>();
  private readonly stack = new Set<string>();
  private readonly ids = [new WeakMap<object, number>(), new WeakMap<object, number>()] as const;
  private nextId = 0;

  constructor(baseDoc: unknown, headDoc: unknown) {
    this.base = new Side(baseDoc);
    this.head = new Side(headDoc);
  }

  id(side: 0 | 1, o: object): number {
    const m = this.ids[side];
    let i = m.get(o);
    if (i === undefined) {
      i = this.nextId++;
      m.set(o, i);
    }
    return i;
  }

  /** Compares two schemas for one direction ('request' | 'response'). */
  schema(baseNode: unknown, headNode: unknown, dir: Direction): Finding[] {
    const b = this.base.view(baseNode);
    const h = this.head.view(headNode);
    const key = `${dir}|${this.id(0, b.s)}|${this.id(1, h.s)}`;
    const known = this.memo.get(key);
    if (known) return known;
    if (this.stack.has(key)) return []; // recursive schema: this pair is already being compared further up
    this.stack.add(key);
    let out: Finding[];
    try {
      out = this.compareViews(b, h, dir);
    } finally {
      this.stack.delete(key);
    }
    // Findings inside a component are named after it, unless only one side is that component (a property
    // that turned from `$ref: X` into an inline schema is reported as the property, not as X).
    if (h.name && b.name) out = claim(out, h.name);
    this.memo.set(key, out);
    return out;
  }

  compareViews(b: View, h: View, dir: Direction): Finding[] {
    const req = dir === 'request';
    const out: Finding[] = [];
    const add = (...fs: Finding[]) => out.push(...fs);

    // Unconstrained on one side.
    if (b.any && h.any) return out;
    if (b.any && !h.any) {
      if (req) add(finding(true, 'request-type-narrowed', 'restricted from any value'));
      return out;
    }
    if (!b.any && h.any) {
      if (!req)
        add(finding(true, 'response-type-widened', 'no longer restricted to a schema (any value)', { warn: true }));
      return out;
    }

    // A plain schema that became a union (or the reverse) is compared member by member below; its own
    // keywords are compared only where the union side has some of its own.
    const shift = !b.members !== !h.members;
    const unionSide = b.members ? b : h;
    const ownShape = (v: View) => v.types || v.props.size || v.enum || v.hasConst;
    if (shift && !ownShape(unionSide)) return this.members(b, h, dir);

    // type
    const bTypes = b.types;
    const hTypes = h.types;
    if (bTypes && hTypes) {
      const removed = [...bTypes].filter((t) => !hTypes.has(t) && !(t === 'integer' && hTypes.has('number')));
      const added = [...hTypes].filter((t) => !bTypes.has(t) && !(t === 'integer' && bTypes.has('number')));
      if (req && removed.length)
        add(
          finding(
            true,
            'request-type-narrowed',
            `no longer accepts type ${removed.map((t) => `\`${t}\``).join(', ')}`,
            { values: removed },
          ),
        );
      if (req && added.length)
        add(
          finding(false, 'request-type-widened', `accepts type ${added.map((t) => `\`${t}\``).join(', ')}`, {
            values: added,
          }),
        );
      if (!req && removed.length)
        add(
          finding(false, 'response-type-narrowed', `no longer of type ${removed.map((t) => `\`${t}\``).join(', ')}`, {
            values: removed,
          }),
        );
      if (!req && added.length)
        add(
          finding(
            true,
            'response-type-widened',
            added.includes('null') && added.length === 1
              ? 'became nullable'
              : `may be of type ${added.map((t) => `\`${t}\``).join(', ')}`,
            { values: added },
          ),
        );
    } else if (b.types && !h.types && !h.members && !h.enum && !h.hasConst && !h.props.size && !req) {
      add(finding(true, 'response-type-widened', 'no longer has a declared type'));
    } else if (!b.types && h.types && !b.members && !b.enum && !b.hasConst && !b.props.size && req) {
      add(
        finding(true, 'request-type-narrowed', `restricted to type ${[...h.types].map((t) => `\`${t}\``).join(', ')}`),
      );
    }

    // enum / const
    const key = (v: unknown) => JSON.stringify(v);
    if (b.enum && h.enum) {
      const hk = new Set(h.enum.map(key));
      const bk = new Set(b.enum.map(key));
      const removed = b.enum.filter((v) => !hk.has(key(v)));
      const added = h.enum.filter((v) => !bk.has(key(v)));
      for (const v of removed)
        add(
          finding(
            req,
            req ? 'request-enum-value-removed' : 'response-enum-value-removed',
            `remove value \`${fmt(v)}\``,
            { value: v },
          ),
        );
      for (const v of added)
        add(
          finding(!req, req ? 'request-enum-value-added' : 'response-enum-value-added', `add value \`${fmt(v)}\``, {
            value: v,
            warn: !req,
          }),
        );
    } else if (b.enum && !h.enum && !h.hasConst) {
      if (!req) add(finding(true, 'response-enum-opened', 'no longer a closed enum', { warn: true }));
      else add(finding(false, 'request-enum-opened', 'accepts any value, not just the enum'));
    } else if (!b.enum && h.enum && !b.hasConst) {
      if (req)
        add(
          finding(true, 'request-enum-added', `restricted to values ${h.enum.map((v) => `\`${fmt(v)}\``).join(', ')}`),
        );
    }
    if (b.hasConst || h.hasConst) {
      const bv = b.hasConst ? [b.const] : b.enum;
      const hv = h.hasConst ? [h.const] : h.enum;
      if (!(b.enum && h.enum)) {
        if (bv && hv) {
          const same = bv.length === hv.length && bv.every((v, i) => key(v) === key(hv[i]));
          const hk = new Set(hv.map(key));
          const bk = new Set(bv.map(key));
          if (!same) {
            if (req && bv.some((v) => !hk.has(key(v))))
              add(
                finding(
                  true,
                  'request-const-changed',
                  `value changed from ${bv.map((v) => `\`${fmt(v)}\``).join(', ')} to ${hv.map((v) => `\`${fmt(v)}\``).join(', ')}`,
                ),
              );
            else if (!req && hv.some((v) => !bk.has(key(v))))
              add(
                finding(
                  true,
                  'response-const-changed',
                  `value changed from ${bv.map((v) => `\`${fmt(v)}\``).join(', ')} to ${hv.map((v) => `\`${fmt(v)}\``).join(', ')}`,
                  { warn: true },
                ),
              );
          }
        } else if (!bv && hv && req) {
          add(finding(true, 'request-const-added', `restricted to ${hv.map((v) => `\`${fmt(v)}\``).join(', ')}`));
        } else if (bv && !hv && !req) {
          add(
            finding(true, 'response-const-removed', `no longer fixed to ${bv.map((v) => `\`${fmt(v)}\``).join(', ')}`, {
              warn: true,
            }),
          );
        }
      }
    }

    // Constraints: only the request side can be hurt by a tighter one.
    if (req) {
      if (h.format !== undefined && h.format !== b.format) {
        add(
          finding(
            true,
            'request-format-tightened',
            b.format === undefined
              ? `must have format \`${h.format}\``
              : `format changed from \`${b.format}\` to \`${h.format}\``,
          ),
        );
      }
      if (h.pattern !== undefined && h.pattern !== b.pattern) {
        add(
          finding(
            true,
            'request-pattern-tightened',
            b.pattern === undefined
              ? `must match pattern \`${h.pattern}\``
              : `pattern changed from \`${b.pattern}\` to \`${h.pattern}\``,
          ),
        );
      }
      for (const k of LOWER_IS_TIGHTER) {
        if (h[k] !== undefined && (b[k] === undefined || lt(h[k], b[k])))
          add(
            finding(
              true,
              'request-constraint-tightened',
              b[k] === undefined ? `add \`${k}: ${h[k]}\`` : `lower \`${k}\` from ${b[k]} to ${h[k]}`,
            ),
          );
        else if (b[k] !== undefined && (h[k] === undefined || lt(b[k], h[k])))
          add(
            finding(
              false,
              'request-constraint-loosened',
              h[k] === undefined ? `drop \`${k}: ${b[k]}\`` : `raise \`${k}\` from ${b[k]} to ${h[k]}`,
            ),
          );
      }
      for (const k of HIGHER_IS_TIGHTER) {
        if (h[k] !== undefined && (b[k] === undefined || lt(b[k], h[k])))
          add(
            finding(
              true,
              'request-constraint-tightened',
              b[k] === undefined ? `add \`${k}: ${h[k]}\`` : `raise \`${k}\` from ${b[k]} to ${h[k]}`,
            ),
          );
        else if (b[k] !== undefined && (h[k] === undefined || lt(h[k], b[k])))
          add(
            finding(
              false,
              'request-constraint-loosened',
              h[k] === undefined ? `drop \`${k}: ${b[k]}\`` : `lower \`${k}\` from ${b[k]} to ${h[k]}`,
            ),
          );
      }
    }

    // Object properties
    for (const [name, bp] of b.props) {
      const hp = h.props.get(name);
      if (hp === undefined) {
        if (req) {
          if (h.closed)
            add(finding(true, 'request-property-removed', 'remove', { at: ['properties', name], field: [name] }));
          else if (h.additional) add(...under(this.schema(bp, h.additional, dir), ['properties', name], name));
          else
            add(
              finding(false, 'request-property-removed-open', 'remove (still accepted as an unknown property)', {
                at: ['properties', name],
                field: [name],
              }),
            );
        } else {
          add(finding(true, 'response-property-removed', 'remove', { at: ['properties', name], field: [name] }));
        }
        continue;
      }
      add(...under(this.schema(bp, hp, dir), ['properties', name], name));
      if (!req && b.required.has(name) && !h.required.has(name)) {
        add(
          finding(true, 'response-property-optional', 'no longer required (may be absent)', {
            at: ['properties', name],
            field: [name],
          }),
        );
      }
      if (req && !b.required.has(name) && h.required.has(name)) {
        add(finding(true, 'request-property-required', 'became required', { at: ['properties', name], field: [name] }));
      }
      if (req && b.required.has(name) && !h.required.has(name)) {
        add(
          finding(false, 'request-property-optional', 'became optional', { at: ['properties', name], field: [name] }),
        );
      }
      if (!req && !b.required.has(name) && h.required.has(name)) {
        add(
          finding(false, 'response-property-required', 'now always present', {
            at: ['properties', name],
            field: [name],
          }),
        );
      }
    }
    for (const [name, hp] of h.props) {
      if (b.props.has(name)) continue;
      const at = ['properties', name];
      if (req) {
        if (h.required.has(name))
          add(finding(true, 'request-property-added-required', 'add required', { at, field: [name] }));
        else add(finding(false, 'request-property-added', 'add optional', { at, field: [name] }));
        if (!b.closed && b.additional && h.required.has(name) === false)
          add(...under(this.schema(b.additional, hp, dir), at, name));
      } else {
        add(finding(false, 'response-property-added', 'add', { at, field: [name] }));
      }
    }
    for (const name of h.required) {
      if (req && !b.props.has(name) && !h.props.has(name) && !b.required.has(name)) {
        add(finding(true, 'request-property-added-required', 'add required', { at: ['required'], field: [name] }));
      }
    }
    if (req && h.closed && !b.closed && (b.props.size || b.types?.has('object'))) {
      add(finding(true, 'request-closed', 'no longer accepts unknown properties'));
    }
    if (b.additional && h.additional)
      add(...under(this.schema(b.additional, h.additional, dir), ['additionalProperties'], '*'));

    // Arrays
    if (b.items !== undefined && h.items !== undefined && isObj(b.items) && isObj(h.items)) {
      add(...under(this.schema(b.items, h.items, dir), ['items'], '[]'));
    }

    // Unions
    if (b.members || h.members) add(...this.members(b, h, dir));
    return out;
  }

  /** A plain schema seen as a union: itself, or its non-null part and `null` when it is nullable. */
  wrap(side: Side, v: View): unknown[] {
    const types = v.types;
    if (!types?.has('null') || types.size < 2) return [v.orig];
    let w = side.wrapped.get(v.s);
    if (!w) {
      w = [{ allOf: [v.orig, { type: [...types].filter((t) => t !== 'null') }] }, NULL_SCHEMA];
      side.wrapped.set(v.s, w);
    }
    return w;
  }

  memberKey(side: Side, v: View, node: unknown, i: number): string {
    const [s, name] = deref(side.doc, node);
    if (name) return `ref:${name}`;
    const mv = side.view(node);
    if (v.discriminator) {
      const d = mv.props.get(v.discriminator);
      if (d) {
        const dv = side.view(d);
        if (dv.hasConst) return `disc:${fmt(dv.const)}`;
        if (dv.enum?.length === 1) return `disc:${fmt(dv.enum[0])}`;
      }
    }
    if (isObj(s) && typeof s.title === 'string') return `title:${s.title}`;
    if (mv.types && mv.types.size === 1 && mv.types.has('null')) return 'type:null';
    if (mv.types && !mv.props.size && !mv.enum && !mv.hasConst) return `type:${[...mv.types].sort().join('|')}`;
    return `index:${i}`;
  }

  /** Compares the members of two unions (a plain side is seen as a one-member union, see wrap). */
  members(b: View, h: View, dir: Direction): Finding[] {
    const req = dir === 'request';
    const out: Finding[] = [];
    const union = h.members ?? b.members;
    if (!union) return out; // called only when one side is a union
    const kw = union[0];
    const bm = b.members ? b.members[1] : this.wrap(this.base, b);
    const hm = h.members ? h.members[1] : this.wrap(this.head, h);
    const bk = bm.map((m, i) => this.memberKey(this.base, b, m, i));
    const hk = hm.map((m, i) => this.memberKey(this.head, h, m, i));
    const leftB: number[] = [];
    const leftH = new Set(hm.keys());
    const sub = (m: unknown, n: unknown, j: number) =>
      under(this.schema(m, n, dir), h.members ? [kw, String(j)] : [], null);
    bk.forEach((key, i) => {
      const j = hk.indexOf(key);
      if (j >= 0 && leftH.has(j)) {
        leftH.delete(j);
        out.push(...sub(bm[i], hm[j], j));
      } else leftB.push(i);
    });
    // One member left on each side (a renamed component, an edited inline member, a schema turned into a
    // one-member union): compare them as the same member.
    const [onlyB] = leftB;
    const [onlyH] = leftH;
    if (leftB.length === 1 && leftH.size === 1 && onlyB !== undefined && onlyH !== undefined) {
      out.push(...sub(bm[onlyB], hm[onlyH], onlyH));
      return out;
    }
    // Otherwise pair each remaining old member with the structurally closest new one of an overlapping type
    // (e.g. a `string` that became `Date | DateTime`), when that pairing is compatible in this direction.
    for (const i of [...leftB]) {
      const bv = this.base.view(bm[i]);
      let best: { j: number; fs: Finding[] } | undefined;
      for (const j of leftH) {
        const hv = this.head.view(hm[j]);
        const hvTypes = hv.types;
        if (bv.types && hvTypes && ![...bv.types].some((t) => hvTypes.has(t))) continue;
        const fs = this.schema(bm[i], hm[j], dir);
        const n = fs.filter((f) => f.breaking).length;
        if (n === 0 && (!best || fs.length < best.fs.length)) best = { j, fs };
      }
      if (best) {
        leftH.delete(best.j);
        leftB.splice(leftB.indexOf(i), 1);
        out.push(...under(best.fs, h.members ? [kw, String(best.j)] : [], null));
      }
    }
    const label = (k: string | undefined) => (k ?? '').replace(/^(ref|title|disc|type):/, '').replace(/^index:/, '#');
    for (const i of leftB) {
      if (!h.members) {
        // The union collapsed into one schema: in a request each old member must still be accepted by it;
        // in a response fewer shapes are only a narrowing.
        if (req) out.push(...sub(bm[i], h.orig, 0));
        continue;
      }
      out.push(
        finding(
          req,
          req ? 'request-member-removed' : 'response-member-removed',
          `remove ${kw} member \`${label(bk[i])}\``,
          { at: [kw, String(i)], value: label(bk[i]) },
        ),
      );
    }
    for (const j of leftH) {
      if (!req && !b.members) {
        // A plain response schema turned into a union: a member that the old schema already allowed is a
        // narrower shape of it, not a new one (no client could switch over members that did not exist).
        const fs = this.schema(b.orig, hm[j], dir);
        if (!fs.some((f) => f.breaking)) {
          out.push(...under(fs, [kw, String(j)], null));
          continue;
        }
      }
      const nul = hk[j] === 'type:null';
      out.push(
        finding(
          !req,
          req ? 'request-member-added' : 'response-member-added',
          nul ? (req ? 'accepts null' : 'became nullable') : `add ${kw} member \`${label(hk[j])}\``,
          { at: [kw, String(j)], value: label(hk[j]), nullable: nul, warn: !req },
        ),
      );
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Operations

/** A Parameter Object (resolved) with the node it was read from. */
interface Param {
  node: unknown;
  p: Obj;
}

interface Operation {
  method: string;
  path: string;
  op: Obj;
  /** By `in:name`, path-level parameters overridden by operation-level ones. */
  params: Map<string, Param>;
  pointer: string[];
}

function operations(doc: unknown): Map<string, Operation> {
  const ops = new Map<string, Operation>();
  for (const [p, item0] of Object.entries(obj(obj(doc).paths))) {
    const item = obj(deref(doc, item0)[0]);
    for (const m of METHODS) {
      const op = item[m];
      if (!isObj(op)) continue;
      const params = new Map<string, Param>();
      for (const prm of [...arr(item.parameters), ...arr(op.parameters)]) {
        const pr = obj(deref(doc, prm)[0]);
        params.set(`${pr.in}:${pr.name}`, { node: prm, p: pr });
      }
      // Path templates are matched without their parameter names, so a renamed path parameter is
      // reported as a parameter rename rather than as a removed operation.
      const shape = p.replace(/\{[^}]*\}/g, '{}');
      ops.set(`${m.toUpperCase()} ${shape}`, {
        method: m.toUpperCase(),
        path: p,
        op,
        params,
        pointer: ['paths', p, m],
      });
    }
  }
  return ops;
}

function isSuccess(code: string): boolean {
  return /^2(\d\d|XX)$/i.test(code);
}

function compareOperation(cmp: Comparer, bo: Operation, ho: Operation): Finding[] {
  const out: Finding[] = [];
  const add = (f: Finding) => out.push(f);
  const bDoc = cmp.base.doc;
  const hDoc = cmp.head.doc;

  if ((bo.op.operationId ?? null) !== (ho.op.operationId ?? null)) {
    add(
      finding(
        bo.op.operationId !== undefined,
        'operation-id-changed',
        bo.op.operationId === undefined
          ? `add operationId \`${ho.op.operationId}\``
          : `change operationId \`${bo.op.operationId}\` to \`${ho.op.operationId ?? '(none)'}\``,
        { direction: 'operation', at: ['operationId'] },
      ),
    );
  }

  // Parameters
  const removed = [...bo.params.keys()].filter((k) => !ho.params.has(k));
  const added = [...ho.params.keys()].filter((k) => !bo.params.has(k));
  for (const k of removed) {
    const p = bo.params.get(k)?.p ?? {};
    const twin = added.find(
      (a) =>
        a.startsWith(`${p.in}:`) &&
        (p.in === 'path' ||
          (added.filter((x) => x.startsWith(`${p.in}:`)).length === 1 &&
            removed.filter((x) => x.startsWith(`${p.in}:`)).length === 1)),
    );
    if (twin) {
      added.splice(added.indexOf(twin), 1);
      const hp = ho.params.get(twin)?.p ?? {};
      // Generated clients name every parameter, path ones included (openapi-fetch: `params.path.lead_id`).
      add(
        finding(true, 'parameter-renamed', `rename ${p.in} parameter \`${p.name}\` to \`${hp.name}\``, {
          direction: 'request',
          at: ['parameters', `${p.in}:${p.name}`],
        }),
      );
      out.push(...paramDiff(cmp, p, hp));
    } else {
      add(
        finding(true, 'parameter-removed', `remove ${p.in} parameter \`${p.name}\``, {
          direction: 'request',
          at: ['parameters', k],
        }),
      );
    }
  }
  for (const k of added) {
    const p = ho.params.get(k)?.p ?? {};
    add(
      finding(
        Boolean(p.required),
        p.required ? 'parameter-added-required' : 'parameter-added',
        `add ${p.required ? 'required' : 'optional'} ${p.in} parameter \`${p.name}\``,
        { direction: 'request', at: ['parameters', k] },
      ),
    );
  }
  for (const [k, { p: bp }] of bo.params) {
    const hp = ho.params.get(k)?.p;
    if (hp) out.push(...paramDiff(cmp, bp, hp));
  }

  // Request body
  const [bb] = deref(bDoc, bo.op.requestBody);
  const [hb] = deref(hDoc, ho.op.requestBody);
  if (isObj(hb) && hb.required && !(isObj(bb) && bb.required)) {
    add(
      finding(true, 'request-body-required', isObj(bb) ? 'request body became required' : 'add required request body', {
        direction: 'request',
        at: ['requestBody'],
      }),
    );
  }
  if (isObj(bb) && !isObj(hb))
    add(finding(true, 'request-body-removed', 'remove request body', { direction: 'request', at: ['requestBody'] }));
  if (isObj(bb) && isObj(hb)) {
    for (const [mt, bm] of Object.entries(obj(bb.content))) {
      const hm = obj(hb.content)[mt];
      const at = ['requestBody', 'content', mt, 'schema'];
      if (!hm) {
        add(
          finding(true, 'request-media-type-removed', `remove request media type \`${mt}\``, {
            direction: 'request',
            at: ['requestBody', 'content', mt],
          }),
        );
        continue;
      }
      const bs = obj(bm).schema;
      const hs = obj(hm).schema;
      if (bs && hs)
        out.push(
          ...under(cmp.schema(bs, hs, 'request'), at, null).map((f): Finding => ({ direction: 'request', ...f })),
        );
    }
  }

  // Responses
  const bR = obj(bo.op.responses);
  const hR = obj(ho.op.responses);
  for (const [code, br0] of Object.entries(bR)) {
    const br = obj(deref(bDoc, br0)[0]);
    if (!(code in hR)) {
      add(
        finding(isSuccess(code), 'response-status-removed', `remove ${code} response`, {
          direction: 'response',
          at: ['responses', code],
        }),
      );
      continue;
    }
    const hr = obj(deref(hDoc, hR[code])[0]);
    for (const [mt, bm0] of Object.entries(obj(br.content))) {
      const bm = obj(bm0);
      const hm0 = obj(hr.content)[mt];
      const hm = obj(hm0);
      const at = ['responses', code, 'content', mt, 'schema'];
      if (!hm0 || (bm.schema && !hm.schema)) {
        add(
          finding(true, 'response-schema-removed', `remove ${code} response schema (\`${mt}\`)`, {
            direction: 'response',
            at: ['responses', code, 'content', mt],
          }),
        );
        continue;
      }
      if (bm.schema && hm.schema)
        out.push(
          ...under(cmp.schema(bm.schema, hm.schema, 'response'), at, null).map(
            (f): Finding => ({
              direction: 'response',
              status: code,
              ...f,
            }),
          ),
        );
    }
    for (const h of Object.keys(obj(br.headers))) {
      if (!obj(hr.headers)[h])
        add(
          finding(true, 'response-header-removed', `remove header \`${h}\` from ${code} response`, {
            direction: 'response',
            at: ['responses', code, 'headers', h],
          }),
        );
    }
  }
  for (const code of Object.keys(hR)) {
    if (!(code in bR))
      add(
        finding(false, 'response-status-added', `add ${code} response`, {
          direction: 'response',
          at: ['responses', code],
        }),
      );
  }
  return out;
}

function paramDiff(cmp: Comparer, bp: Obj, hp: Obj): Finding[] {
  const out: Finding[] = [];
  const at = ['parameters', `${hp.in}:${hp.name}`];
  if (hp.required && !bp.required)
    out.push(
      finding(true, 'parameter-became-required', `${hp.in} parameter \`${hp.name}\` became required`, {
        direction: 'request',
        at,
      }),
    );
  if (bp.schema && hp.schema) {
    out.push(
      ...under(cmp.schema(bp.schema, hp.schema, 'request'), [...at, 'schema'], null).map(
        (f): Finding => ({
          direction: 'request',
          param: `${hp.in} parameter \`${hp.name}\``,
          ...f,
        }),
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Public API

const cap = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);

/** One changelog line (STYLE.md item 18) for a finding inside operation `op`. */
function changelogLine(f: Finding, op: string): string {
  const dir = f.direction === 'response' ? 'response' : 'request';
  if (
    f.direction === 'operation' ||
    (!f.field.length &&
      !f.schema &&
      !f.param &&
      f.rule !== 'request-member-added' &&
      /^(operation|parameter|request-body|request-media|response-status|response-schema|response-header)/.test(f.rule))
  ) {
    return cap(f.text);
  }
  const fieldPath = f.field.join('.').replace(/\.(\[\]|\*)/g, (m) => (m === '.[]' ? '[]' : '.*'));
  const body = f.status ? `${op} ${f.status} response` : `${op} request body`;
  const container = f.schema ? `\`${f.schema}\` ${dir}` : f.param ? f.param : body;
  // Rules about one property: "Remove `field` from `Lead` response".
  if (/property/.test(f.rule) && fieldPath) {
    switch (f.rule) {
      case 'request-property-removed':
      case 'response-property-removed':
        return `Remove \`${fieldPath}\` from ${container}`;
      case 'request-property-removed-open':
        return `Remove \`${fieldPath}\` from ${container} (still accepted as an unknown property)`;
      case 'request-property-added-required':
        return `Add required \`${fieldPath}\` to ${container}`;
      case 'request-property-added':
        return `Add optional \`${fieldPath}\` to ${container}`;
      case 'response-property-added':
        return `Add \`${fieldPath}\` to ${container}`;
      case 'request-property-required':
        return `Make \`${fieldPath}\` required in ${container}`;
      case 'response-property-required':
        return `Make \`${fieldPath}\` always present in ${container}`;
      case 'request-property-optional':
      case 'response-property-optional':
        return `Make \`${fieldPath}\` optional in ${container}`;
      default:
        break;
    }
  }
  // Rules about a value: the subject is `Schema.field`, a parameter or the body.
  const subject = f.schema
    ? `\`${f.schema}${fieldPath ? `.${fieldPath}` : ''}\``
    : f.param
      ? `${f.param}${fieldPath ? ` field \`${fieldPath}\`` : ''}`
      : fieldPath
        ? `\`${fieldPath}\` of ${body}`
        : body;
  const inDir = f.schema || (!f.param && fieldPath) ? ` in ${dir}` : '';
  const v = f.value === undefined ? '' : `\`${fmt(f.value)}\``;
  switch (f.rule) {
    case 'request-enum-value-removed':
    case 'response-enum-value-removed':
      return `Remove value ${v} from enum ${subject}${inDir}`;
    case 'request-enum-value-added':
    case 'response-enum-value-added':
      return `Add value ${v} to enum ${subject}${inDir}`;
    case 'request-member-removed':
    case 'response-member-removed':
      return `Remove ${f.text.replace(/^remove /, '')} from ${subject}${inDir}`;
    case 'request-member-added':
    case 'response-member-added':
      if (f.nullable)
        return `${dir === 'response' ? 'Make' : 'Accept null for'} ${subject}${dir === 'response' ? ' nullable' : ''}${inDir}`;
      return `Add ${f.text.replace(/^add /, '')} to ${subject}${inDir}`;
    case 'response-type-widened':
      if (f.text === 'became nullable') return `Make ${subject} nullable${inDir}`;
      return `Widen ${subject}${inDir}: ${f.text}`;
    case 'request-type-narrowed':
      return `Narrow ${subject}${inDir}: ${f.text}`;
    case 'request-type-widened':
      return `Widen ${subject}${inDir}: ${f.text}`;
    case 'response-type-narrowed':
      return `Narrow ${subject}${inDir}: ${f.text}`;
    case 'request-format-tightened':
    case 'request-pattern-tightened':
    case 'request-constraint-tightened':
      return `Tighten ${subject}${inDir}: ${f.text}`;
    case 'request-constraint-loosened':
      return `Loosen ${subject}${inDir}: ${f.text}`;
    case 'request-closed':
      return `Reject unknown properties in ${subject}${inDir}`;
    default:
      return `Change ${subject}${inDir}: ${f.text}`;
  }
}

/**
 * Compares two parsed OpenAPI documents. Returns { breaking, additions }, each a list of
 * { operation, rule, message, location, direction, warn }.
 */
export function compareDocuments(baseDoc: unknown, headDoc: unknown): BreakingChangeResult {
  const cmp = new Comparer(baseDoc, headDoc);
  const bOps = operations(baseDoc);
  const hOps = operations(headDoc);
  const all: BreakingChangeFinding[] = [];
  for (const [k, bo] of bOps) {
    const op = `${bo.method} ${bo.path}`;
    const ho = hOps.get(k);
    if (!ho) {
      all.push({
        breaking: true,
        rule: 'operation-removed',
        operation: op,
        direction: 'operation',
        message: `Remove operation ${op}${bo.op.operationId ? ` (\`${bo.op.operationId}\`)` : ''}`,
        location: `/${bo.pointer.map(escapeSegment).join('/')}`,
      });
      continue;
    }
    const opName = `${ho.method} ${ho.path}`;
    if (ho.path !== bo.path) {
      all.push({
        breaking: false,
        rule: 'path-parameter-renamed',
        operation: opName,
        direction: 'operation',
        message: `Rename path ${bo.path} to ${ho.path}`,
        location: `/${ho.pointer.map(escapeSegment).join('/')}`,
      });
    }
    for (const f of compareOperation(cmp, bo, ho)) {
      all.push({
        breaking: f.breaking,
        rule: f.rule,
        operation: opName,
        direction: f.direction ?? 'operation',
        message: changelogLine(f, opName),
        location: `/${[...ho.pointer, ...f.at].map(escapeSegment).join('/')}`,
        ...(f.warn ? { warn: true } : {}),
      });
    }
  }
  for (const [k, ho] of hOps) {
    if (bOps.has(k)) continue;
    const op = `${ho.method} ${ho.path}`;
    all.push({
      breaking: false,
      rule: 'operation-added',
      operation: op,
      direction: 'operation',
      message: `Add operation ${op}${ho.op.operationId ? ` (\`${ho.op.operationId}\`)` : ''}`,
      location: `/${ho.pointer.map(escapeSegment).join('/')}`,
    });
  }
  return { breaking: all.filter((f) => f.breaking), additions: all.filter((f) => !f.breaking) };
}

/** Markdown summary in the changelog grammar (STYLE.md item 18): one bullet per change, ⚠️ marks breaking ones. */
export function toMarkdown(
  result: BreakingChangeResult,
  { base = 'base', head = 'head' }: { base?: string; head?: string } = {},
): string {
  const group = (list: BreakingChangeFinding[]) => {
    const m = new Map<string, string[]>();
    for (const f of list) {
      const ops = m.get(f.message) ?? [];
      m.set(f.message, ops);
      if (!ops.includes(f.operation)) ops.push(f.operation);
    }
    return m;
  };
  const lines = [`# API description changes (${base} → ${head})`, ''];
  const br = group(result.breaking);
  const ad = group(result.additions);
  lines.push(`## Breaking changes (${br.size})`, '');
  if (!br.size) lines.push('None.');
  for (const [msg, ops] of br) lines.push(`- ${msg} ⚠️ ${ops.join(', ')}`);
  lines.push('', `## Additions and other non-breaking changes (${ad.size})`, '');
  if (!ad.size) lines.push('None.');
  for (const [msg, ops] of ad) lines.push(`- ${msg} — ${ops.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// CLI

interface Options {
  json: boolean;
  allowBreaking: boolean;
  base?: string;
  baseFile?: string;
  headFile?: string;
  help?: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { json: false, allowBreaking: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--base') o.base = val();
    else if (a === '--head' || a === '--head-file') o.headFile = val();
    else if (a === '--base-file') o.baseFile = val();
    else if (a === '--json') o.json = true;
    else if (a === '--allow-breaking') o.allowBreaking = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.help && !o.base === !o.baseFile) throw new Error('give exactly one of --base <git-ref> or --base-file <file>');
  return o;
}

const USAGE =
  'usage: tsx scripts/breaking-changes.ts (--base <git-ref> | --base-file <file>) [--head <file>] [--json] [--allow-breaking]';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function git(args: string[]): string {
  return execFileSync('git', args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The command line; returns the exit code. */
export function main(argv: string[] = process.argv.slice(2)): number {
  let o: Options;
  try {
    o = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${message(e)}\n${USAGE}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const headFile = path.resolve(o.headFile ?? path.join(ROOT, PUBLISHED));
  let baseText: string;
  let baseLabel: string;
  if (o.base) {
    try {
      git(['rev-parse', '--verify', '--quiet', `${o.base}^{commit}`]);
    } catch {
      process.stderr.write(`unknown git ref ${o.base} (fetch it first, e.g. git fetch origin main)\n`);
      return 2;
    }
    try {
      baseText = git(['show', `${o.base}:${PUBLISHED}`]);
    } catch {
      const msg = `${o.base} has no ${PUBLISHED}: nothing to compare against, no breaking changes.`;
      process.stdout.write(
        o.json
          ? `${JSON.stringify({ base: o.base, head: headFile, skipped: msg, breaking: [], additions: [] }, null, 2)}\n`
          : `${msg}\n`,
      );
      return 0;
    }
    baseLabel = `${o.base}:${PUBLISHED}`;
  } else if (o.baseFile) {
    if (!existsSync(o.baseFile)) {
      process.stderr.write(`no such file ${o.baseFile}\n`);
      return 2;
    }
    baseText = readFileSync(o.baseFile, 'utf8');
    baseLabel = o.baseFile;
  } else {
    return 2; // parseArgs insists on one of --base and --base-file
  }
  if (!existsSync(headFile)) {
    process.stderr.write(`no such file ${headFile}\n`);
    return 2;
  }
  let baseDoc: unknown;
  let headDoc: unknown;
  try {
    baseDoc = JSON.parse(baseText);
    headDoc = JSON.parse(readFileSync(headFile, 'utf8'));
  } catch (e) {
    process.stderr.write(`cannot parse the description: ${message(e)}\n`);
    return 2;
  }
  const headLabel = path.relative(process.cwd(), headFile) || headFile;
  const result = compareDocuments(baseDoc, headDoc);
  if (o.json) process.stdout.write(`${JSON.stringify({ base: baseLabel, head: headLabel, ...result }, null, 2)}\n`);
  else process.stdout.write(toMarkdown(result, { base: baseLabel, head: headLabel }));
  if (result.breaking.length && !o.allowBreaking) {
    if (!o.json)
      process.stderr.write(
        `${result.breaking.length} breaking finding(s) across operations; rerun with --allow-breaking to accept them deliberately.\n`,
      );
    return 1;
  }
  return 0;
}

if (isMain(import.meta.url)) {
  process.exitCode = main();
}
