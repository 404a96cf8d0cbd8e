// Types for scripts/patch-types.mjs (used by the TypeScript tests).
export function templateKeys(pattern: string): string[];
export function patch(dts: string, doc: unknown): string;
