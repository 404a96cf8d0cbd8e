import { createCloseClient, customFieldsByName, paginate, unwrap } from '../src/index.js';

const apiKey = process.env.CLOSE_API_KEY;
if (!apiKey) throw new Error('Set CLOSE_API_KEY to your Close API key');
const close = createCloseClient({
  apiKey, // or { accessToken } for an OAuth app
  baseUrl: process.env.CLOSE_BASE_URL, // default https://api.close.com/api/v1 (the sandbox: http://127.0.0.1:4010/api/v1)
});

// Custom fields are `custom.<field id>` keys; customFieldsByName looks the ids up by name (once per client).
const cf = customFieldsByName(close);

// Create a lead with a contact and the "Source" custom field.
const lead = unwrap(
  await close.POST('/lead/', {
    body: {
      name: 'Wayne Enterprises',
      contacts: [{ name: 'Bruce Wayne', title: 'CEO', emails: [{ email: 'bruce@wayne.example', type: 'office' }] }],
      ...(await cf.values({ Source: 'Website' })),
    },
  }),
);

// Log a call on it. Fields Close always sends are never undefined, and ids are typed by kind
// (`lead.id` is a `lead_…` id: a contact id would not compile as `lead_id`).
const call = unwrap(
  await close.POST('/activity/call/', {
    body: { lead_id: lead.id, direction: 'outbound', duration: 180, note: 'Walked through pricing.' },
  }),
);
console.log(`created ${lead.id} and logged call ${call.id}`);

// Iterate over the leads matching a search query; pages are fetched as the loop goes.
let seen = 0;
for await (const found of paginate(close, '/lead/', { params: { query: { query: 'name:"Wayne Enterprises"' } } })) {
  console.log(found.id, found.display_name);
  if (++seen === 50) break; // stop whenever you like: no further page is requested
}
