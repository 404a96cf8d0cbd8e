// `close-crm-openapi/sandbox`: a stateful, in-memory Close API on your machine, for trying the API
// and for your own test suites.
//
//   import { startSandbox } from 'close-crm-openapi/sandbox';
//   const sandbox = await startSandbox({ port: 0 });        // demo data, a free port
//   const close = createCloseClient({ apiKey: 'any', baseUrl: sandbox.url });
//   ...
//   sandbox.reset();                                         // back to the seed
//   await sandbox.close();
//
// Modules: store.ts (state, ids, snapshots), seed.ts (demo / empty), handlers/ (one handler per
// operationId, typed against the generated operation list), query.ts (lead search strings and the
// Advanced Filtering subset), validate.ts (request validation against the spec, compiled once),
// http.ts (routing, auth, rate limit, CORS, guards). The command line is src/cli.ts.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHttpServer } from './http.js';
import { createSeed, SEED_NAMES, type SeedName } from './seed.js';
import { fromSnapshot, type Snapshot, SnapshotError, Store, toSnapshot } from './store.js';

export type { SeedName } from './seed.js';
export type { Snapshot } from './store.js';
export { SnapshotError };

/** Default rate limit: generous, so that a test suite is never slowed down by it. */
export const DEFAULT_RATE_LIMIT: Readonly<{ requests: number; seconds: number }> = Object.freeze({
  requests: 1000,
  seconds: 1,
});

export interface SandboxOptions {
  /** TCP port; `0` picks a free one (read it from `url` / `port`). Default 4010. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1` (only this machine). */
  host?: string;
  /**
   * Starting data: `demo` (default), a small organisation with users, statuses, a sales pipeline,
   * custom fields, 30 leads with contacts, opportunities, activities and tasks, and two Smart Views;
   * or `empty` (the organisation, one user, lead statuses and a pipeline).
   */
  seed?: SeedName;
  /**
   * A snapshot file: loaded at start when it exists (instead of the seed), written back by `close()`.
   * The file is a versioned JSON document (see `snapshot()`).
   */
  data?: string;
  /** Requests per window and API key before 429s (default 1000 per 1 second). */
  rateLimit?: { requests: number; seconds: number };
  /** Answer every n-th authenticated request with a 429 (not processed), to exercise retries; 0 = off (default). */
  failEvery?: number;
  /** Receives one line per request (and server errors); silent when omitted. */
  log?: (line: string) => void;
  /** Guards: largest body (default 10 MB), and how long headers and whole requests may take to arrive. */
  limits?: { maxBodyBytes?: number; headersTimeoutMs?: number; requestTimeoutMs?: number };
}

export interface RunningSandbox {
  /** Base URL including `/api/v1`, without a trailing slash: `http://127.0.0.1:4010/api/v1`. */
  url: string;
  port: number;
  host: string;
  /** Back to the seed the sandbox started with (not to the `data` file): all changes are dropped. */
  reset(): void;
  /** The current state as a snapshot (the format `data` files hold); a copy. */
  snapshot(): Snapshot;
  /** Requests answered and how many of them were 429s. */
  stats(): { requests: number; rateLimited: number };
  /** Stops the server (open connections are closed) and writes the `data` file when one was given. */
  close(): Promise<void>;
}

function check(cond: boolean, message: string): void {
  if (!cond) throw new TypeError(`startSandbox: ${message}`);
}

/** Writes a snapshot file atomically (a temporary file renamed over it). */
export function writeSnapshotFile(file: string, snapshot: Snapshot): void {
  const target = resolve(file);
  const tmp = join(dirname(target), `.${Date.now()}-${process.pid}.sandbox.tmp`);
  writeFileSync(tmp, `${JSON.stringify(snapshot, null, 1)}\n`);
  renameSync(tmp, target);
}

/** Reads a snapshot file; SnapshotError when it is not one this version can load. */
export function readSnapshotFile(file: string): Snapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SnapshotError(`${file} is not a JSON snapshot: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    fromSnapshot(parsed);
  } catch (err) {
    throw new SnapshotError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parsed as Snapshot;
}

/**
 * Starts a sandbox: a stateful, in-memory Close API answering every operation of the spec at
 * `<url>/…` (and without the `/api/v1` prefix), with Close's errors, rate-limit headers and
 * pagination. Any API key is accepted (HTTP Basic with the key as user name, or a Bearer token).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const port = options.port ?? 4010;
  const host = options.host ?? '127.0.0.1';
  const seed = options.seed ?? 'demo';
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const failEvery = options.failEvery ?? 0;
  check(Number.isInteger(port) && port >= 0 && port <= 65535, `port must be an integer from 0 to 65535, got ${port}`);
  check(SEED_NAMES.includes(seed), `seed must be one of ${SEED_NAMES.join(', ')}, got ${String(seed)}`);
  check(
    Number.isInteger(rateLimit.requests) && rateLimit.requests > 0 && rateLimit.seconds > 0,
    'rateLimit needs a positive whole number of requests and a positive number of seconds',
  );
  check(Number.isInteger(failEvery) && failEvery >= 0, `failEvery must be a whole number (0 = off), got ${failEvery}`);
  if (options.data !== undefined) {
    check(options.data !== '', 'data must name a file');
    // Found now rather than when close() writes the file: a typo should not cost the session's state.
    if (!existsSync(dirname(resolve(options.data))))
      throw new Error(`startSandbox: the folder of the data file ${options.data} does not exist`);
  }

  let store = new Store(
    options.data && existsSync(options.data) ? fromSnapshot(readSnapshotFile(options.data)) : createSeed(seed),
  );
  const app = createHttpServer({
    store: () => store,
    rateLimit,
    failEvery,
    log: options.log,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  await new Promise<void>((ok, ko) => {
    app.server.once('error', ko);
    app.server.listen(port, host, () => {
      app.server.off('error', ko);
      ok();
    });
  });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${actualPort}/api/v1`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port: actualPort,
    host,
    reset() {
      store = new Store(createSeed(seed));
      app.resetCounters();
    },
    snapshot: () => toSnapshot(store.state, new Date()),
    stats: () => ({ ...app.stats }),
    close() {
      closing ??= new Promise<void>((done) => {
        app.server.close(() => done());
        app.server.closeAllConnections();
      }).then(() => {
        if (options.data) writeSnapshotFile(options.data, toSnapshot(store.state, new Date()));
      });
      return closing;
    },
  };
}
