// customFieldsByName (src/custom-fields.ts) against a real sandbox: names resolve to the seeded lead custom
// fields, the list is fetched once per client, unknown names fail naming the field and listing (a bounded
// number of) the existing ones, and the runtime idea of a custom field id is the spec's.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CloseClient,
  CustomFieldNameError,
  createCloseClient,
  customFieldsByName,
  isCustomFieldId,
  unwrap,
} from '../src/index.js';
import { checkAnswer, type Harness, startHarness } from './support/sandbox.js';
import { loadBundledSpec } from './support/spec-validator.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sandbox.close();
});
beforeEach(() => h.sandbox.reset());

/** A client of its own (so its cache is fresh) whose requests to the field list are counted and checked. */
function countingClient(fail = 0): { close: CloseClient; lists: () => number } {
  let lists = 0;
  let failures = fail;
  const close = createCloseClient({
    apiKey: 'test-key',
    baseUrl: h.sandbox.url,
    retry: false,
    pacing: false,
    fetch: async (input, init) => {
      if (new URL(input.url).pathname.endsWith('/custom_field/lead/') && input.method === 'GET') {
        lists++;
        if (failures-- > 0) return Response.json({ error: 'down' }, { status: 503, headers: { 'retry-after': '1' } });
      }
      const res = await fetch(input, init);
      const text = await res.clone().text();
      checkAnswer(input.method, input.url, res.status, res.headers, text ? JSON.parse(text) : undefined);
      return res;
    },
  });
  return { close, lists: () => lists };
}

describe('customFieldsByName', () => {
  it('resolves names to the custom.cf_… keys a lead body takes, and reads the value back', async () => {
    const cf = customFieldsByName(h.client);
    const id = await cf.id('Source');
    expect(isCustomFieldId(id)).toBe(true);
    const key = await cf.key('Source');
    expect(key).toBe(`custom.${id}`);
    const body = { name: 'Form lead', ...(await cf.values({ Source: 'Website Form', Industry: 'Retail' })) };
    expect(Object.keys(body)).toEqual(['name', key, `custom.${await cf.id('Industry')}`]);
    const lead = await h.client.call('createLead', { body });
    expect(lead[key]).toBe('Website Form');
    const got = await h.client.call('getLead', { params: { path: { lead_id: lead.id } } });
    expect(await cf.get(got, 'Source')).toBe('Website Form');
    expect(await cf.get(got, 'Industry')).toBe('Retail');
  });

  it('fetches the field list once per client, shared by concurrent and later lookups', async () => {
    const { close, lists } = countingClient();
    const cf = customFieldsByName(close);
    expect(customFieldsByName(close)).toBe(cf);
    await Promise.all([cf.id('Source'), cf.key('Industry'), cf.values({ Source: 'x' })]);
    await cf.id('Source');
    expect(lists()).toBe(1);
    const other = countingClient();
    await customFieldsByName(other.close).id('Source');
    expect(other.lists()).toBe(1);
    expect(lists()).toBe(1);
  });

  it('names the missing field and lists the existing ones; suggests a case-insensitive match', async () => {
    const cf = customFieldsByName(countingClient().close);
    const err = await cf.id('Sourse').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CustomFieldNameError);
    expect(err).toMatchObject({ fieldName: 'Sourse', known: ['Source', 'Industry'] });
    expect(String((err as Error).message)).toBe(
      'No lead custom field is named "Sourse". Lead custom fields: "Source", "Industry".',
    );
    await expect(cf.values({ Source: 'ok', source: 'no' })).rejects.toThrow(
      /named "source" \(did you mean "Source"\?\)/,
    );
  });

  it('bounds the names quoted in the error', async () => {
    for (let i = 0; i < 30; i++)
      unwrap(await h.client.POST('/custom_field/lead/', { body: { name: `Field ${i}`, type: 'text' } }));
    const err = await customFieldsByName(countingClient().close)
      .id('Nope')
      .then(
        () => {
          throw new Error('expected a CustomFieldNameError');
        },
        (e: unknown) => e as CustomFieldNameError,
      );
    expect(err.known).toHaveLength(32);
    expect(err.message).toMatch(/"Field 17" and 12 more\.$/);
    expect(err.message.match(/"/g)).toHaveLength(2 + 40);
  });

  it('refresh() sees fields created later; a failed lookup is not cached', async () => {
    const { close, lists } = countingClient(1);
    const cf = customFieldsByName(close);
    await expect(cf.id('Source')).rejects.toMatchObject({ status: 503 });
    expect(await cf.id('Source')).toMatch(/^cf_/);
    expect(lists()).toBe(2);
    unwrap(await h.client.POST('/custom_field/lead/', { body: { name: 'Region', type: 'text' } }));
    await expect(cf.id('Region')).rejects.toBeInstanceOf(CustomFieldNameError);
    cf.refresh();
    expect(await cf.id('Region')).toMatch(/^cf_/);
    expect(lists()).toBe(3);
  });
});

describe('custom field ids', () => {
  it('isCustomFieldId agrees with the spec pattern', () => {
    const schemas = (loadBundledSpec().components as { schemas: Record<string, { pattern?: string }> }).schemas;
    const pattern = new RegExp(schemas.CustomFieldId?.pattern ?? '(missing)');
    for (const id of [
      'cf_abc123',
      'lcf_X',
      'ccf_0',
      'cf_',
      'cf_a-b',
      'Source',
      'custom.cf_a',
      'lead_abc',
      'xcf_a',
      '',
    ]) {
      expect(isCustomFieldId(id), id).toBe(pattern.test(id));
    }
    expect(isCustomFieldId(42)).toBe(false);
  });
});
