// `close.call(operationId, init)` against the sandbox: the same request as by method and path, the success
// body returned, a non-2xx answer thrown as CloseApiError, an unknown operationId refused by name.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CloseApiError } from '../src/index.js';
import { type Harness, startHarness } from './support/sandbox.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ seed: 'demo' });
});
afterAll(async () => {
  await h.sandbox.close();
});
beforeEach(() => {
  h.sandbox.reset();
});

describe('close.call', () => {
  test('creates, reads, updates and lists by operationId', async () => {
    const lead = await h.client.call('createLead', { body: { name: 'Call Co' } });
    expect(lead.name).toBe('Call Co');
    const id = lead.id ?? '';
    expect(id).toMatch(/^lead_/);
    const got = await h.client.call('getLead', { params: { path: { lead_id: id } } });
    expect(got.id).toBe(id);
    const updated = await h.client.call('updateLead', {
      params: { path: { lead_id: id } },
      body: { description: 'from call' },
    });
    expect(updated.description).toBe('from call');
    const page = await h.client.call('listLeads', { params: { query: { query: 'name:"Call Co"', _limit: 5 } } });
    expect(page.data.map((l) => l.id)).toEqual([id]);
    const me = await h.client.call('getMe');
    expect(me.id).toMatch(/^user_/);
  });

  test('a non-2xx answer throws CloseApiError with the status and the operation path', async () => {
    const err = await h.client
      .call('getLead', { params: { path: { lead_id: 'lead_doesnotexist' } } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseApiError);
    expect((err as CloseApiError).status).toBe(404);
    const bad = await h.client.call('createLead', { body: { name: 7 as unknown as string } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(CloseApiError);
    expect((bad as CloseApiError).status).toBe(400);
  });

  test('an unknown operationId is refused by name before anything is sent', async () => {
    const before = h.sandbox.stats().requests;
    const call = h.client.call as unknown as (id: string) => Promise<unknown>;
    await expect(call('dropDatabase')).rejects.toThrow(/unknown operationId "dropDatabase"/);
    await expect(call('toString')).rejects.toThrow(/unknown operationId/);
    expect(h.sandbox.stats().requests).toBe(before);
  });
});
