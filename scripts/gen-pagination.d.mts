// Types for scripts/gen-pagination.mjs (used by the TypeScript tests).
export type PaginationTable = Record<
  string,
  { method: string; style: 'offset' | 'cursor' | 'body-cursor'; operationId: string }
>;
export function paginationTable(doc: unknown): PaginationTable;
export function render(table: PaginationTable): { js: string; dts: string };
