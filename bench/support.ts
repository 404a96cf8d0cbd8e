import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface BenchServer {
  baseUrl: string;
  origin: string;
  stats(): Promise<Record<string, number>>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts bench/server.ts (through tsx) in a child process (127.0.0.1, free port). */
export async function startBenchServer(...args: string[]): Promise<BenchServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'server.ts'), ...args],
    // `--import tsx` resolves tsx from the child's cwd: the repository root.
    { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /PORT (\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    baseUrl: `${origin}/api/v1`,
    stats: async () => (await (await fetch(`${origin}/__stats`)).json()) as Record<string, number>,
    reset: async () => void (await (await fetch(`${origin}/__reset`, { method: 'POST' })).text()),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const at = (i: number) => s[i] ?? Number.NaN;
  return s.length % 2 ? at(m) : (at(m - 1) + at(m)) / 2;
}

/** Prints a machine-readable result line that scripts/bench.ts collects. */
export function result(name: string, values: Record<string, number | string | boolean>): void {
  console.log(`RESULT ${name} ${JSON.stringify(values)}`);
}
