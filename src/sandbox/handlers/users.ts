// The current user, the organisation's users and the organisation. Every API key acts as the same
// user: the first (admin) user of the seed.
import { notFound } from '../errors.js';
import { meView, organizationView, userView } from '../views.js';
import { page, pickFields } from './common.js';
import type { Handler, HandlerMap } from './context.js';

const getMe: Handler = (ctx) => ({ body: pickFields(meView(ctx.store), ctx.query.list('_fields')) });

const listUsers: Handler = (ctx) => {
  const users = [...ctx.store.state.users];
  const order = ctx.query.string('_order_by');
  if (order) {
    const keys = order.split(',') as Array<'first_name' | 'last_name'>;
    users.sort((a, b) => {
      for (const k of keys) {
        const c = a[k].localeCompare(b[k]);
        if (c) return c;
      }
      return 0;
    });
  }
  return { body: page(ctx, users, (u) => userView(ctx.store, u)) };
};

const getOrganization: Handler = (ctx) => {
  if (ctx.params.organization_id !== ctx.store.state.organization.id) throw notFound('Organization');
  const expand = ctx.query.list('_expand') ?? [];
  return { body: organizationView(ctx.store, expand.includes('memberships__user')) };
};

export const userHandlers = { getMe, listUsers, getOrganization } satisfies Partial<HandlerMap>;
