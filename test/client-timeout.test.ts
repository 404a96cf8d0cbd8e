// `timeoutMs` holds when the garbage collector runs during the wait: `AbortSignal.any` over
// `AbortSignal.timeout` lost its timer to a collection (nodejs/node#57736) and the call hung for undici's 300 s.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('a call to a server that never answers ends at timeoutMs even with the GC forced every 50 ms', async () => {
  const script = join(import.meta.dirname, 'support', 'timeout-under-gc.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', script], {
    cwd: join(import.meta.dirname, '..'),
    timeout: 20_000,
    encoding: 'utf8',
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { outcome: string; ms: number };
  expect(result.outcome).toBe('CloseNetworkError');
  expect(result.ms).toBeGreaterThanOrEqual(450);
  expect(result.ms).toBeLessThan(10_000);
}, 30_000);
