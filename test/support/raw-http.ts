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
  /** Half-close our side after writing (default true: the server sees the end of the input). */
  end?: boolean;
  /** Stop when this many responses have been read (default: wait for the server to close). */
  responses?: number;
}

/** What to send: bytes, or a function that writes to the socket itself (for trickling, streaming, resets). */
export type RawPayload = string | Buffer | ((socket: net.Socket, result: RawResult) => Promise<void> | void);

/** Statuses of the HTTP responses found in `text` (status lines at the start or after a CRLF). */
export function statusesOf(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3})[ \r]/g)) out.push(Number(m[1]));
  return out;
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
      result.statuses = statusesOf(result.text);
      result.ms = Date.now() - started;
      result.written = socket.bytesWritten;
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      result.timedOut = true;
      finish();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      result.received += chunk.length;
      if (keptBytes < maxBytes) {
        const part = chunk.subarray(0, maxBytes - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
      if (
        options.responses !== undefined &&
        statusesOf(Buffer.concat(kept).toString('latin1')).length >= options.responses
      )
        finish();
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
        if (options.end !== false && !socket.destroyed) socket.end();
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
