// Raw HTTP/1.1 over a plain TCP socket, for requests no HTTP client would send (malformed request
// lines, broken percent-encoding, trickled headers, resets). Loopback only: 127.0.0.1.
import net from 'node:net';

export const LOOPBACK = '127.0.0.1';

export interface RawResult {
  /** Status codes of every response read (several when requests were pipelined). */
  statuses: number[];
  /** What the server sent, as latin1 text, up to `maxBytes`. */
  text: string;
  /** Bytes received in all (also past `maxBytes`, which are counted but not kept). */
  received: number;
  /** Bytes this side wrote. */
  written: number;
  /** The server closed (or reset) the connection before our timeout. */
  closedByServer: boolean;
  /** Our timeout hit first (we then destroyed the socket). */
  timedOut: boolean;
  /** Socket error seen on our side (ECONNRESET, EPIPE, ECONNREFUSED, ...). */
  error?: string;
  /** Milliseconds from connect to close. */
  ms: number;
}

export interface RawOptions {
  host?: string;
  /** Destroy the socket after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Keep at most this much of the answer as text (default 64 KB). */
  maxBytes?: number;
  /**
   * Half-close our side after writing, so the server sees the end of the input (default false, like
   * real clients: node's server then aborts a request still being answered and just closes).
   */
  end?: boolean;
  /** Stop when this many responses have been read (default: wait for the server to close). */
  responses?: number;
}

/** What to send: bytes, or a function that writes to the socket itself (for trickling, streaming, resets). */
export type RawPayload = string | Buffer | ((socket: net.Socket, result: RawResult) => Promise<void> | void);

/**
 * Reads the status of every response in a stream of HTTP/1.1 responses, skipping bodies by their
 * Content-Length or chunked framing (never keeping them). A response to HEAD has no body: pass
 * `headFirst` when the first request was a HEAD (pipelines here are GETs). Bounded: a head over 64 KB
 * or framing it cannot follow stops the count.
 */
export class ResponseScanner {
  readonly statuses: number[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private state: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailers' | 'until-close' | 'broken' = 'head';
  private remaining = 0;
  private headPending: boolean;

  constructor(headFirst = false) {
    this.headPending = headFirst;
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.state === 'broken' || this.state === 'until-close') {
        this.buf = Buffer.alloc(0);
        return;
      }
      if (this.state === 'body' || this.state === 'chunk-data') {
        const skip = Math.min(this.remaining, this.buf.length);
        this.buf = this.buf.subarray(skip);
        this.remaining -= skip;
        if (this.remaining > 0) return;
        this.state = this.state === 'body' ? 'head' : 'chunk-size';
        continue;
      }
      const lineEnd = this.buf.indexOf(this.state === 'head' ? '\r\n\r\n' : '\r\n');
      if (lineEnd === -1) {
        if (this.buf.length > 65_536) this.state = 'broken';
        return;
      }
      const text = this.buf.subarray(0, lineEnd).toString('latin1');
      this.buf = this.buf.subarray(lineEnd + (this.state === 'head' ? 4 : 2));
      if (this.state === 'head') this.onHead(text);
      else if (this.state === 'chunk-size') {
        const size = Number.parseInt(text.split(';')[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0) this.state = 'broken';
        else if (size === 0) this.state = 'trailers';
        else {
          this.remaining = size + 2; // the data and its CRLF
          this.state = 'chunk-data';
        }
      } else if (text === '') this.state = 'head'; // end of the trailers
    }
  }

  private onHead(text: string): void {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
    if (!m) {
      this.state = 'broken';
      return;
    }
    const status = Number(m[1]);
    this.statuses.push(status);
    if (status < 200) return; // 100 Continue and friends: the real answer follows
    const isHead = this.headPending;
    this.headPending = false;
    const header = (name: string) => new RegExp(`\r\n${name}:[ \t]*([^\r]*)`, 'i').exec(text)?.[1]?.trim();
    if (isHead || status === 204 || status === 304) return;
    if (/chunked/i.test(header('transfer-encoding') ?? '')) this.state = 'chunk-size';
    else if (header('content-length') !== undefined) {
      this.remaining = Number(header('content-length'));
      this.state = Number.isFinite(this.remaining) ? 'body' : 'broken';
    } else this.state = 'until-close';
  }
}

/** Statuses of the HTTP responses in `data` (see ResponseScanner). */
export function statusesOf(data: string | Buffer, headFirst = false): number[] {
  const scanner = new ResponseScanner(headFirst);
  scanner.push(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  return scanner.statuses;
}

/** Opens a TCP connection to 127.0.0.1:port, sends `payload`, and collects the answer. Never rejects. */
export function rawExchange(port: number, payload: RawPayload, options: RawOptions = {}): Promise<RawResult> {
  const host = options.host ?? LOOPBACK;
  if (host !== LOOPBACK) return Promise.reject(new Error(`raw HTTP is for ${LOOPBACK} only, not ${host}`));
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const started = Date.now();
  return new Promise<RawResult>((resolve) => {
    const result: RawResult = {
      statuses: [],
      text: '',
      received: 0,
      written: 0,
      closedByServer: false,
      timedOut: false,
      ms: 0,
    };
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let done = false;
    const socket = net.connect({ port, host });
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      result.text = Buffer.concat(kept).toString('latin1');
      result.statuses = statuses;
      result.ms = Date.now() - started;
      result.written = socket.bytesWritten;
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      result.timedOut = true;
      finish();
    }, timeoutMs);
    // Responses are counted as the data streams in (also past `maxBytes`).
    const scanner = new ResponseScanner(
      typeof payload !== 'function' && /^HEAD /.test(payload.toString('latin1', 0, 5)),
    );
    const statuses = scanner.statuses;
    socket.on('data', (chunk: Buffer) => {
      result.received += chunk.length;
      scanner.push(chunk);
      if (keptBytes < maxBytes) {
        const part = chunk.subarray(0, maxBytes - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
      if (options.responses !== undefined && statuses.length >= options.responses) finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      result.error = err.code ?? err.message;
    });
    socket.on('close', () => {
      if (!done) result.closedByServer = true;
      finish();
    });
    socket.on('end', () => {
      // The server half-closed: it will not answer further.
      if (!done) result.closedByServer = true;
      finish();
    });
    socket.once('connect', async () => {
      try {
        if (typeof payload === 'function') await payload(socket, result);
        else await write(socket, payload);
        if (options.end === true && !socket.destroyed) socket.end();
      } catch (err) {
        result.error ??= err instanceof Error ? err.message : String(err);
      }
    });
  });
}

/** Writes and waits for the data to be handed to the kernel (or the socket to fail). */
export function write(socket: net.Socket, data: string | Buffer): Promise<void> {
  return new Promise<void>((ok) => {
    if (socket.destroyed || !socket.writable) return ok();
    socket.write(data, () => ok());
  });
}

export const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/** Writes `data` a few bytes at a time, `everyMs` apart, until done or the socket closes or `stop()` is true. */
export async function trickle(
  socket: net.Socket,
  data: string,
  everyMs: number,
  stop: () => boolean = () => false,
  bytesPerStep = 1,
): Promise<void> {
  for (let i = 0; i < data.length; i += bytesPerStep) {
    if (socket.destroyed || !socket.writable || stop()) return;
    socket.write(data.slice(i, i + bytesPerStep));
    await sleep(everyMs);
  }
}
