// The sandbox store's bookkeeping: the index of contacts, opportunities and tasks by lead (a lead's view
// embeds exactly what a scan of the whole state finds, in the same order, after creates, moves, merges,
// deletes, reset() and a snapshot load), the cached newest-first order of leads, the event log's cap
// (EVENT_LOG_LIMIT events, EVENT_LOG_DAYS days) and ids.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeSnapshotFile } from '../src/sandbox/index.js';
import { createSeed } from '../src/sandbox/seed.js';
import { EVENT_LOG_DAYS, EVENT_LOG_LIMIT, makeId, type Snapshot, Store } from '../src/sandbox/store.js';
import { leadView } from '../src/sandbox/views.js';
import { type Harness, startHarness } from './support/sandbox.js';

type Obj = Record<string, unknown>;
const idsOf = (list: unknown): string[] => (list as { id: string }[]).map((x) => x.id);

/** What a lead's view must embed: every record of the snapshot on that lead, in the snapshot's order. */
function expected(snap: Snapshot, leadId: string) {
  const s = snap.state;
  return {
    contacts: s.contacts.filter((c) => c.lead_id === leadId).map((c) => c.id),
    opportunities: s.opportunities.filter((o) => o.lead_id === leadId).map((o) => o.id),
    tasks: s.tasks.filter((t) => t.lead_id === leadId && !t.is_complete).map((t) => t.id),
  };
}

/** Every lead's view (GET /lead/{id}/) against a scan of the state. */
async function expectIndexRight(h: Harness): Promise<void> {
  const snap = h.sandbox.snapshot();
  expect(snap.state.leads.length).toBeGreaterThan(0);
  for (const lead of snap.state.leads) {
    const got = (await h.call('GET', `/lead/${lead.id}/`)).body as Obj;
    expect(
      { contacts: idsOf(got.contacts), opportunities: idsOf(got.opportunities), tasks: idsOf(got.tasks) },
      lead.id,
    ).toEqual(expected(snap, lead.id));
  }
  // The list: newest first, as a sort of the snapshot gives.
  const list = (await h.call('GET', '/lead/?_limit=1000&_fields=id')).body as { data: Obj[] };
  const order = [...snap.state.leads]
    .reverse()
    .sort((a, b) => b.date_created.localeCompare(a.date_created))
    .map((l) => l.id);
  expect(idsOf(list.data)).toEqual(order);
}

describe('the index by lead stays right', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ seed: 'demo' });
    dir = mkdtempSync(join(tmpdir(), 'sandbox-store-'));
  });
  afterAll(async () => {
    await h.sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('after creates, moves, a merge, deletes, reset() and a snapshot load', async () => {
    await expectIndexRight(h);
    const snap = h.sandbox.snapshot();
    const [a, b, c] = snap.state.leads.map((l) => l.id);
    if (!a || !b || !c) throw new Error('the demo seed has fewer than three leads');

    // Creates: a lead with contacts, contacts, opportunities and tasks on existing leads.
    const created = (
      await h.call('POST', '/lead/', { body: { name: 'Index', contacts: [{ name: 'X' }, { name: 'Y' }] } })
    ).body as Obj;
    const fresh = created.id as string;
    expect(idsOf(created.contacts)).toHaveLength(2);
    const contact = (await h.call('POST', '/contact/', { body: { lead_id: a, name: 'Moved later' } })).body as Obj;
    const status = snap.state.opportunityStatuses[0]?.id;
    const oppo = (await h.call('POST', '/opportunity/', { body: { lead_id: a, status_id: status, value: 100 } }))
      .body as Obj;
    const task = (await h.call('POST', '/task/', { body: { lead_id: a, text: 'Moved later' } })).body as Obj;
    await expectIndexRight(h);

    // Moves: a contact and a task to another lead (update with lead_id); completing a task.
    expect((await h.call('PUT', `/contact/${contact.id}/`, { body: { lead_id: b } })).status).toBe(200);
    expect((await h.call('PUT', `/task/${task.id}/`, { body: { lead_id: b } })).status).toBe(200);
    const other = snap.state.tasks.find((t) => !t.is_complete);
    if (other) await h.call('PUT', `/task/${other.id}/`, { body: { is_complete: true } });
    await expectIndexRight(h);
    const leadB = (await h.call('GET', `/lead/${b}/`)).body as Obj;
    expect(idsOf(leadB.contacts)).toContain(contact.id);
    expect(idsOf(leadB.tasks)).toContain(task.id);

    // A merge: a's contacts, opportunities and tasks go to c, in the order they were created.
    expect((await h.call('POST', '/lead/merge/', { body: { source: a, destination: c } })).status).toBe(200);
    const leadC = (await h.call('GET', `/lead/${c}/`)).body as Obj;
    expect(idsOf(leadC.opportunities)).toContain(oppo.id);
    await expectIndexRight(h);

    // Deletes: a lead with everything on it.
    expect((await h.call('DELETE', `/lead/${c}/`)).status).toBe(200);
    expect((await h.call('DELETE', `/lead/${fresh}/`)).status).toBe(200);
    expect((await h.call('GET', `/opportunity/${oppo.id}/`)).status).toBe(404);
    await expectIndexRight(h);

    // A snapshot load: the state written to a file, loaded by a new sandbox.
    const file = join(dir, 'state.json');
    const saved = h.sandbox.snapshot();
    writeSnapshotFile(file, saved);
    const loaded = await startHarness({ data: file });
    try {
      expect(loaded.sandbox.snapshot().state.leads.map((l) => l.id)).toEqual(saved.state.leads.map((l) => l.id));
      await expectIndexRight(loaded);
      await loaded.call('POST', '/contact/', { body: { lead_id: b, name: 'After load' } });
      await expectIndexRight(loaded);
    } finally {
      await loaded.sandbox.close();
    }

    // reset(): back to the seed.
    h.sandbox.reset();
    await expectIndexRight(h);
    expect(h.sandbox.snapshot().state.leads.map((l) => l.id)).toEqual(snap.state.leads.map((l) => l.id));
  });
});

describe('the store', () => {
  test('the index notices records set or deleted directly on the maps, and a new state', () => {
    const store = new Store(createSeed('demo'));
    const lead = [...store.state.leads.values()][0];
    if (!lead) throw new Error('no lead');
    const before = store.childrenOf('contacts', lead.id).length;
    const c = { ...[...store.state.contacts.values()][0], id: makeId('cont'), lead_id: lead.id } as never;
    store.state.contacts.set((c as { id: string }).id, c);
    expect(store.childrenOf('contacts', lead.id)).toHaveLength(before + 1);
    store.state.contacts.delete((c as { id: string }).id);
    expect(store.childrenOf('contacts', lead.id)).toHaveLength(before);
    store.state = createSeed('empty');
    expect(store.childrenOf('contacts', lead.id)).toHaveLength(0);
    expect(store.leadsNewestFirst()).toHaveLength(0);
  });

  test(`the event log keeps at most ${EVENT_LOG_LIMIT} events, none older than ${EVENT_LOG_DAYS} days`, () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const store = new Store(createSeed('demo'), () => new Date(now));
    const lead = [...store.state.leads.values()][0];
    if (!lead) throw new Error('no lead');
    const req = { method: 'PUT', path: `/lead/${lead.id}/`, requestId: 'req_test' };
    const emit = () =>
      store.emit(req, { objectType: 'lead', objectId: lead.id, action: 'updated', leadId: lead.id, data: null });
    for (let i = 0; i < EVENT_LOG_LIMIT + 50; i++) emit();
    const events = store.state.events;
    expect(events).toHaveLength(EVENT_LOG_LIMIT);
    // The oldest were dropped: the log holds the last EVENT_LOG_LIMIT, in order.
    expect(events[0]?.seq).toBe(51);
    expect(events.at(-1)?.seq).toBe(EVENT_LOG_LIMIT + 50);

    // 31 days later, one write: everything older than 30 days goes.
    now += 31 * 86_400_000;
    emit();
    expect(store.state.events).toHaveLength(1);
    expect(store.state.events[0]?.seq).toBe(EVENT_LOG_LIMIT + 51);

    // Within 30 days nothing is dropped for age.
    now += 29 * 86_400_000;
    emit();
    expect(store.state.events).toHaveLength(2);
  });

  test('ids: the prefix and 22 characters of the base62 alphabet, every character used', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = makeId('lead');
      expect(id).toMatch(/^lead_[A-Za-z0-9]{22}$/);
      for (const ch of id.slice(5)) seen.add(ch);
    }
    expect(seen.size).toBe(62);
    // Seeded ids are what they were: the same seed gives the same ids.
    expect(createSeed('demo').leads.keys().next().value).toBe(createSeed('demo').leads.keys().next().value);
  });

  test('a lead view renders the same properties in the same order as before (spread order)', () => {
    const store = new Store(createSeed('demo'));
    const lead = [...store.state.leads.values()].find((l) => store.childrenOf('opportunities', l.id).length > 0);
    if (!lead) throw new Error('no lead with an opportunity');
    const view = leadView(store, lead);
    const { custom: _custom, ...rest } = lead;
    // The record's own keys first, in their order, then the computed ones.
    expect(Object.keys(view).slice(0, Object.keys(rest).length)).toEqual(Object.keys(rest));
    expect(Object.keys(view)).toContain('display_name');
    expect(lead).not.toHaveProperty('display_name'); // the record itself is untouched
  });
});
