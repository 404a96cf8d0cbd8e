// Deletes what a live contract run created and could not delete itself (a crash, Ctrl-C, kill).
// Every object the suite creates in live mode is written to a ledger file
// (contract-tests/report/ledger-<run id>.json: base URL, run id, kind and id of each object) before
// the test goes on; this script deletes exactly the objects listed there and nothing else.
//
//   CLOSE_API_KEY=... npx tsx contract-tests/cleanup.ts                 # every ledger left for CLOSE_BASE_URL
//   CLOSE_API_KEY=... npx tsx contract-tests/cleanup.ts <ledger.json>   # one ledger
//
// Leads go first (Close deletes their contacts, opportunities, tasks and activities with them), then
// opportunity statuses, pipelines and lead custom fields created by the run. The last three are
// deleted through endpoints outside the spec's operations (DELETE /status/opportunity/{id}/,
// /pipeline/{id}/, /custom_field/lead/{id}/). A 404 means the object is already gone. 429s are
// waited out (Retry-After). The API key is read from the environment and never written anywhere.
//
// Where the key goes: only to the target, CLOSE_BASE_URL (default Close's own https://api.close.com/api/v1),
// never to the base URL a ledger file names: a ledger for another base URL is refused, so a planted or
// stale file cannot send the key elsewhere. Ids must look like Close ids and are URL-encoded (an id of
// `../../me` would otherwise become `DELETE /api/me/`).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain } from '../scripts/lib/cli.js';
import type { LedgerKind } from './support/ledger.js';

export const reportDir = join(dirname(fileURLToPath(import.meta.url)), 'report');
export const DEFAULT_BASE_URL = 'https://api.close.com/api/v1';

/** One object a run created (what contract-tests/support/ledger.ts writes). */
export interface LedgerEntry {
  kind: LedgerKind | string;
  id: string;
}

/** A ledger file: the target it belongs to, the run, and the objects left to delete. */
interface LedgerFile {
  baseUrl: string;
  runId: string;
  entries: LedgerEntry[];
}

export interface CleanupResult {
  deleted: number;
  gone: number;
  failed: Array<LedgerEntry & { status: number }>;
  /** The ledger names another base URL than the target: nothing was sent. */
  refused?: boolean;
}

const ORDER: readonly string[] = ['lead', 'opportunityStatus', 'pipeline', 'leadCustomField'];
const PATHS: Record<LedgerKind, (id: string) => string> = {
  lead: (id) => `/lead/${id}/`,
  opportunityStatus: (id) => `/status/opportunity/${id}/`,
  pipeline: (id) => `/pipeline/${id}/`,
  leadCustomField: (id) => `/custom_field/lead/${id}/`,
};
const isKind = (kind: string): kind is LedgerKind => Object.hasOwn(PATHS, kind);
/** Close ids are a prefix and base62 (`lead_…`, `stat_…`, `pipe_…`, `cf_…`): nothing else is deleted. */
const ID_RE = /^[A-Za-z0-9]+_[A-Za-z0-9]+$/;

/** The target from the environment: CLOSE_BASE_URL, else Close's own API. */
export function targetBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.CLOSE_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, '');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** DELETE with 429 handling. Returns the final status (0 on a network error). */
async function del(baseUrl: string, apiKey: string, path: string): Promise<number> {
  const auth = `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;
  for (let attempt = 0; attempt < 6; attempt++) {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        method: 'DELETE',
        headers: { authorization: auth, 'user-agent': 'close-crm-openapi-contract-cleanup' },
        signal: AbortSignal.timeout(30_000),
      });
    } catch {
      return 0;
    }
    await res.body?.cancel();
    if (res.status !== 429) return res.status;
    const wait = Number(res.headers.get('retry-after') ?? 1);
    await sleep(Math.min(Number.isFinite(wait) ? wait : 1, 30) * 1000 + 100);
  }
  return 429;
}

/**
 * Deletes the entries of a ledger (in dependency order) and removes the file when nothing is left.
 * Entries that could not be deleted stay in the file for a later run. The key is only ever sent to
 * `baseUrl` (the target: CLOSE_BASE_URL or Close's API); a ledger written for another base URL is refused.
 */
export async function cleanupLedger(
  file: string,
  {
    apiKey = process.env.CLOSE_API_KEY,
    baseUrl = targetBaseUrl(),
    log = (l) => console.error(l),
  }: { apiKey?: string | undefined; baseUrl?: string; log?: (line: string) => void } = {},
): Promise<CleanupResult> {
  const result: CleanupResult = { deleted: 0, gone: 0, failed: [] };
  if (!existsSync(file)) return result;
  const ledger = JSON.parse(readFileSync(file, 'utf8')) as LedgerFile;
  const target = baseUrl.replace(/\/+$/, '');
  if (typeof ledger.baseUrl !== 'string' || ledger.baseUrl.replace(/\/+$/, '') !== target) {
    log(`[contract cleanup] ${file} was written for another base URL than ${target}: refused, nothing sent`);
    return { ...result, refused: true };
  }
  if (!apiKey) {
    log(
      `[contract cleanup] CLOSE_API_KEY is not set; ${ledger.entries.length} object(s) listed in ${file} were not deleted`,
    );
    return result;
  }
  const left: LedgerEntry[] = [];
  const entries = [...ledger.entries].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
  for (const entry of entries) {
    if (!isKind(entry.kind)) continue;
    if (typeof entry.id !== 'string' || !ID_RE.test(entry.id)) {
      // Not a Close id: never sent, kept in the file for a person to look at.
      result.failed.push({ ...entry, status: 0 });
      left.push(entry);
      continue;
    }
    const path = PATHS[entry.kind](encodeURIComponent(entry.id));
    const status = await del(target, apiKey, path);
    if (status >= 200 && status < 300) result.deleted++;
    else if (status === 404) result.gone++;
    else {
      result.failed.push({ ...entry, status });
      left.push(entry);
    }
  }
  if (left.length) writeFileSync(file, JSON.stringify({ ...ledger, entries: left }, null, 2));
  else rmSync(file, { force: true });
  log(
    `[contract cleanup] run ${ledger.runId}: deleted ${result.deleted}, already gone ${result.gone}, failed ${result.failed.length}${result.failed.length ? ` (${result.failed.map((f) => `${f.kind} ${JSON.stringify(f.id).slice(0, 60)}: ${f.status || 'not sent'}`).join(', ')})` : ''}`,
  );
  return result;
}

/** Ledger files left in the report folder for a base URL (from runs that could not clean up). */
export function leftoverLedgers(baseUrl: string): string[] {
  if (!existsSync(reportDir)) return [];
  return readdirSync(reportDir)
    .filter((f) => /^ledger-.+\.json$/.test(f))
    .map((f) => join(reportDir, f))
    .filter((f) => {
      try {
        return (JSON.parse(readFileSync(f, 'utf8')) as Partial<LedgerFile>).baseUrl === baseUrl;
      } catch {
        return false;
      }
    });
}

if (isMain(import.meta.url)) {
  const baseUrl = targetBaseUrl();
  const files = process.argv.length > 2 ? process.argv.slice(2) : leftoverLedgers(baseUrl);
  let failed = 0;
  for (const f of files) {
    const r = await cleanupLedger(f, { baseUrl });
    failed += r.failed.length + (r.refused ? 1 : 0);
  }
  if (!files.length) console.error('[contract cleanup] nothing to clean up');
  process.exit(failed ? 1 : 0);
}
