// The sandbox's starting states.
//
// - `demo`: a small, realistic organisation ("Brightwave Software"): two users, Close's default lead
//   statuses, a "Sales" pipeline (Discovery, Proposal Sent, Negotiation, Closed Won, Closed Lost),
//   lead custom fields "Source" (text) and "Industry" (choices), 30 leads with 1-3 contacts each,
//   opportunities across the pipeline, notes, calls, emails and SMS, open tasks, and two Smart Views.
// - `empty`: the same organisation and user, its lead statuses and a "Sales" pipeline, and nothing else.
//
// Deterministic: names, ids, values and the relations between them are the same on every start (a
// seeded generator); dates are relative to the moment the state is created (so tasks due "tomorrow"
// stay due tomorrow). Every name is fictional; addresses use the reserved `.example` domain and
// phone numbers the 555-01xx range.
import {
  type ActivityRecord,
  type ContactRecord,
  type CustomFieldRecord,
  isoDate,
  type LeadRecord,
  type LeadStatusRecord,
  makeId,
  naive,
  type Obj,
  type OpportunityRecord,
  type OpportunityStatusRecord,
  type PipelineRecord,
  type Random,
  type SavedSearchRecord,
  type State,
  type StatusType,
  seededRandom,
  stamp,
  type TaskRecord,
  type UserRecord,
  type ValuePeriod,
} from './store.js';

export type SeedName = 'demo' | 'empty';
export const SEED_NAMES: readonly SeedName[] = ['demo', 'empty'];

const DAY = 86_400_000;
/** Id of the demo seed's "Source" lead custom field. */
export const SOURCE_FIELD_ID = 'cf_v3xRvLfWTzNDajB3t1Ov3qZ7BDnDE9W9YJxNvTuY7NA';

const COMPANIES = [
  'Northwind Traders',
  'Bluebird Logistics',
  'Crescent Dental Group',
  'Summit Ridge Outfitters',
  'Harborview Realty',
  'Lumen Analytics',
  'Pinecrest Manufacturing',
  'Redwood Legal LLP',
  'Silverline Fitness',
  'Tidewater Marine Supply',
  'Quarry Lane Bakery',
  'Ironclad Security',
  'Meadowbrook Schools',
  'Copperfield Hotels',
  'Brightpath Tutoring',
  'Evergreen Health Clinic',
  'Foxglove Florists',
  'Granite State Roofing',
  'Hollow Creek Winery',
  'Juniper Software',
  'Keystone Insurance Partners',
  'Lakeside Veterinary',
  'Maple Street Media',
  'Nimbus Cloud Services',
  'Orchard Hill Farms',
  'Prairie Wind Energy',
  'Riverbend Accounting',
  'Sagebrush Consulting',
  'Trailhead Bikes',
  'Waverly Architects',
];
const FIRST = [
  'Ava',
  'Liam',
  'Sofia',
  'Noah',
  'Maya',
  'Ethan',
  'Chloe',
  'Lucas',
  'Priya',
  'Mateo',
  'Hannah',
  'Omar',
  'Grace',
  'Diego',
  'Leah',
  'Samuel',
  'Nina',
  'Julian',
  'Zoe',
  'Arjun',
];
const LAST = [
  'Patel',
  'Nguyen',
  'Garcia',
  'Kowalski',
  'Okafor',
  'Lindqvist',
  'Moreau',
  'Tanaka',
  'Brennan',
  'Haddad',
  'Rossi',
  'Fischer',
  'Alvarez',
  'Kim',
  'Osei',
  'Novak',
];
const TITLES = [
  'CEO',
  'Founder',
  'COO',
  'CFO',
  'VP Sales',
  'Head of Operations',
  'Office Manager',
  'Purchasing Manager',
  'Marketing Director',
  'IT Manager',
];
const CITIES: ReadonlyArray<readonly [string, string, string, string]> = [
  ['Portland', 'OR', '97205', '503'],
  ['Austin', 'TX', '78701', '512'],
  ['Denver', 'CO', '80202', '303'],
  ['Boston', 'MA', '02110', '617'],
  ['Chicago', 'IL', '60601', '312'],
  ['Seattle', 'WA', '98101', '206'],
  ['Raleigh', 'NC', '27601', '919'],
  ['San Diego', 'CA', '92101', '619'],
];
const STREETS = ['Market St', 'Oak Ave', 'Harbor Blvd', 'Main St', 'Cedar Ln', 'Commerce Dr', 'Elm St', 'Park Pl'];
const SOURCES = ['Website', 'Referral', 'Trade show', 'Cold outreach', 'Partner'];
const INDUSTRIES = [
  'Software',
  'Manufacturing',
  'Healthcare',
  'Retail',
  'Financial services',
  'Education',
  'Hospitality',
  'Real estate',
];
const NOTES = [
  'Intro call went well. They are comparing us with two other vendors; decision expected next month.',
  'Budget confirmed for this quarter. Needs sign-off from finance before contracting.',
  'Asked for a reference customer in their industry.',
  'Current tool is a spreadsheet; main pain is follow-ups falling through the cracks.',
  'Wants onboarding for a team of 8. Prefers training in the mornings.',
  'Security questionnaire received; forwarded to our ops team.',
];
const SUBJECTS = [
  'Following up on our call',
  'Proposal and next steps',
  'Quick question about pricing',
  'Demo recording and slides',
  'Re: Implementation timeline',
];
const TASKS = [
  'Follow up with {first}',
  'Send the proposal to {company}',
  'Schedule a demo with {first}',
  'Check in on the contract',
  'Share the case study with {first}',
];

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const int = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

interface Base {
  state: State;
  random: Random;
  now: number;
  leadStatus: (label: string) => LeadStatusRecord;
  oppStatus: (label: string) => OpportunityStatusRecord;
}

/** The organisation, users, statuses and pipeline both seeds share. */
function base(now: number, random: Random, demo: boolean): Base {
  const created = (daysAgo: number) => stamp(new Date(now - daysAgo * DAY));
  const orgId = makeId('orga', random);
  const users: UserRecord[] = [
    ['Morgan', 'Reyes', 'admin'],
    ['Jamie', 'Chen', 'user'],
  ]
    .slice(0, demo ? 2 : 1)
    .map(([first, last, role]) => ({
      id: makeId('user', random),
      email: `${String(first).toLowerCase()}@brightwave.example`,
      first_name: String(first),
      last_name: String(last),
      role: role === 'admin' ? 'admin' : 'user',
      membership_id: makeId('memb', random),
      date_created: created(400),
      date_updated: created(30),
    }));
  const me = users[0] as UserRecord;
  const leadStatuses = ['Potential', 'Bad Fit', 'Qualified', 'Customer'].map((label) => ({
    id: makeId('stat', random),
    label,
  }));
  const pipelineId = makeId('pipe', random);
  const stages: Array<[string, StatusType]> = demo
    ? [
        ['Discovery', 'active'],
        ['Proposal Sent', 'active'],
        ['Negotiation', 'active'],
        ['Closed Won', 'won'],
        ['Closed Lost', 'lost'],
      ]
    : [
        ['Active', 'active'],
        ['Won', 'won'],
        ['Lost', 'lost'],
      ];
  const statuses: OpportunityStatusRecord[] = stages.map(([label, type]) => ({
    id: makeId('stat', random),
    label,
    type,
    pipeline_id: pipelineId,
  }));
  const pipeline: PipelineRecord = {
    id: pipelineId,
    name: 'Sales',
    statuses: statuses.map((s) => s.id),
    created_by: me.id,
    updated_by: me.id,
    date_created: naive(new Date(now - 400 * DAY)),
    date_updated: naive(new Date(now - 400 * DAY)),
  };
  const state: State = {
    organization: {
      id: orgId,
      name: 'Brightwave Software',
      currency: 'USD',
      currency_symbol: '$',
      created_by: me.id,
      date_created: created(400),
      date_updated: created(30),
    },
    meId: me.id,
    users,
    leadStatuses,
    pipelines: new Map([[pipeline.id, pipeline]]),
    opportunityStatuses: new Map(statuses.map((s) => [s.id, s])),
    customFields: new Map(),
    savedSearches: new Map(),
    leads: new Map(),
    contacts: new Map(),
    opportunities: new Map(),
    activities: new Map(),
    tasks: new Map(),
    events: [],
    eventSeq: 0,
  };
  const find = <T extends { label: string }>(list: Iterable<T>, label: string): T => {
    for (const x of list) if (x.label === label) return x;
    throw new Error(`seed: no status ${label}`);
  };
  return {
    state,
    random,
    now,
    leadStatus: (label) => find(leadStatuses, label),
    oppStatus: (label) => find(statuses, label),
  };
}

function demoData(b: Base): void {
  const { state, random, now } = b;
  const s = state;
  const users = s.users;
  const me = users[0] as UserRecord;
  const at = (ms: number) => stamp(new Date(ms));
  const stampsAt = (ms: number, userId: string) => ({
    created_by: userId,
    updated_by: userId,
    date_created: at(ms),
    date_updated: at(ms),
  });
  const field = (name: string, type: string, choices: string[]): CustomFieldRecord => ({
    id: makeId('cf', random),
    name,
    type,
    accepts_multiple_values: false,
    choices,
    ...stampsAt(now - 300 * DAY, me.id),
  });
  // The id the README's client example writes to, so that the example runs against the sandbox as is.
  const source = { ...field('Source', 'text', []), id: SOURCE_FIELD_ID };
  const industry = field('Industry', 'choices', INDUSTRIES);
  for (const f of [source, industry]) s.customFields.set(f.id, f);

  const statusPlan = [
    'Potential',
    'Qualified',
    'Customer',
    'Potential',
    'Qualified',
    'Bad Fit',
    'Customer',
    'Potential',
    'Qualified',
    'Potential',
  ];
  COMPANIES.forEach((company, i) => {
    const owner = users[i % users.length] as UserRecord;
    const createdMs = now - (90 - i * 3) * DAY - int(random, 0, 8) * 3_600_000;
    const [city, st, zip, area] = pick(random, CITIES);
    const domain = `${slug(company)}.example`;
    const statusLabel = statusPlan[i % statusPlan.length] as string;
    const sector = pick(random, INDUSTRIES);
    const lead: LeadRecord = {
      id: makeId('lead', random),
      name: company,
      description: `${sector} company based in ${city}.`,
      url: `https://www.${domain}`,
      status_id: b.leadStatus(statusLabel).id,
      addresses: [
        {
          label: 'business',
          address_1: `${int(random, 10, 980)} ${pick(random, STREETS)}`,
          address_2: null,
          city,
          state: st,
          zipcode: zip,
          country: 'US',
        },
      ],
      ...stampsAt(createdMs, owner.id),
      custom: {
        [source.id]: SOURCES[i % SOURCES.length] as string,
        [industry.id]: sector,
      },
    };
    s.leads.set(lead.id, lead);

    const contacts: ContactRecord[] = [];
    const count = int(random, 1, 3);
    for (let c = 0; c < count; c++) {
      const first = pick(random, FIRST);
      const last = pick(random, LAST);
      const contact: ContactRecord = {
        id: makeId('cont', random),
        lead_id: lead.id,
        name: `${first} ${last}`,
        title: c === 0 ? pick(random, TITLES.slice(0, 4)) : pick(random, TITLES),
        emails: [
          { email: `${first.toLowerCase()}.${last.toLowerCase()}@${domain}`, type: 'office', is_unsubscribed: false },
        ],
        phones: [
          {
            phone: `+1${area}55501${String(int(random, 0, 99)).padStart(2, '0')}`,
            type: c === 0 ? 'office' : 'mobile',
            country: 'US',
          },
        ],
        urls: [],
        timezone: null,
        ...stampsAt(createdMs + (c + 1) * 60_000, owner.id),
        custom: {},
      };
      contacts.push(contact);
      s.contacts.set(contact.id, contact);
    }
    const mainContact = contacts[0] as ContactRecord;

    // Opportunities: customers have won deals, qualified leads open ones, some potentials early ones.
    const plan: string[] =
      statusLabel === 'Customer'
        ? ['Closed Won', ...(random() < 0.4 ? ['Discovery'] : [])]
        : statusLabel === 'Qualified'
          ? [
              pick(random, ['Discovery', 'Proposal Sent', 'Negotiation', 'Negotiation']),
              ...(random() < 0.25 ? ['Closed Lost'] : []),
            ]
          : statusLabel === 'Potential' && random() < 0.4
            ? ['Discovery']
            : statusLabel === 'Bad Fit'
              ? ['Closed Lost']
              : [];
    const confidence: Record<string, number> = {
      Discovery: 20,
      'Proposal Sent': 40,
      Negotiation: 70,
      'Closed Won': 100,
      'Closed Lost': 0,
    };
    plan.forEach((label, k) => {
      const status = b.oppStatus(label);
      const period: ValuePeriod = pick(random, ['one_time', 'one_time', 'annual', 'monthly'] as const);
      const dollars = period === 'monthly' ? int(random, 4, 40) * 50 : int(random, 5, 120) * 1000;
      const oppMs = createdMs + (k + 2) * DAY;
      const o: OpportunityRecord = {
        id: makeId('oppo', random),
        lead_id: lead.id,
        status_id: status.id,
        value: dollars * 100,
        value_period: period,
        confidence: confidence[label] ?? 0,
        note: `${period === 'monthly' ? 'Subscription' : 'License'} for ${company}`,
        contact_id: mainContact.id,
        user_id: owner.id,
        date_won:
          status.type === 'won'
            ? isoDate(new Date(oppMs + int(random, 5, 20) * DAY))
            : status.type === 'active'
              ? isoDate(new Date(now + int(random, 7, 60) * DAY))
              : null,
        date_lost: status.type === 'lost' ? at(oppMs + int(random, 3, 15) * DAY) : null,
        ...stampsAt(oppMs, owner.id),
        custom: {},
      };
      s.opportunities.set(o.id, o);
    });

    // A few activities on the lead's timeline.
    const first = (mainContact.name ?? '').split(' ')[0] ?? '';
    const acts = int(random, 1, 4);
    for (let k = 0; k < acts; k++) {
      const actMs = Math.min(now - DAY / 2, createdMs + (k + 1) * int(random, 1, 6) * DAY);
      const common = {
        id: makeId('acti', random),
        lead_id: lead.id,
        contact_id: mainContact.id,
        user_id: owner.id,
        activity_at: at(actMs),
        ...stampsAt(actMs, owner.id),
        custom: {},
      };
      const kind = (i + k) % 4;
      let a: ActivityRecord;
      if (kind === 0) {
        const note = pick(random, NOTES);
        a = {
          ...common,
          _type: 'Note',
          fields: { note, note_html: `<body><p>${note}</p></body>`, pinned: false, pinned_at: null, attachments: [] },
        };
      } else if (kind === 1) {
        const duration = int(random, 2, 35) * 60;
        const phone = mainContact.phones[0]?.phone ?? '';
        a = {
          ...common,
          _type: 'Call',
          fields: {
            direction: random() < 0.7 ? 'outbound' : 'inbound',
            status: 'completed',
            duration,
            phone,
            remote_phone: phone,
            local_phone: null,
            note: `Talked with ${first} for ${duration / 60} minutes.`,
            note_html: `Talked with ${first} for ${duration / 60} minutes.`,
            recording_url: null,
            voicemail_url: null,
            has_recording: false,
            source: 'External',
            call_method: 'external',
            disposition: 'answered',
            cost: null,
            outcome_id: null,
          },
        };
      } else if (kind === 2) {
        const inbound = random() < 0.4;
        const subject = pick(random, SUBJECTS);
        const theirs = mainContact.emails[0]?.email ?? '';
        const ours = `"${owner.first_name} ${owner.last_name}" <${owner.email}>`;
        const text = inbound
          ? `Hi ${owner.first_name},\n\nThanks, that helps. Talk soon.\n\n${first}`
          : `Hi ${first},\n\nAs promised, here are the details we discussed.\n\n${owner.first_name}`;
        a = {
          ...common,
          _type: 'Email',
          fields: {
            status: inbound ? 'inbox' : 'sent',
            direction: inbound ? 'incoming' : 'outgoing',
            subject,
            sender: inbound ? `"${mainContact.name}" <${theirs}>` : ours,
            to: [inbound ? owner.email : theirs],
            cc: [],
            bcc: [],
            body_text: text,
            body_html: `<p>${text.replace(/\n/g, '<br />')}</p>`,
            body_preview: text.slice(0, 100),
            attachments: [],
            opens: [],
            template_id: null,
            date_scheduled: null,
            date_sent: inbound ? null : at(actMs),
            in_reply_to_id: null,
          },
        };
      } else {
        a = {
          ...common,
          _type: 'SMS',
          fields: {
            status: 'sent',
            direction: 'outbound',
            text: `Hi ${first}, it's ${owner.first_name} from Brightwave. Does Thursday work for a quick call?`,
            local_phone: null,
            remote_phone: mainContact.phones[0]?.phone ?? null,
            attachments: [],
            template_id: null,
            date_scheduled: null,
            date_sent: at(actMs),
            source: 'External',
            error_message: null,
            cost: null,
          },
        };
      }
      s.activities.set(a.id, a);
    }

    // Open tasks on about half of the leads worth pursuing; some due, some later.
    if (statusLabel !== 'Bad Fit' && random() < 0.6) {
      const due = new Date(now + int(random, -3, 10) * DAY);
      const t: TaskRecord = {
        id: makeId('task', random),
        _type: 'lead',
        lead_id: lead.id,
        contact_id: null,
        assigned_to: owner.id,
        text: pick(random, TASKS).replace('{first}', first).replace('{company}', company),
        date: isoDate(due),
        is_dateless: false,
        is_complete: false,
        object_type: null,
        object_id: null,
        ...stampsAt(Math.min(now - 3_600_000, createdMs + 2 * DAY), owner.id),
      };
      s.tasks.set(t.id, t);
    }
  });

  const view = (name: string, query: Obj): SavedSearchRecord => ({
    id: makeId('save', random),
    name,
    type: 'lead',
    query: null,
    s_query: {
      query: { type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, query] },
      results_limit: null,
      sort: [],
    },
    is_shared: true,
    user_id: me.id,
    date_created: stamp(new Date(now - 200 * DAY)),
    date_updated: stamp(new Date(now - 200 * DAY)),
  });
  for (const v of [
    view('Website leads', {
      type: 'field_condition',
      field: { type: 'custom_field', custom_field_id: source.id },
      condition: { type: 'text', mode: 'phrase', value: 'Website' },
    }),
    view('Qualified leads', {
      type: 'field_condition',
      field: { type: 'regular_field', object_type: 'lead', field_name: 'status_id' },
      condition: { type: 'term', values: [b.leadStatus('Qualified').id] },
    }),
  ])
    s.savedSearches.set(v.id, v);
}

/** A fresh state for a seed (`now`: the moment its relative dates count from). */
export function createSeed(name: SeedName, now: Date = new Date()): State {
  const random = seededRandom(name === 'demo' ? 0x5eed_d3e0 : 0x5eed_0e37);
  const b = base(now.getTime(), random, name === 'demo');
  if (name === 'demo') demoData(b);
  return b.state;
}
