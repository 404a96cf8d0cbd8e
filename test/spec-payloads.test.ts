// Realistic payloads against the bundled spec. test/fixtures/responses/<operationId>.json and
// test/fixtures/requests/<operationId>.json hold `{ valid: Case[], invalid: Case[] }` with
// Case = { name, status (responses only), source (the evidence), body, reason (invalid only), fields (the
// `_fields` a trimmed response was asked with: `required` then only covers those) }. Every valid case
// must validate, every invalid case must be rejected by the schema. Response cases are checked against
// the schema of their status (which must be declared); request cases against the request body schema.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpecValidator, type ValidationResult } from './support/spec-validator.js';

type Case = { name: string; status?: number; source: string; body: unknown; reason?: string; fields?: string[] };
type Fixture = { valid?: Case[]; invalid?: Case[] };

const here = dirname(fileURLToPath(import.meta.url));
const validator = new SpecValidator();
const known = new Set(validator.operations().map((o) => o.operationId));

function load(kind: 'responses' | 'requests') {
  const dir = resolve(here, 'fixtures', kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      file: join('test/fixtures', kind, f),
      operationId: basename(f, '.json'),
      fixture: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture,
    }));
}

const show = (r: ValidationResult) => r.errors.map((e) => `${e.path}: ${e.message} (${e.keyword})`).join('\n');

function suite(kind: 'responses' | 'requests') {
  const files = load(kind);
  describe(`${kind} fixtures`, () => {
    it(`there are ${kind} fixtures`, () => {
      expect(files.length).toBeGreaterThan(0);
    });
    for (const { file, operationId, fixture } of files) {
      describe(file, () => {
        it(`${operationId} is an operation of the spec`, () => {
          expect(known.has(operationId), `${file}: no operation "${operationId}" in generated/openapi.json`).toBe(true);
        });
        it(`${operationId} fixture has cases in the shared format`, () => {
          const all = [...(fixture.valid ?? []), ...(fixture.invalid ?? [])];
          expect((fixture.valid ?? []).length).toBeGreaterThan(0);
          for (const c of all) {
            expect(typeof c.name, `${file}: case name`).toBe('string');
            expect(typeof c.source, `${file} "${c.name}": source`).toBe('string');
            expect(c, `${file} "${c.name}": body`).toHaveProperty('body');
            if (kind === 'responses') expect(Number.isInteger(c.status), `${file} "${c.name}": status`).toBe(true);
          }
          for (const c of fixture.invalid ?? []) expect(typeof c.reason, `${file} "${c.name}": reason`).toBe('string');
        });
        if (!known.has(operationId)) return;
        const check = (c: Case) =>
          kind === 'responses'
            ? validator.validateResponse(operationId, c.status as number, c.body, { fields: c.fields })
            : validator.validateRequestBody(operationId, c.body);
        for (const c of fixture.valid ?? []) {
          it(`${operationId} ${c.name}`, () => {
            const r = check(c);
            expect(r.undeclaredStatus ?? false, `status ${c.status} is not declared for ${operationId}`).toBe(false);
            expect(r.valid, `${c.source}\n${show(r)}`).toBe(true);
          });
        }
        for (const c of fixture.invalid ?? []) {
          it(`${operationId} ${c.name}`, () => {
            const r = check(c);
            // Rejected by the schema itself, not merely because the status code is undeclared.
            expect(r.undeclaredStatus ?? false, `status ${c.status} is not declared for ${operationId}`).toBe(false);
            expect(r.valid, `should be rejected: ${c.reason ?? ''}`).toBe(false);
            expect(r.errors.length).toBeGreaterThan(0);
          });
        }
      });
    }
  });
}

suite('responses');
suite('requests');
