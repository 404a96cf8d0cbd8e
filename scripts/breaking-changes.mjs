#!/usr/bin/env node
// Direction-aware breaking-change check for the published description (generated/openapi.json),
// in the spirit of GitHub's rest-api-description `openapi_breaking_changes.py` (STYLE.md item 14).
//
//   node scripts/breaking-changes.mjs --base <git-ref> [--head <file>] [--json] [--allow-breaking]
//   node scripts/breaking-changes.mjs --base-file <file> --head-file <file> [--json]
//
// A change is judged by the side that has to cope with it. Request schemas (what clients send):
// anything the server used to accept and now rejects is breaking. Response schemas (what clients
// receive): anything a client generated from the old description may not expect is breaking.
// Exit code: 1 when breaking changes are found (0 with --allow-breaking), 0 otherwise, 2 on usage errors.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PUBLISHED = 'generated/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// ---------------------------------------------------------------------------------------------
// Documents and $refs

/** Follows local `$ref`s (`#/...`) until a non-ref node; returns [node, name of the last component]. */
function deref(doc, node) {
  let name;
  const seen = new Set();
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    const ref = node.$ref;
    if (seen.has(ref)) throw new Error(`circular $ref alias ${ref}`);
    seen.add(ref);
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
    const segs = ref
      .slice(2)
      .split('/')
      .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
    let target = doc;
    for (const s of segs) target = target == null ? undefined : target[s];
    if (target === undefined) throw new Error(`unresolvable $ref ${ref}`);
    if (segs[0] === 'components' && segs.length === 3) name = segs[2];
    node = target;
  }
  return [node, name];
}

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const pointerSeg = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
const fmt = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

// ---------------------------------------------------------------------------------------------
// Schema normalisation: allOf is merged into one view (properties, required, types, closedness);
// results are cached per schema object so repeated comparisons stay cheap.

function typesOf(s) {
  let t;
  if (typeof s.type === 'string') t = new Set([s.type]);
  else if (Array.isArray(s.type)) t = new Set(s.type);
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

class Side {
  constructor(doc) {
    this.doc = doc;
    this.flat = new WeakMap();
  }

  /** Resolves refs and merges allOf; returns a plain view {types, props, required, closed, ...}. */
  view(node) {
    const [s, name] = deref(this.doc, node);
    if (!isObj(s)) return { s: {}, name, orig: node, any: true, props: new Map(), required: new Set(), members: null };
    let v = this.flat.get(s);
    if (v) return { ...v, name, orig: node };
    v = {
      s,
      name: undefined,
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
      discriminator: s.discriminator?.propertyName,
    };
    this.flat.set(s, v); // placeholder against allOf cycles
    for (const [k, p] of Object.entries(s.properties ?? {})) v.props.set(k, p);
    for (const r of s.required ?? []) v.required.add(r);
    for (const part of s.allOf ?? []) {
      const pv = this.view(part);
      for (const [k, p] of pv.props) v.props.set(k, v.props.has(k) ? { allOf: [v.props.get(k), p] } : p);
      for (const r of pv.required) v.required.add(r);
      if (pv.types) v.types = v.types ? new Set([...v.types].filter((t) => pv.types.has(t))) : new Set(pv.types);
      if (pv.closed) v.closed = true;
      if (!v.members && pv.members) v.members = pv.members;
      if (!v.enum && pv.enum) v.enum = pv.enum;
      if (!v.hasConst && pv.hasConst) {
        v.hasConst = true;
        v.const = pv.const;
      }
      if (v.items === undefined && pv.items !== undefined) v.items = pv.items;
      if (!v.discriminator && pv.discriminator) v.discriminator = pv.discriminator;
      for (const k of [
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
      ]) {
        if (pv[k] !== undefined && v[k] === undefined) v[k] = pv[k];
      }
    }
    for (const k of [
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
    ]) {
      if (k in s) v[k] = s[k];
    }
    return { ...v, name, orig: node };
  }
}

// ---------------------------------------------------------------------------------------------
// Findings. A finding carries the JSON location relative to where the comparison started (`at`,
// pointer segments as if every $ref were inlined), and the innermost named component with the
// field path inside it (used for the changelog line).

function finding(breaking, rule, text, extra = {}) {
  return { breaking, rule, text, at: [], field: [], schema: undefined, ...extra };
}

/** Prefixes pointer segments (and, while no component has claimed it, field segments). */
function under(list, at, field) {
  return list.map((f) => ({
    ...f,
    at: [...at, ...f.at],
    field: f.schema === undefined && field ? [field, ...f.field] : f.field,
  }));
}

function claim(list, name) {
  if (!name) return list;
  return list.map((f) => (f.schema === undefined ? { ...f, schema: name } : f));
}

// ---------------------------------------------------------------------------------------------
// Schema comparison

const LOWER_IS_TIGHTER = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];
const HIGHER_IS_TIGHTER = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];

const NULL_SCHEMA = Object.freeze({ type: 'null' });

class Comparer {
  constructor(baseDoc, headDoc) {
    this.base = new Side(baseDoc);
    this.head = new Side(headDoc);
    this.memo = new Map();
    this.stack = new Set();
    this.ids = [new WeakMap(), new WeakMap()];
    this.nextId = 0;
  }

  id(side, obj) {
    const m = this.ids[side];
    let i = m.get(obj);
    if (i === undefined) {
      i = this.nextId++;
      m.set(obj, i);
    }
    return i;
  }

  /** Compares two schemas for one direction ('request' | 'response'). */
  schema(baseNode, headNode, dir) {
    const b = this.base.view(baseNode);
    const h = this.head.view(headNode);
    const key = `${dir}|${this.id(0, b.s)}|${this.id(1, h.s)}`;
    if (this.memo.has(key)) return this.memo.get(key);
    if (this.stack.has(key)) return []; // recursive schema: this pair is already being compared further up
    this.stack.add(key);
    let out;
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

  compareViews(b, h, dir) {
    const req = dir === 'request';
    const out = [];
    const add = (...fs) => out.push(...fs);

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
    const ownShape = (v) => v.types || v.props.size || v.enum || v.hasConst;
    if (shift && !ownShape(unionSide)) return this.members(b, h, dir);

    // type
    if (b.types && h.types) {
      const removed = [...b.types].filter((t) => !h.types.has(t) && !(t === 'integer' && h.types.has('number')));
      const added = [...h.types].filter((t) => !b.types.has(t) && !(t === 'integer' && b.types.has('number')));
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
    const key = (v) => JSON.stringify(v);
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
        if (h[k] !== undefined && (b[k] === undefined || h[k] < b[k]))
          add(
            finding(
              true,
              'request-constraint-tightened',
              b[k] === undefined ? `add \`${k}: ${h[k]}\`` : `lower \`${k}\` from ${b[k]} to ${h[k]}`,
            ),
          );
        else if (b[k] !== undefined && (h[k] === undefined || h[k] > b[k]))
          add(
            finding(
              false,
              'request-constraint-loosened',
              h[k] === undefined ? `drop \`${k}: ${b[k]}\`` : `raise \`${k}\` from ${b[k]} to ${h[k]}`,
            ),
          );
      }
      for (const k of HIGHER_IS_TIGHTER) {
        if (h[k] !== undefined && (b[k] === undefined || h[k] > b[k]))
          add(
            finding(
              true,
              'request-constraint-tightened',
              b[k] === undefined ? `add \`${k}: ${h[k]}\`` : `raise \`${k}\` from ${b[k]} to ${h[k]}`,
            ),
          );
        else if (b[k] !== undefined && (h[k] === undefined || h[k] < b[k]))
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
  wrap(side, v) {
    if (!v.types || !v.types.has('null') || v.types.size < 2) return [v.orig];
    let w = side.wrapped?.get(v.s);
    if (!w) {
      w = [{ allOf: [v.orig, { type: [...v.types].filter((t) => t !== 'null') }] }, NULL_SCHEMA];
      (side.wrapped ??= new WeakMap()).set(v.s, w);
    }
    return w;
  }

  memberKey(side, v, node, i) {
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

  members(b, h, dir) {
    const req = dir === 'request';
    const out = [];
    const kw = (h.members ?? b.members)[0];
    const bm = b.members ? b.members[1] : this.wrap(this.base, b);
    const hm = h.members ? h.members[1] : this.wrap(this.head, h);
    const bk = bm.map((m, i) => this.memberKey(this.base, b, m, i));
    const hk = hm.map((m, i) => this.memberKey(this.head, h, m, i));
    const leftB = [];
    const leftH = new Set(hm.keys());
    const sub = (m, n, j) => under(this.schema(m, n, dir), h.members ? [kw, String(j)] : [], null);
    bm.forEach((m, i) => {
      const j = hk.indexOf(bk[i]);
      if (j >= 0 && leftH.has(j)) {
        leftH.delete(j);
        out.push(...sub(m, hm[j], j));
      } else leftB.push(i);
    });
    // One member left on each side (a renamed component, an edited inline member, a schema turned into a
    // one-member union): compare them as the same member.
    if (leftB.length === 1 && leftH.size === 1) {
      const j = [...leftH][0];
      out.push(...sub(bm[leftB[0]], hm[j], j));
      return out;
    }
    // Otherwise pair each remaining old member with the structurally closest new one of an overlapping type
    // (e.g. a `string` that became `Date | DateTime`), when that pairing is compatible in this direction.
    for (const i of [...leftB]) {
      const bv = this.base.view(bm[i]);
      let best;
      for (const j of leftH) {
        const hv = this.head.view(hm[j]);
        if (bv.types && hv.types && ![...bv.types].some((t) => hv.types.has(t))) continue;
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
    const label = (k) => k.replace(/^(ref|title|disc|type):/, '').replace(/^index:/, '#');
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

function operations(doc) {
  const ops = new Map();
  for (const [p, item0] of Object.entries(doc.paths ?? {})) {
    const [item] = deref(doc, item0);
    for (const m of METHODS) {
      if (!isObj(item[m])) continue;
      const params = new Map();
      for (const prm of [...(item.parameters ?? []), ...(item[m].parameters ?? [])]) {
        const [pr] = deref(doc, prm);
        params.set(`${pr.in}:${pr.name}`, { node: prm, p: pr });
      }
      // Path templates are matched without their parameter names, so a renamed path parameter is
      // reported as a parameter rename rather than as a removed operation.
      const shape = p.replace(/\{[^}]*\}/g, '{}');
      ops.set(`${m.toUpperCase()} ${shape}`, {
        method: m.toUpperCase(),
        path: p,
        op: item[m],
        params,
        pointer: ['paths', p, m],
      });
    }
  }
  return ops;
}

function isSuccess(code) {
  return /^2(\d\d|XX)$/i.test(code);
}

function compareOperation(cmp, bo, ho) {
  const out = [];
  const add = (f) => out.push(f);
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
    const { p } = bo.params.get(k);
    const twin = added.find(
      (a) =>
        a.startsWith(`${p.in}:`) &&
        (p.in === 'path' ||
          (added.filter((x) => x.startsWith(`${p.in}:`)).length === 1 &&
            removed.filter((x) => x.startsWith(`${p.in}:`)).length === 1)),
    );
    if (twin) {
      added.splice(added.indexOf(twin), 1);
      const hp = ho.params.get(twin).p;
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
    const { p } = ho.params.get(k);
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
    if (!ho.params.has(k)) continue;
    out.push(...paramDiff(cmp, bp, ho.params.get(k).p));
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
    for (const [mt, bm] of Object.entries(bb.content ?? {})) {
      const hm = hb.content?.[mt];
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
      if (bm.schema && hm.schema)
        out.push(
          ...under(cmp.schema(bm.schema, hm.schema, 'request'), at, null).map((f) => ({ direction: 'request', ...f })),
        );
    }
  }

  // Responses
  const bR = bo.op.responses ?? {};
  const hR = ho.op.responses ?? {};
  for (const [code, br0] of Object.entries(bR)) {
    const [br] = deref(bDoc, br0);
    if (!(code in hR)) {
      add(
        finding(isSuccess(code), 'response-status-removed', `remove ${code} response`, {
          direction: 'response',
          at: ['responses', code],
        }),
      );
      continue;
    }
    const [hr] = deref(hDoc, hR[code]);
    for (const [mt, bm] of Object.entries(br.content ?? {})) {
      const hm = hr.content?.[mt];
      const at = ['responses', code, 'content', mt, 'schema'];
      if (!hm || (bm.schema && !hm.schema)) {
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
          ...under(cmp.schema(bm.schema, hm.schema, 'response'), at, null).map((f) => ({
            direction: 'response',
            status: code,
            ...f,
          })),
        );
    }
    for (const h of Object.keys(br.headers ?? {})) {
      if (!hr.headers?.[h])
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

function paramDiff(cmp, bp, hp) {
  const out = [];
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
      ...under(cmp.schema(bp.schema, hp.schema, 'request'), [...at, 'schema'], null).map((f) => ({
        direction: 'request',
        param: `${hp.in} parameter \`${hp.name}\``,
        ...f,
      })),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Public API

const cap = (t) => t.charAt(0).toUpperCase() + t.slice(1);

/** One changelog line (STYLE.md item 18) for a finding inside operation `op`. */
function changelogLine(f, op) {
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
export function compareDocuments(baseDoc, headDoc) {
  const cmp = new Comparer(baseDoc, headDoc);
  const bOps = operations(baseDoc);
  const hOps = operations(headDoc);
  const all = [];
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
        location: '/' + bo.pointer.map(pointerSeg).join('/'),
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
        location: '/' + ho.pointer.map(pointerSeg).join('/'),
      });
    }
    for (const f of compareOperation(cmp, bo, ho)) {
      all.push({
        breaking: f.breaking,
        rule: f.rule,
        operation: opName,
        direction: f.direction ?? 'operation',
        message: changelogLine(f, opName),
        location: '/' + [...ho.pointer, ...f.at].map(pointerSeg).join('/'),
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
      location: '/' + ho.pointer.map(pointerSeg).join('/'),
    });
  }
  return { breaking: all.filter((f) => f.breaking), additions: all.filter((f) => !f.breaking) };
}

/** Markdown summary in the changelog grammar (STYLE.md item 18): one bullet per change, ⚠️ marks breaking ones. */
export function toMarkdown(result, { base = 'base', head = 'head' } = {}) {
  const group = (list) => {
    const m = new Map();
    for (const f of list) {
      if (!m.has(f.message)) m.set(f.message, []);
      const ops = m.get(f.message);
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
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv) {
  const o = { json: false, allowBreaking: false };
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
  'usage: node scripts/breaking-changes.mjs (--base <git-ref> | --base-file <file>) [--head <file>] [--json] [--allow-breaking]';

function git(args) {
  return execFileSync('git', args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function main(argv = process.argv.slice(2)) {
  let o;
  try {
    o = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const headFile = path.resolve(o.headFile ?? path.join(ROOT, PUBLISHED));
  let baseText;
  let baseLabel;
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
          ? JSON.stringify({ base: o.base, head: headFile, skipped: msg, breaking: [], additions: [] }, null, 2) + '\n'
          : msg + '\n',
      );
      return 0;
    }
    baseLabel = `${o.base}:${PUBLISHED}`;
  } else {
    if (!existsSync(o.baseFile)) {
      process.stderr.write(`no such file ${o.baseFile}\n`);
      return 2;
    }
    baseText = readFileSync(o.baseFile, 'utf8');
    baseLabel = o.baseFile;
  }
  if (!existsSync(headFile)) {
    process.stderr.write(`no such file ${headFile}\n`);
    return 2;
  }
  let baseDoc;
  let headDoc;
  try {
    baseDoc = JSON.parse(baseText);
    headDoc = JSON.parse(readFileSync(headFile, 'utf8'));
  } catch (e) {
    process.stderr.write(`cannot parse the description: ${e.message}\n`);
    return 2;
  }
  const headLabel = path.relative(process.cwd(), headFile) || headFile;
  const result = compareDocuments(baseDoc, headDoc);
  if (o.json) process.stdout.write(JSON.stringify({ base: baseLabel, head: headLabel, ...result }, null, 2) + '\n');
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

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main();
}
