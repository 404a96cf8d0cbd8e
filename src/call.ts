/**
 * `close.call(operationId, init)`: an operation called by its operationId instead of its method and path,
 * resolving to the success body and throwing `CloseApiError` otherwise. It goes through the same client
 * (credentials, pacing, retries, write-outcome rules) as `close.GET`/`POST`/…, so nothing here sends HTTP.
 * The agent toolkit executes operations through it.
 */
import { type OperationId, operations } from '../generated/operations.js';
import type { paths } from '../generated/schema.js';
import { unwrap } from './errors.js';

type Ops = typeof operations;
type Method = 'get' | 'put' | 'post' | 'delete';
/** The path template of an operation (`/lead/{lead_id}/` for `getLead`). */
export type OperationPath<K extends OperationId> = Ops[K]['path'] & keyof paths;
/** The HTTP method of an operation, lower case as in `paths`. */
export type OperationMethod<K extends OperationId> = Ops[K]['method'] & Method;
type Operation<K extends OperationId> = NonNullable<paths[OperationPath<K>][OperationMethod<K>]>;

/** @internal The minimal shape of the client `call` sends through (one method per HTTP verb). */
export type Sender = Record<
  'GET' | 'PUT' | 'POST' | 'DELETE',
  (url: string, init?: unknown) => Promise<{ data?: unknown; error?: unknown; response: Response }>
>;

/** @internal */
export function makeCall(sender: Sender): (operationId: string, init?: unknown) => Promise<unknown> {
  return async (operationId, init) => {
    // Plain JavaScript and agents can pass any string: name it rather than fail on `undefined.method`.
    const op = Object.hasOwn(operations, operationId) ? operations[operationId as OperationId] : undefined;
    if (op === undefined) {
      throw new TypeError(`close.call: unknown operationId ${JSON.stringify(String(operationId).slice(0, 80))}.`);
    }
    const method = op.method.toUpperCase() as keyof Sender;
    return unwrap(await sender[method](op.path, init));
  };
}

export type { Operation as CallOperation };
