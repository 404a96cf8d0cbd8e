import type { components, operations, paths } from '../generated/schema.js';

export type { components, operations, paths };

type Schemas = components['schemas'];

/** A lead as the API returns it. */
export type Lead = Schemas['Lead'];
/** The body of `POST /lead/`. */
export type LeadCreate = Schemas['LeadCreate'];
/** The body of `PUT /lead/{lead_id}/` (partial update). */
export type LeadUpdate = Schemas['LeadUpdate'];
export type Event = Schemas['Event'];
export type ApiError = Schemas['ApiError'];
export type RateLimitError = Schemas['RateLimitError'];
