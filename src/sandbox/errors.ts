// Close's error bodies, as the sandbox sends them (see the reference's §1.4 and the spec's ApiError):
//   400 validation  {"errors": [...], "field-errors": {"<field>": "<message>"}}
//   404 object      {"error": "Empty query: Lead matching query does not exist."}
//   401, others     {"error": "<message>"}
import type { Obj } from './store.js';

/** An answer other than success: thrown by handlers and the HTTP layer, sent as is. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly body: Obj,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

/** Close's wording for a reference to an object that does not exist (`"lead": "Object does not exist."`). */
export const DOES_NOT_EXIST = 'Object does not exist.';
/** Close's wording for a missing required field. */
export const REQUIRED = 'This field is required.';
/** Close's wording for an unknown enum value or label. */
export const BAD_CHOICE = 'Not a valid choice.';

/** 400 naming one field. */
export function fieldError(field: string, message: string): HttpError {
  return new HttpError(400, { errors: [], 'field-errors': { [field]: message } });
}

/** 400 not tied to a field. */
export function requestError(message: string): HttpError {
  return new HttpError(400, { errors: [message], 'field-errors': {} });
}

/** 404 for an unknown id: `Empty query: <Model> matching query does not exist.` */
export function notFound(model: string): HttpError {
  return new HttpError(404, { error: `Empty query: ${model} matching query does not exist.` });
}

/** The 401 body Close sends for missing or bad credentials. */
export const UNAUTHORIZED =
  "The server could not verify that you are authorized to access the URL requested. You either supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required.";
