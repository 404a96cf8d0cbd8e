// Types for scripts/start.mjs (used by the TypeScript tests).
import type { RunningServer } from './mock.mjs';

export function docsRoutes(dir?: string): Map<string, [file: string, contentType: string]>;
export function startDocsServer(options?: { port?: number; host?: string; dir?: string }): Promise<RunningServer>;
