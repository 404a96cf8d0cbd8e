// Every operation of the spec, one handler each, keyed by operationId. The map is checked against the
// generated operation list: an operation added to the spec without a handler here (or a handler
// removed) fails `npm run typecheck`, naming the operationId; each resource's partial map rejects a
// key that is not an operationId.
import { activityHandlers } from './activities.js';
import { contactHandlers } from './contacts.js';
import type { HandlerMap } from './context.js';
import { customFieldHandlers } from './custom-fields.js';
import { eventHandlers } from './events.js';
import { leadHandlers } from './leads.js';
import { opportunityHandlers } from './opportunities.js';
import { pipelineHandlers } from './pipelines.js';
import { searchHandlers } from './search.js';
import { taskHandlers } from './tasks.js';
import { userHandlers } from './users.js';

export const handlers = {
  ...leadHandlers,
  ...contactHandlers,
  ...opportunityHandlers,
  ...activityHandlers,
  ...taskHandlers,
  ...pipelineHandlers,
  ...userHandlers,
  ...customFieldHandlers,
  ...searchHandlers,
  ...eventHandlers,
} satisfies HandlerMap;

export type { Ctx, Handler, HandlerMap, Result } from './context.js';
export { JsonBody, QueryValues } from './context.js';
export { extraRoutes } from './extra.js';
