// Live-mode ledger of the objects this run created. Written to disk on every change (before the test
// goes on), so that a crash or Ctrl-C still leaves a complete list for contract-tests/cleanup.ts,
// which the global teardown and the exit handler run. The suite only ever deletes ids listed here.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type LedgerKind = 'lead' | 'opportunityStatus' | 'pipeline' | 'leadCustomField';

export class Ledger {
  private readonly entries = new Map<string, { kind: LedgerKind; id: string }>();

  constructor(
    readonly file: string,
    private readonly baseUrl: string,
    private readonly runId: string,
  ) {}

  add(kind: LedgerKind, id: string): void {
    if (this.entries.has(id)) return;
    this.entries.set(id, { kind, id });
    this.flush();
  }

  remove(id: string): void {
    if (this.entries.delete(id)) this.flush();
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  list(kind?: LedgerKind): string[] {
    return [...this.entries.values()].filter((e) => !kind || e.kind === kind).map((e) => e.id);
  }

  private flush(): void {
    if (!this.entries.size) {
      rmSync(this.file, { force: true });
      return;
    }
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(
      this.file,
      JSON.stringify({ baseUrl: this.baseUrl, runId: this.runId, entries: [...this.entries.values()] }, null, 2),
    );
  }
}
