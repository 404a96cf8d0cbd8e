/**
 * Named types for the spec, all generated, so that a new schema or operation needs no edit here:
 * - every component schema by its name (`Lead` for `components['schemas']['Lead']`), from generated/aliases.d.ts:
 *   response types (`Lead`, `Contact`, …) describe what the API sends; `…Create`/`…Update` types are request
 *   bodies (unknown keys rejected, custom fields as `custom.cf_…` keys); ids are prefix template types
 *   (`LeadId` is `` `lead_${string}` ``). Three names are also exported by src/custom-fields.ts
 *   (`CustomFieldId`, `CustomFieldInput`, `CustomFieldValue`, the same types), which an explicit export in
 *   src/index.ts lets win; test/operations.test.ts fails on any other clash;
 * - every operation by its operationId (`OperationId`, the `operations` list from generated/operations.js), with
 *   `OperationBody<'createLead'>`, `OperationQuery<'listLeads'>`, `OperationPathParams<'getLead'>` and
 *   `OperationResult<'getLead'>` for its request and success response.
 */
import type { OperationId } from '../generated/operations.js';
import type { components, operations as Operations, paths } from '../generated/schema.js';

export type * from '../generated/aliases.js';
export type { OperationId, OperationInfo, PaginationStyle, Safety } from '../generated/operations.js';
export type { components, Operations as operations, paths };

type Op<K extends OperationId> = Operations[K];
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON request body of an operation (`never` when it takes none). */
export type OperationBody<K extends OperationId> =
  Op<K> extends { requestBody?: infer R } ? Json<NonNullable<R>> : never;
/** The query parameters of an operation (`never` when it has none). */
export type OperationQuery<K extends OperationId> =
  Op<K> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
/** The path parameters of an operation (`never` when it has none). */
export type OperationPathParams<K extends OperationId> =
  Op<K> extends { parameters: { path?: infer P } } ? NonNullable<P> : never;
/** The body of an operation's success response (200, 201, 202 or 204: the 2xx statuses the spec uses). */
export type OperationResult<K extends OperationId> = {
  [S in keyof Op<K>['responses']]: S extends 200 | 201 | 202 | 204 ? Json<Op<K>['responses'][S]> : never;
}[keyof Op<K>['responses']];
