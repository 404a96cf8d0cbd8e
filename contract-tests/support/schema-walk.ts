// Walks a JSON value against an OpenAPI 3.1 schema and reports *drift*: properties the value has but
// the schema does not declare (response objects are open, so ajv accepts them silently) and declared
// properties whose JSON type is not one the schema allows. $ref, allOf, anyOf/oneOf (picked through
// the discriminator or a `const` property, else every type-compatible branch) and patternProperties
// are resolved. Full validation (formats, patterns, required, enums) is ajv's job (SpecValidator);
// this walker only answers "what did the API send that the spec does not describe".
import { escapeSegment, JsonPointerError, resolveRef } from '../../src/lib/json-pointer.js';

export type JsonSchema = { [key: string]: unknown } | boolean;

export interface UndeclaredField {
  /** Normalised field path, arrays as `[]`: `data[].contacts[].surprise`. */
  field: string;
  /** First concrete JSON pointer seen: `/data/0/contacts/1/surprise`. */
  pointer: string;
  /** JSON type of the value sent. */
  type: string;
}

export interface WrongType {
  field: string;
  /** JSON pointer of the value: `/data/0/name`, or '' for the whole body. */
  pointer: string;
  expected: string[];
  actual: string;
}

export interface WalkResult {
  undeclared: UndeclaredField[];
  wrongType: WrongType[];
}

/** JSON type of a value, `integer` for whole numbers. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value; // string | boolean | object
}

function typeAllowed(actual: string, allowed: Set<string>): boolean {
  return allowed.has(actual) || (actual === 'integer' && allowed.has('number'));
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export class SchemaWalker {
  constructor(private readonly doc: Obj) {}

  /**
   * Resolves a local `$ref` (`#/components/schemas/Lead`), following chains one hop at a time (a hop's
   * sibling keywords may turn it into an allOf, see below). Throws on a non-local, dangling or circular ref.
   */
  resolve(schema: JsonSchema | undefined): JsonSchema | undefined {
    let s = schema;
    const seen = new Set<string>();
    while (isObj(s) && typeof s.$ref === 'string') {
      const ref = s.$ref;
      if (seen.has(ref)) throw new JsonPointerError(`circular $ref: ${[...seen, ref].join(' -> ')}`);
      seen.add(ref);
      const target = resolveRef(this.doc, ref);
      // Sibling keywords next to $ref (3.1 allows them) are kept by treating the pair as allOf.
      const { $ref: _ignored, ...siblings } = s;
      s = Object.keys(siblings).some((k) => !['description', 'summary', 'title', 'examples', 'deprecated'].includes(k))
        ? { allOf: [target as JsonSchema, siblings] }
        : (target as JsonSchema);
    }
    return s;
  }

  walk(schema: JsonSchema | undefined, value: unknown): WalkResult {
    const out: WalkResult = { undeclared: [], wrongType: [] };
    this.visit(schema, value, '', '', out);
    return out;
  }

  /**
   * The schema parts that apply to `value`: the schema itself, every allOf branch, and for anyOf/oneOf
   * the branch the value belongs to. When several alternatives fit (or none does), they are kept as one
   * `__union` part whose members are looked up with anyOf semantics, so nothing is reported that any
   * alternative would declare.
   */
  private applicable(schema: JsonSchema | undefined, value: unknown, acc: Obj[]): void {
    const s = this.resolve(schema);
    if (!isObj(s)) return; // true / undefined: anything, declares nothing
    acc.push(s);
    for (const sub of (s.allOf as JsonSchema[] | undefined) ?? []) this.applicable(sub, value, acc);
    for (const key of ['oneOf', 'anyOf'] as const) {
      const branches = s[key] as JsonSchema[] | undefined;
      if (!branches?.length) continue;
      const picked = this.pickBranches(s, branches, value);
      const chosen = picked.length ? picked : branches;
      const expanded = chosen.map((b) => {
        const part: Obj[] = [];
        this.applicable(b, value, part);
        return part;
      });
      if (expanded.length === 1) acc.push(...(expanded[0] as Obj[]));
      else acc.push({ __union: expanded.map((part) => ({ allOf: part })) });
    }
  }

  private pickBranches(parent: Obj, branches: JsonSchema[], value: unknown): JsonSchema[] {
    const disc = parent.discriminator as { propertyName?: string; mapping?: Record<string, string> } | undefined;
    if (disc?.propertyName && isObj(value)) {
      const tag = value[disc.propertyName];
      if (typeof tag === 'string') {
        const mapped = disc.mapping?.[tag];
        if (mapped) return [{ $ref: mapped }];
        const byConst = branches.filter((b) => this.constOf(b, disc.propertyName as string) === tag);
        if (byConst.length) return byConst;
      }
    }
    const actual = jsonType(value);
    const compatible = branches.filter((b) => {
      const types = this.typesOf(b);
      if (types && !typeAllowed(actual, types)) return false;
      // A branch pinning a property with const (e.g. `_type: const: Note`) only fits values carrying it.
      if (isObj(value)) {
        const s = this.resolve(b);
        if (isObj(s) && isObj(s.properties)) {
          for (const [k, p] of Object.entries(s.properties)) {
            const c = this.constOf(p as JsonSchema, undefined);
            if (c !== undefined && k in value && value[k] !== c) return false;
          }
        }
      }
      return true;
    });
    return compatible;
  }

  private constOf(schema: JsonSchema, property: string | undefined): unknown {
    let s = this.resolve(schema);
    if (property !== undefined) {
      if (!isObj(s)) return undefined;
      const props = this.collectProperties(s);
      s = props.get(property);
      s = this.resolve(s);
    }
    if (!isObj(s)) return undefined;
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length === 1) return s.enum[0];
    return undefined;
  }

  private collectProperties(s: Obj): Map<string, JsonSchema> {
    const out = new Map<string, JsonSchema>();
    const add = (x: JsonSchema | undefined): void => {
      const r = this.resolve(x);
      if (!isObj(r)) return;
      if (isObj(r.properties))
        for (const [k, v] of Object.entries(r.properties)) if (!out.has(k)) out.set(k, v as JsonSchema);
      for (const sub of (r.allOf as JsonSchema[] | undefined) ?? []) add(sub);
    };
    add(s);
    return out;
  }

  /** The JSON types a schema admits, or null when it does not constrain the type. */
  typesOf(schema: JsonSchema | undefined): Set<string> | null {
    const s = this.resolve(schema);
    if (!isObj(s)) return null;
    let result: Set<string> | null = null;
    const intersect = (t: Set<string> | null): void => {
      if (!t) return;
      if (!result) {
        result = new Set(t);
        return;
      }
      const next = new Set<string>();
      for (const x of result) if (typeAllowed(x, t)) next.add(x);
      for (const x of t) if (x === 'integer' && result.has('number')) next.add('integer');
      result = next;
    };
    if (typeof s.type === 'string') intersect(new Set([s.type]));
    else if (Array.isArray(s.type)) intersect(new Set(s.type as string[]));
    else if ('const' in s) intersect(new Set([jsonType(s.const)]));
    else if (Array.isArray(s.enum)) intersect(new Set(s.enum.map(jsonType)));
    for (const sub of (s.allOf as JsonSchema[] | undefined) ?? []) intersect(this.typesOf(sub));
    for (const key of ['oneOf', 'anyOf'] as const) {
      const branches = s[key] as JsonSchema[] | undefined;
      if (!branches?.length) continue;
      const union = new Set<string>();
      let open = false;
      for (const b of branches) {
        const t = this.typesOf(b);
        if (!t) open = true;
        else for (const x of t) union.add(x);
      }
      if (!open) intersect(union);
    }
    return result;
  }

  private visit(schema: JsonSchema | undefined, value: unknown, field: string, pointer: string, out: WalkResult): void {
    const actual = jsonType(value);
    const types = this.typesOf(schema);
    if (types && !typeAllowed(actual, types)) {
      out.wrongType.push({ field: field || '(body)', pointer, expected: [...types].sort(), actual });
      return;
    }
    const parts: Obj[] = [];
    this.applicable(schema, value, parts);
    if (!parts.length) return;

    if (Array.isArray(value)) {
      const itemSchemas = this.flatten(parts)
        .map((p) => p.items as JsonSchema | undefined)
        .filter((x): x is JsonSchema => x !== undefined);
      if (!itemSchemas.length) return;
      const item: JsonSchema = itemSchemas.length === 1 ? (itemSchemas[0] as JsonSchema) : { allOf: itemSchemas };
      for (const [i, v] of value.entries()) this.visit(item, v, `${field}[]`, `${pointer}/${i}`, out);
      return;
    }
    if (!isObj(value)) return;
    // A free-form object (`type: object` and nothing about its members, e.g. an event's `data`) declares
    // any member: only objects whose members the spec describes can drift.
    const flat = this.flatten(parts);
    if (!flat.some((p) => isObj(p.properties) || isObj(p.patternProperties) || p.additionalProperties !== undefined))
      return;

    for (const [key, child] of Object.entries(value)) {
      const childField = field ? `${field}.${key}` : key;
      const childPointer = `${pointer}/${escapeSegment(key)}`;
      const childSchema = this.declaration(parts, key);
      if (childSchema === undefined) {
        out.undeclared.push({ field: childField, pointer: childPointer, type: jsonType(child) });
        continue;
      }
      this.visit(childSchema, child, childField, childPointer, out);
    }
  }

  /** Expands `__union` markers into their members (for properties/items lookup). */
  private flatten(parts: Obj[]): Obj[] {
    const out: Obj[] = [];
    for (const p of parts) {
      if (Array.isArray(p.__union)) {
        for (const u of p.__union as Obj[]) out.push(...this.flatten((u.allOf as Obj[]) ?? []));
      } else out.push(p);
    }
    return out;
  }

  /**
   * The schema that declares `key` among the applicable parts; undefined when undeclared. Parts from
   * allOf combine with allOf; parts from alternative branches (`__union`) combine with anyOf.
   */
  private declaration(parts: Obj[], key: string): JsonSchema | undefined {
    const must: JsonSchema[] = [];
    let declared = false;
    for (const p of parts) {
      if (Array.isArray(p.__union)) {
        const alts: JsonSchema[] = [];
        for (const u of p.__union as Obj[]) {
          const d = this.declaration((u.allOf as Obj[]) ?? [], key);
          if (d !== undefined) alts.push(d);
        }
        if (alts.length) {
          declared = true;
          must.push(alts.length === 1 ? (alts[0] as JsonSchema) : { anyOf: alts });
        }
        continue;
      }
      const fromProps = isObj(p.properties) ? (p.properties as Obj)[key] : undefined;
      if (fromProps !== undefined) {
        declared = true;
        must.push(fromProps as JsonSchema);
        continue;
      }
      let matchedPattern = false;
      if (isObj(p.patternProperties)) {
        for (const [re, sub] of Object.entries(p.patternProperties)) {
          if (new RegExp(re, 'u').test(key)) {
            declared = true;
            matchedPattern = true;
            must.push(sub as JsonSchema);
          }
        }
      }
      // `additionalProperties: true` written out, or a schema, declares every other member.
      if (!matchedPattern && (isObj(p.additionalProperties) || p.additionalProperties === true)) {
        declared = true;
        must.push(p.additionalProperties as JsonSchema);
      }
    }
    if (!declared) return undefined;
    if (must.length === 1) return must[0];
    return { allOf: must };
  }
}
