// src/lib/http-guard.ts against real servers on 127.0.0.1 (port 0), spoken to over raw sockets where
// an HTTP client would refuse to send the request: limits, 413 with a declared length and while a
// chunked body streams (holding no more than the limit), trickled headers and bodies timed out,
// malformed request targets, parse errors, CORS.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BodyTooLargeError,
  CORS_EXPOSED_HEADERS,
  cors,
  DEFAULT_LIMITS,
  type GuardLimits,
  hardenServer,
  MAX_BODY_BYTES,
  parseRequestTarget,
  RequestAbortedError,
  readBody,
  resolveLimits,
  safeDecodeURIComponent,
  sendError,
} from '../src/lib/http-guard.js';
import { rawExchange, sleep, trickle, write } from './support/raw-http.js';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((ok) => {
          s.close(() => ok());
          s.closeAllConnections();
        }),
    ),
  );
});

/** Starts a hardened server on 127.0.0.1:0 with `handler`; returns its port. */
async function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>,
  limits: Partial<GuardLimits> = {},
): Promise<{ port: number; server: http.Server }> {
  const server = http.createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((err: unknown) => sendError(res, 500, String(err)));
  });
  hardenServer(server, limits);
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { port: (server.address() as AddressInfo).port, server };
}

/** A handler like the servers': parse the target, CORS, read the body, echo its size. */
function echoHandler(maxBytes: number, seen?: { atReject: number; total: number; error?: unknown }) {
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (cors(req, res)) return;
    const target = parseRequestTarget(req.url);
    if (!target) return sendError(res, 400, `Malformed request target: ${req.url}`);
    if (seen) req.on('data', (c: Buffer) => (seen.total += c.length));
    try {
      const body = await readBody(req, maxBytes);
      const out = JSON.stringify({ bytes: body.length, segments: target.segments });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    } catch (err) {
      if (seen) {
        seen.atReject = seen.total;
        seen.error = err;
      }
      if (err instanceof BodyTooLargeError) return sendError(res, err.status, err.message);
      if (err instanceof RequestAbortedError) return sendError(res, err.status, err.message);
      throw err;
    }
  };
}

const bodyOf = (text: string) => text.slice(text.indexOf('\r\n\r\n') + 4);

describe('limits', () => {
  it('defaults to 10 MB, headers within 10 s and the whole request within 30 s', () => {
    expect(MAX_BODY_BYTES).toBe(10 * 1024 * 1024);
    expect(DEFAULT_LIMITS).toEqual({
      maxBodyBytes: MAX_BODY_BYTES,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
    });
    expect(resolveLimits({ requestTimeoutMs: 500, headersTimeoutMs: 9_000 }).headersTimeoutMs).toBe(500);
  });

  it('hardenServer sets node’s timeouts and checks them often', () => {
    const server = http.createServer();
    hardenServer(server, { headersTimeoutMs: 300, requestTimeoutMs: 500 });
    expect(server.headersTimeout).toBe(300);
    expect(server.requestTimeout).toBe(500);
    expect(server.keepAliveTimeout).toBe(5_000);
    expect(server.timeout).toBe(1_000);
    expect((server as http.Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBe(75);
    expect(server.listenerCount('clientError')).toBe(1);
    hardenServer(server); // a second call changes nothing
    expect(server.listenerCount('clientError')).toBe(1);
    expect(server.requestTimeout).toBe(500);
  });
});

describe('readBody', () => {
  it('reads a body within the limit', async () => {
    const { port } = await serve(echoHandler(1024));
    const body = 'x'.repeat(1024);
    const r = await rawExchange(
      port,
      `POST /a/b%20c/ HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(r.statuses).toEqual([200]);
    expect(JSON.parse(bodyOf(r.text))).toEqual({ bytes: 1024, segments: ['a', 'b c'] });
  });

  it('refuses a declared Content-Length over the limit at once, before the body is sent', async () => {
    const seen = { atReject: -1, total: 0 } as { atReject: number; total: number; error?: unknown };
    const { port } = await serve(echoHandler(1024 * 1024, seen));
    // Only the head is sent: the answer must not wait for a body.
    const r = await rawExchange(
      port,
      async (socket) => {
        await write(socket, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n');
      },
      { end: false, responses: 1, timeoutMs: 3_000 },
    );
    expect(r.statuses).toEqual([413]);
    expect(r.timedOut).toBe(false);
    expect(JSON.parse(bodyOf(r.text))).toEqual({ error: 'Request body too large: the limit is 1048576 bytes.' });
    expect(seen.error).toBeInstanceOf(BodyTooLargeError);
    expect(seen.atReject).toBe(0);
  });

  it('answers Expect: 100-continue over the limit with 413 and no 100 Continue', async () => {
    const { port } = await serve(echoHandler(1024), { maxBodyBytes: 1024 });
    const r = await rawExchange(
      port,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n',
      { end: false, timeoutMs: 3_000 },
    );
    expect(r.statuses).toEqual([413]);
    expect(r.closedByServer).toBe(true);
    expect(r.text).toMatch(/access-control-allow-origin: \*/i);
  });

  it('still sends 100 Continue for a body within the limit', async () => {
    const { port } = await serve(echoHandler(1024), { maxBodyBytes: 1024 });
    const r = await rawExchange(
      port,
      async (socket) => {
        await write(
          socket,
          'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
        );
        await sleep(100);
        await write(socket, 'abc');
      },
      { timeoutMs: 3_000 },
    );
    expect(r.statuses).toEqual([100, 200]);
  });

  it('rejects a chunked body as soon as it passes the limit, holding no more than the limit', async () => {
    const limit = 1024 * 1024;
    const seen = { atReject: -1, total: 0 } as { atReject: number; total: number; error?: unknown };
    const { port } = await serve(echoHandler(limit, seen));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const started = Date.now();
    const r = await rawExchange(
      port,
      async (socket, result) => {
        await write(socket, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
        // Up to 8 MB, stopping once the answer came.
        for (let sent = 0; sent < 8 * limit && result.received === 0 && !socket.destroyed; sent += chunk.length)
          await write(socket, frame);
      },
      { end: false, responses: 1, timeoutMs: 5_000 },
    );
    expect(r.statuses).toEqual([413]);
    expect(seen.error).toBeInstanceOf(BodyTooLargeError);
    // Rejected within one chunk of the limit (node delivers up to 64 KB per 'data' event).
    expect(seen.atReject).toBeGreaterThan(limit);
    expect(seen.atReject).toBeLessThanOrEqual(limit + 64 * 1024 + 16);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('lets the client read the 413 and then closes a connection that keeps sending', async () => {
    const limit = 64 * 1024;
    const { port } = await serve(echoHandler(limit), { maxBodyBytes: limit });
    const frame = Buffer.from(`400\r\n${'a'.repeat(1024)}\r\n`);
    const r = await rawExchange(
      port,
      async (socket) => {
        await write(socket, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
        // Keep sending (1 KB every 5 ms) past the answer: the server discards it for LINGER_MS, then closes.
        while (!socket.destroyed && socket.writable) {
          await write(socket, frame);
          await sleep(5);
        }
      },
      { end: false, timeoutMs: 8_000 },
    );
    expect(r.statuses).toEqual([413]);
    expect(r.closedByServer).toBe(true);
    expect(r.ms).toBeLessThan(5_000);
  });

  it('lets the client read the 413 also when it asked to close the connection (no reset wipes it out)', async () => {
    // Node closes such a connection right after the answer; with the body still arriving, that used to
    // send a reset that made the client lose the 413 most of the time.
    const limit = 1024 * 1024;
    const { port } = await serve(echoHandler(limit), { maxBodyBytes: limit });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    for (let i = 0; i < 5; i++) {
      const r = await rawExchange(
        port,
        async (socket, result) => {
          await write(socket, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
          for (let sent = 0; sent < 8 * limit && result.received === 0 && socket.writable; sent += chunk.length)
            await write(socket, frame);
        },
        { timeoutMs: 5_000 },
      );
      expect(r.statuses, `attempt ${i}`).toEqual([413]);
      expect(r.error, `attempt ${i}`).toBeUndefined();
    }
  });

  it('rejects when the client goes away mid-body', async () => {
    const seen = { atReject: -1, total: 0 } as { atReject: number; total: number; error?: unknown };
    const { port } = await serve(echoHandler(1024, seen));
    await rawExchange(port, async (socket) => {
      await write(socket, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
      await sleep(50);
      socket.resetAndDestroy();
    });
    for (let i = 0; i < 50 && !seen.error; i++) await sleep(20);
    expect(seen.error).toBeInstanceOf(RequestAbortedError);
  });
});

describe('timeouts', () => {
  const limits = { headersTimeoutMs: 300, requestTimeoutMs: 500 };

  it('answers headers that trickle in with 408 and closes', async () => {
    const { port } = await serve(echoHandler(1024), limits);
    const started = Date.now();
    const r = await rawExchange(
      port,
      (socket) => trickle(socket, `GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ${'z'.repeat(200)}\r\n\r\n`, 20),
      { end: false, timeoutMs: 5_000 },
    );
    expect(r.closedByServer).toBe(true);
    expect(r.statuses).toEqual([408]);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('answers a body that trickles in with 408 and closes, well before the body ends', async () => {
    const seen = { atReject: -1, total: 0 } as { atReject: number; total: number; error?: unknown };
    const { port } = await serve(echoHandler(1024, seen), limits);
    const started = Date.now();
    const r = await rawExchange(
      port,
      async (socket) => {
        await write(socket, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n');
        await trickle(socket, 'y'.repeat(200), 20); // would take 4 s
      },
      { end: false, timeoutMs: 5_000 },
    );
    expect(r.closedByServer).toBe(true);
    expect(r.statuses).toEqual([408]);
    expect(Date.now() - started).toBeLessThan(1_500);
    for (let i = 0; i < 100 && !seen.error; i++) await sleep(20); // the handler learns when the socket goes
    expect(seen.error).toBeInstanceOf(RequestAbortedError);
  });

  it('closes an idle keep-alive connection', async () => {
    const { port } = await serve(echoHandler(1024), { ...limits, keepAliveTimeoutMs: 200 });
    const r = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { end: false, timeoutMs: 5_000 });
    expect(r.statuses).toEqual([200]);
    expect(r.closedByServer).toBe(true);
    expect(r.ms).toBeLessThan(3_000);
  });
});

describe('malformed requests', () => {
  it('parseRequestTarget: null for what cannot be parsed, never a throw', () => {
    for (const bad of [
      undefined,
      '',
      '*',
      'example.com:443',
      '/lead/%ff/',
      '/%',
      '/%zz',
      '/lead/%E0%A4%A/',
      'http://[/',
      'a b',
    ])
      expect(parseRequestTarget(bad), String(bad)).toBeNull();
    expect(parseRequestTarget('//[')).toMatchObject({ pathname: '//[', segments: ['['] });
    expect(parseRequestTarget('//lead/')).toMatchObject({ pathname: '//lead/', segments: ['lead'] });
    const t = parseRequestTarget('/lead/lead_1/?query=a%20b&bad=%ff&x=%');
    expect(t?.pathname).toBe('/lead/lead_1/');
    expect(t?.segments).toEqual(['lead', 'lead_1']);
    expect(t?.query.get('query')).toBe('a b');
    expect(t?.query.get('x')).toBe('%');
    expect(parseRequestTarget('http://example.com/a%2Fb?x=1')).toMatchObject({ pathname: '/a%2Fb', segments: ['a/b'] });
    expect(safeDecodeURIComponent('%ff')).toBeNull();
    expect(safeDecodeURIComponent('%C3%A9')).toBe('é');
  });

  it('answers malformed percent-encoding with a Close-shaped 400 and keeps serving', async () => {
    const { port } = await serve(echoHandler(1024));
    for (const target of ['/lead/%ff/', '/%', '/lead/%c0%af/']) {
      const r = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(r.statuses, target).toEqual([400]);
      expect(JSON.parse(bodyOf(r.text)), target).toEqual({ error: `Malformed request target: ${target}` });
    }
    const ok = await rawExchange(port, 'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(ok.statuses).toEqual([200]);
  });

  it('answers parse errors in Close’s shape: 400, and 431 for oversized headers', async () => {
    const { port } = await serve(echoHandler(1024));
    const garbage = await rawExchange(port, '\x00\x01\x02 nonsense\r\n\r\n');
    expect(garbage.statuses).toEqual([400]);
    expect(JSON.parse(bodyOf(garbage.text)).error).toMatch(/^Malformed HTTP request/);
    expect(garbage.text).toMatch(/connection: close/i);
    const huge = await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge.statuses).toEqual([431]);
    const alive = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(alive.statuses).toEqual([200]);
  });
});

describe('cors', () => {
  it('answers a preflight with 204, any origin, the needed headers and no credentials', async () => {
    const { port } = await serve(echoHandler(1024));
    const res = await fetch(`http://127.0.0.1:${port}/lead/`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type, x-custom, bad header',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'prefer', 'x-custom']));
    expect(allowed).not.toContain('bad header');
  });

  it('marks other answers readable from any origin and exposes the rate-limit headers', async () => {
    const { port } = await serve(echoHandler(1024));
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { Origin: 'http://evil.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-expose-headers')).toBe(CORS_EXPOSED_HEADERS.join(', '));
    expect(CORS_EXPOSED_HEADERS).toEqual(expect.arrayContaining(['RateLimit', 'Retry-After', 'X-Rate-Limit-Reset']));
  });

  it('leaves an OPTIONS that is not a preflight to the handler', async () => {
    const { port } = await serve(echoHandler(1024));
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'OPTIONS' });
    expect(res.status).toBe(200);
  });
});

describe('sendError', () => {
  it('writes {"error": message} or a given body', async () => {
    const { port } = await serve((req, res) =>
      req.url === '/custom'
        ? sendError(res, 400, 'ignored', { errors: ['x'], 'field-errors': {} })
        : sendError(res, 404, 'Not found.'),
    );
    const a = await fetch(`http://127.0.0.1:${port}/`);
    expect(a.status).toBe(404);
    expect(a.headers.get('content-type')).toBe('application/json');
    expect(await a.json()).toEqual({ error: 'Not found.' });
    const b = await fetch(`http://127.0.0.1:${port}/custom`);
    expect(await b.json()).toEqual({ errors: ['x'], 'field-errors': {} });
  });

  it('cuts off a response whose headers were already sent instead of writing a second head', async () => {
    const { port } = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      await sleep(50); // the failure comes later, as it would
      sendError(res, 500, 'too late');
    });
    const r = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { end: false });
    expect(r.statuses).toEqual([200]);
    expect(r.closedByServer).toBe(true);
    expect(r.text).not.toContain('too late');
  });
});
