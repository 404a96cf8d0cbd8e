// The operation list (generated/operations.js): every operation by operationId, with its method, path, safety class
// and pagination style. Exported as `operationList`: the name `operations` is openapi-typescript's type of the same
// operations (request and response types by operationId), which the package exports too.
export { isOperationId, operationIds, operations as operationList } from '../generated/operations.js';
export type { OperationMethod, OperationPath } from './call.js';
export type {
  CallInit,
  CallResult,
  CloseCall,
  CloseClient,
  CloseClientOptions,
  CloseMethod,
  CloseRequestInit,
  CloseResult,
  ErrorData,
  FieldsData,
  FieldsGuard,
  FieldsHint,
  PacingOptions,
  PickFields,
  RetryEvent,
  RetryOptions,
  SearchRow,
  SuccessData,
  TrimmedData,
} from './client.js';
export { createCloseClient, DEFAULT_BASE_URL } from './client.js';
export type {
  CustomFieldId,
  CustomFieldInput,
  CustomFieldKey,
  CustomFieldsByName,
  CustomFieldValue,
  WithCustomFields,
} from './custom-fields.js';
export {
  CustomFieldNameError,
  customFieldKey,
  customFields,
  customFieldsByName,
  customFieldsOf,
  getCustomField,
  isCustomFieldId,
} from './custom-fields.js';
export type {
  CloseAbortPhase,
  CloseErrorBody,
  CloseFieldError,
  ClosePaginationProblem,
  CloseRateLimitBody,
} from './errors.js';
export {
  CloseAbortError,
  CloseApiError,
  CloseNetworkError,
  ClosePaginationError,
  CloseRateLimitError,
  CloseResponseParseError,
  TRACE_ID_HEADERS,
  unwrap,
} from './errors.js';
export type {
  Page,
  PaginatedFieldsItem,
  PaginatedItem,
  PaginatedPath,
  PaginateInit,
  PaginateOptions,
} from './paginate.js';
export { collectItems, paginate, paginatePages } from './paginate.js';
export type { RateLimitInfo } from './rate-limit.js';
export { parseRateLimit, parseRetryAfter } from './rate-limit.js';
export type { RetryDecision, RetryInput, RetryReason } from './retry.js';
export { isRead, retryDecision } from './retry.js';
export type * from './types.js';
