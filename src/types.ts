/**
 * Named aliases for the spec's schemas, so code can say `Lead` instead of `components['schemas']['Lead']`.
 * Response types (`Lead`, `Contact`, …) describe what the API sends; `…Create`/`…Update` types are request
 * bodies (unknown keys rejected, custom fields as `custom.cf_…` keys).
 */
import type { components, operations, paths } from '../generated/schema.js';

export type { components, operations, paths };

type Schemas = components['schemas'];

// Leads
export type Lead = Schemas['Lead'];
export type LeadCreate = Schemas['LeadCreate'];
export type LeadUpdate = Schemas['LeadUpdate'];
export type LeadContactCreate = Schemas['LeadContactCreate'];
export type LeadList = Schemas['LeadList'];
export type LeadMergeRequest = Schemas['LeadMergeRequest'];
export type LeadMergeResult = Schemas['LeadMergeResult'];
// Contacts
export type Contact = Schemas['Contact'];
export type ContactCreate = Schemas['ContactCreate'];
export type ContactUpdate = Schemas['ContactUpdate'];
// Opportunities
export type Opportunity = Schemas['Opportunity'];
export type OpportunityCreate = Schemas['OpportunityCreate'];
export type OpportunityUpdate = Schemas['OpportunityUpdate'];
export type ValuePeriod = Schemas['ValuePeriod'];
// Activities (a union discriminated by `_type`)
export type Activity = Schemas['Activity'];
export type NoteActivity = Schemas['NoteActivity'];
export type CallActivity = Schemas['CallActivity'];
export type EmailActivity = Schemas['EmailActivity'];
export type EmailThreadActivity = Schemas['EmailThreadActivity'];
export type SmsActivity = Schemas['SmsActivity'];
export type MeetingActivity = Schemas['MeetingActivity'];
export type NoteActivityCreate = Schemas['NoteActivityCreate'];
export type CallActivityCreate = Schemas['CallActivityCreate'];
export type EmailActivityCreate = Schemas['EmailActivityCreate'];
export type SmsActivityCreate = Schemas['SmsActivityCreate'];
// Tasks
export type Task = Schemas['Task'];
export type TaskCreate = Schemas['TaskCreate'];
export type TaskUpdate = Schemas['TaskUpdate'];
// Pipelines and statuses
export type Pipeline = Schemas['Pipeline'];
export type PipelineCreate = Schemas['PipelineCreate'];
export type PipelineUpdate = Schemas['PipelineUpdate'];
export type LeadStatus = Schemas['LeadStatus'];
export type OpportunityStatus = Schemas['OpportunityStatus'];
export type OpportunityStatusCreate = Schemas['OpportunityStatusCreate'];
// Users and organization
export type User = Schemas['User'];
export type Me = Schemas['Me'];
export type Organization = Schemas['Organization'];
export type Membership = Schemas['Membership'];
// Custom fields, search, Smart Views, events
export type CustomField = Schemas['CustomField'];
export type CustomFieldCreate = Schemas['CustomFieldCreate'];
export type CustomFieldType = Schemas['CustomFieldType'];
export type SearchRequest = Schemas['SearchRequest'];
export type SearchQuery = Schemas['SearchQuery'];
export type SearchResult = Schemas['SearchResult'];
export type SearchResultItem = Schemas['SearchResultItem'];
export type SavedSearch = Schemas['SavedSearch'];
export type Event = Schemas['Event'];
// Errors and envelopes
export type ApiError = Schemas['ApiError'];
export type RateLimitError = Schemas['RateLimitError'];
export type OffsetPage = Schemas['OffsetPage'];
