// Local benchmark server (node:http on 127.0.0.1), run as a child process so that its CPU time and
// memory are not counted in the client's. Prints `PORT <n>` when listening. Modes:
//   static                    GET /api/v1/lead/lead_1/ → a fixed lead (with a generous RateLimit header)
//   ratelimit <limit> <ms>    POST /api/v1/lead/ creates leads under a Close-style fixed-window limit per
//                             API key and endpoint group: `RateLimit` on every answer, 429 + `Retry-After`
//   pages <total> <maxLimit>  GET /api/v1/lead/ (offset: _skip/_limit, has_more) and GET /api/v1/event/
//                             (cursor: _cursor, cursor_next) over <total> generated items
// GET /__stats returns counters as JSON; POST /__reset clears them. Run through tsx (bench/support.ts).
import { createServer, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';

const [mode = 'static', a1, a2] = process.argv.slice(2);
const stats = { requests: 0, created: 0, rateLimited: 0, duplicates: 0, byKey: {} };
const names = new Map<unknown, number>();

function send(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const lead = {
  id: 'lead_IIDHIStmFDYsWlDLnMG3tWfG4qbpKSgCwRMeXjCNxuB',
  display_name: 'Wayne Enterprises (Sample Lead)',
  name: 'Wayne Enterprises (Sample Lead)',
  status_id: 'stat_1ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk',
  status_label: 'Potential',
  organization_id: 'orga_bwwWG475zqWiQGur0thQshwVXo8rIYecQHDWFanqhen',
  url: null,
  description: '',
  contacts: [],
  opportunities: [],
  tasks: [],
  date_created: '2013-02-01T00:54:51.331000+00:00',
  date_updated: '2013-02-20T05:30:24.854000+00:00',
  'custom.cf_v3xRvLfWTzNDajB3t1Ov3qZ7BDnDE9W9YJxNvTuY7NA': 'Website',
};

// Fixed windows per (API key, endpoint group), like Close: `reset` = seconds until the window ends.
const windows = new Map<string, { start: number; used: number }>();
function take(key: string, limit: number, windowMs: number): { ok: boolean; remaining: number; reset: number } {
  const now = performance.now();
  let w = windows.get(key);
  if (!w || now >= w.start + windowMs) {
    w = { start: now, used: 0 };
    windows.set(key, w);
  }
  const reset = Math.max(0.001, (w.start + windowMs - now) / 1000);
  if (w.used >= limit) return { ok: false, remaining: 0, reset };
  w.used++;
  return { ok: true, remaining: limit - w.used, reset };
}

const total = Number(a1 ?? 100000);
const maxLimit = Number(a2 ?? 100);
function item(i: number) {
  return {
    id: `lead_${String(i).padStart(43, '0')}`,
    display_name: `Lead ${i}`,
    name: `Lead ${i}`,
    status_label: 'Potential',
    date_created: '2024-01-01T00:00:00.000000+00:00',
    'custom.cf_score': i % 100,
  };
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/__stats') return send(res, 200, stats);
    if (url.pathname === '/__reset') {
      Object.assign(stats, { requests: 0, created: 0, rateLimited: 0, duplicates: 0 });
      names.clear();
      windows.clear();
      return send(res, 200, {});
    }
    stats.requests++;
    if (mode === 'static') {
      return send(res, 200, lead, { ratelimit: 'limit=1000000, remaining=999999, reset=1' });
    }
    if (mode === 'ratelimit') {
      const limit = Number(a1);
      const windowMs = Number(a2);
      const group = `${req.method} ${url.pathname}`;
      const t = take(`${req.headers.authorization} ${group}`, limit, windowMs);
      const rl = `limit=${limit}, remaining=${t.remaining}, reset=${t.reset.toFixed(3)}`;
      if (!t.ok) {
        stats.rateLimited++;
        return send(
          res,
          429,
          { error: { message: 'API call count exceeded for this period', rate_reset: t.reset } },
          { ratelimit: rl, 'retry-after': String(Math.ceil(t.reset)) },
        );
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { name?: unknown };
      const seen = names.get(body.name) ?? 0;
      if (seen) stats.duplicates++;
      names.set(body.name, seen + 1);
      stats.created++;
      return send(
        res,
        200,
        { ...lead, id: `lead_${stats.created}`, name: body.name, display_name: body.name },
        { ratelimit: rl },
      );
    }
    if (mode === 'pages') {
      const limit = Math.min(maxLimit, Number(url.searchParams.get('_limit') ?? maxLimit));
      if (url.pathname === '/api/v1/lead/') {
        const skip = Number(url.searchParams.get('_skip') ?? 0);
        const data = [];
        for (let i = skip; i < Math.min(total, skip + limit); i++) data.push(item(i));
        return send(res, 200, { has_more: skip + limit < total, data });
      }
      if (url.pathname === '/api/v1/event/') {
        const from = Number(url.searchParams.get('_cursor') ?? 0);
        const data = [];
        for (let i = from; i < Math.min(total, from + limit); i++)
          data.push({ id: `ev_${i}`, object_type: 'lead', action: 'updated', lead_id: item(i).id, data: item(i) });
        return send(res, 200, {
          data,
          cursor_next: from + limit < total ? String(from + limit) : null,
          cursor_previous: null,
        });
      }
    }
    send(res, 404, { error: 'not found' });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`PORT ${typeof address === 'object' && address ? address.port : ''}`);
});
