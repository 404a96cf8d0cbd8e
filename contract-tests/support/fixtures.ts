// Facts about the target organisation the tests build on (read once): the calling user, a second
// user to assign to, a lead status, and a pipeline that has an active and a won status. Creating
// things here is avoided: it only reads.

import type { components } from '../../generated/schema.js';
import { unwrap } from '../../src/index.js';
import type { Contract } from './context.js';

type Schemas = components['schemas'];
export type UserId = Schemas['UserId'];
export type StatusId = Schemas['StatusId'];
export type PipelineId = Schemas['PipelineId'];
export type LeadId = Schemas['LeadId'];
export type OrganizationId = Schemas['OrganizationId'];

export interface Fixtures {
  userId: UserId;
  /** Another user of the organisation when there is one, else the caller. */
  otherUserId: UserId;
  organizationId: OrganizationId;
  leadStatusId: StatusId;
  pipelineId: PipelineId;
  activeStatusId: StatusId;
  wonStatusId: StatusId;
}

export async function loadFixtures(c: Contract): Promise<Fixtures> {
  const me = unwrap(await c.client.GET('/me/'));
  if (!me.id) throw new Error('GET /me/ returned no user id');
  const organizationId = me.organizations?.[0]?.id ?? me.memberships?.find((m) => m.organization_id)?.organization_id;
  if (!organizationId) throw new Error('GET /me/ returned no organization');
  const users = unwrap(await c.client.GET('/user/', { params: { query: { _limit: 100 } } }));
  const other = users.data.find((u) => u.id && u.id !== me.id)?.id ?? me.id;
  const statuses = unwrap(await c.client.GET('/status/lead/'));
  const leadStatusId = statuses.data[0]?.id;
  if (!leadStatusId) throw new Error('the organisation has no lead status');
  const pipelines = unwrap(await c.client.GET('/pipeline/'));
  const pipeline = pipelines.data.find(
    (p) => p.statuses?.some((s) => s.type === 'active') && p.statuses.some((s) => s.type === 'won'),
  );
  const active = pipeline?.statuses?.find((s) => s.type === 'active');
  const won = pipeline?.statuses?.find((s) => s.type === 'won');
  if (!pipeline?.id || !active?.id || !won?.id) throw new Error('no pipeline with both an active and a won status');
  return {
    userId: me.id,
    otherUserId: other,
    organizationId,
    leadStatusId,
    pipelineId: pipeline.id,
    activeStatusId: active.id,
    wonStatusId: won.id,
  };
}
