// Small helpers shared by the command-line scripts in scripts/ (all TypeScript, run through tsx).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `isMain(import.meta.url)`: true when this module is the script node was started with, whether by
 * `tsx`, `node --import tsx` or plain `node` (process.argv[1] is then that file). Symlinks and relative
 * paths are resolved on both sides, so a module that is also imported (by a test or another script)
 * runs its command-line part only when it is the entry point.
 */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * Arguments for `spawn(process.execPath, tsxArgs(file, ...args), { cwd: root })`: runs a TypeScript
 * script in a child node with tsx's loader. `--import tsx` resolves tsx from the child's cwd, so the
 * child must run in the repository root (every caller here does).
 */
export function tsxArgs(file: string, ...args: string[]): string[] {
  return ['--import', 'tsx', file, ...args];
}

/** What a failed execFileSync child printed (its error carries stdout and stderr when they were piped). */
export function childOutput(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const { stdout, stderr } = err as { stdout?: unknown; stderr?: unknown };
  return String(stdout ?? '') + String(stderr ?? '');
}
