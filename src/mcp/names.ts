// What a model calls an operation, and the error it gets when the name is wrong. Scope: operationIds
// (`createCallActivity`) and tool names (`create_call_activity`) are both accepted wherever an
// operation is named (search_operations returns both); spelling aside (case, `_`, `-`), nothing else
// is guessed. An unknown name is answered with the closest names (edit distance, via `leven`) or, when
// none is close, with what search_operations finds for its words; "outside the allowed scope" is said
// only of an operation that exists but that --allow leaves out.
import leven from 'leven';
import { type OperationInfo, operations, type Safety } from '../../generated/operations.js';
import { toolName } from './search.js';

/** `createCallActivity`, `create_call_activity` and `Create-Call-Activity` all give `createcallactivity`. */
const squash = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

const ALL: readonly OperationInfo[] = Object.values(operations);
const BY_SQUASHED = new Map<string, OperationInfo>(ALL.map((op) => [squash(op.operationId), op]));

/** The operation `name` means (an operationId or a tool name, in any case), allowed or not. */
export function operationNamed(name: string): OperationInfo | undefined {
  return BY_SQUASHED.get(squash(name));
}

/** `createLead` (tool `create_lead`), with the scope it needs when --allow leaves it out. */
function label(op: OperationInfo, allow: ReadonlySet<Safety>): string {
  const scope = allow.has(op.safety) ? '' : `, needs --allow ${op.safety}`;
  return `${op.operationId} (tool ${toolName(op.operationId)}${scope})`;
}

/** Up to `n` operations whose names are within a few edits of `name`, closest first. */
export function closestOperations(name: string, n = 3): OperationInfo[] {
  const target = squash(name).slice(0, 100);
  if (!target) return [];
  // A typo or a near name: at most a third of the name changed (and at least 2 edits allowed).
  const maxDistance = Math.max(2, Math.floor(target.length / 3));
  return [...BY_SQUASHED]
    .map(([squashed, op]) => ({ op, d: leven(target, squashed, { maxDistance: maxDistance + 1 }) }))
    .filter((x) => x.d <= maxDistance)
    .sort((a, b) => a.d - b.d)
    .slice(0, n)
    .map((x) => x.op);
}

export interface NameProblem {
  message: string;
  /** Why: the operation exists but --allow leaves it out, or no operation has that name. */
  reason: 'scope' | 'unknown';
  suggestions: string[];
}

/**
 * The error for a name that names no callable operation. `search` finds operations by the words of
 * the name when no name is close (`log_call` → createCallActivity).
 */
export function nameProblem(
  name: string,
  allow: ReadonlySet<Safety>,
  search: (words: string) => readonly string[],
): NameProblem {
  const shown = JSON.stringify(name.slice(0, 80));
  const op = operationNamed(name);
  if (op && !allow.has(op.safety))
    return {
      reason: 'scope',
      message: `${shown} is outside the allowed scope: ${op.operationId} ${op.safety}s data, and this server allows only ${[...allow].join(', ')}. It needs the server started with --allow ${[...allow, op.safety].join(',')}; ask the user.`,
      suggestions: [],
    };
  let near = closestOperations(name);
  if (!near.length) {
    const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_\W]+/g, ' ');
    near = search(words)
      .map((id) => operationNamed(id))
      .filter((o): o is OperationInfo => o !== undefined)
      .slice(0, 3);
  }
  const suggestions = near.map((o) => label(o, allow));
  const hint = suggestions.length ? ` Closest: ${suggestions.join('; ')}.` : '';
  return {
    reason: 'unknown',
    message: `No operation is named ${shown}.${hint} Use search_operations to find one by what it does.`,
    suggestions,
  };
}
