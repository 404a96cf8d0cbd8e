// A real HTTP server on 127.0.0.1 for the client tests and benchmarks (no stubbed fetch).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach } from 'vitest';

export interface Recorded {
  method: string;
  /** Path and query, e.g. `/api/v1/lead/?_skip=100`. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless a string. */
  body?: unknown;
  /** Destroy the socket instead of answering (a network error for the client). */
  destroy?: boolean;
  /** Wait before answering (ms). */
  delayMs?: number;
  /**
   * Send the status, the headers (with the full Content-Length) and half the body, then `cut` the
   * connection or `stall` (never send the rest).
   */
  partial?: 'cut' | 'stall';
}

export type Handler = (req: Recorded, index: number) => Reply | Promise<Reply>;

export interface TestServer {
  /** Base URL including `/api/v1`. */
  baseUrl: string;
  requests: Recorded[];
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

export async function startServer(handler: Handler, options: { record?: boolean } = {}): Promise<TestServer> {
  let current = handler;
  const record = options.record ?? true;
  const requests: Recorded[] = [];
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: chunks.length ? Buffer.concat(chunks).toString('utf8') : '',
      };
      if (record) requests.push(rec);
      const index = count++;
      Promise.resolve(current(rec, index)).then(
        async (reply) => {
          if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
          if (reply.destroy) {
            req.socket.destroy();
            return;
          }
          const body =
            reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
          res.writeHead(reply.status ?? 200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...reply.headers,
          });
          if (reply.partial) {
            res.write(body.slice(0, Math.floor(body.length / 2)));
            if (reply.partial === 'cut') setTimeout(() => req.socket.destroy(), 20);
            return;
          }
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    requests,
    setHandler(h) {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of sockets) s.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Splits a recorded URL into its path below `/api/v1` and its query. */
export function parseRecorded(url: string): { path: string; query: URLSearchParams } {
  const u = new URL(url, 'http://x');
  return { path: u.pathname.replace(/^\/api\/v1/, ''), query: u.searchParams };
}

/** `serve(handler)` starts a server for the current test; every server is closed after each test. */
export function serverPerTest(): (handler: Handler) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (handler) => {
    const s = await startServer(handler);
    servers.push(s);
    return s;
  };
}
