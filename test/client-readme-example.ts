import { createCloseClient, paginate, unwrap } from '../src/index.js';

const apiKey = process.env.CLOSE_API_KEY;
if (!apiKey) throw new Error('Set CLOSE_API_KEY to your Close API key');
const close = createCloseClient({
  apiKey, // or { accessToken } for an OAuth app
  baseUrl: process.env.CLOSE_BASE_URL, // default https://api.close.com/api/v1 (the sandbox: http://127.0.0.1:4010/api/v1)
});

// Create a lead with a contact and a custom field (custom fields are `custom.cf_<field id>` keys).
const lead = unwrap(
  await close.POST('/lead/', {
    body: {
      name: 'Wayne Enterprises',
      contacts: [{ name: 'Bruce Wayne', title: 'CEO', emails: [{ email: 'bruce@wayne.example', type: 'office' }] }],
      'custom.cf_v3xRvLfWTzNDajB3t1Ov3qZ7BDnDE9W9YJxNvTuY7NA': 'Website',
    },
  }),
);

// Log a call on it. (`_fields` can trim any response, so the types leave every field optional.)
if (!lead.id) throw new Error('the created lead has no id');
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
