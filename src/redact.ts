/**
 * Redaction of a credential from text that came off the wire (error bodies, headers, status text) and
 * from anything written to disk or logs (the contract recorder's reports). A server may echo the key back
 * in any encoding it likes, so the key is matched character by character in every form a JSON string or
 * a URL can spell it: raw, JSON-escaped (`\u0061`, `\/`), percent-encoded (`%61`, either hex case), or a
 * mix of them, so that the text is clean both as written and once parsed or decoded. Base64 (as in
 * `Authorization: Basic …`) cannot be matched per character and is matched as the whole encodings of
 * `key:` and `key`. Not a general secret scanner: it removes the secrets it is given, nothing else.
 */

export const REDACTED = '[REDACTED]';

const hexCase = (hex: string): string =>
  [...hex].map((h) => (/[a-f]/i.test(h) ? `[${h.toLowerCase()}${h.toUpperCase()}]` : h)).join('');
const escapeRe = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** One character as a pattern that also matches its JSON and URL escapes. */
function charPattern(ch: string): string {
  const hex = ch.charCodeAt(0).toString(16).padStart(2, '0');
  const forms = [escapeRe(ch), `%${hexCase(hex)}`, `\\\\u00${hexCase(hex)}`];
  // JSON may also escape these three with a backslash.
  if (ch === '"' || ch === '\\' || ch === '/') forms.push(`\\\\${escapeRe(ch)}`);
  return `(?:${forms.join('|')})`;
}

const base64 = (s: string): string => btoa(s).replace(/=+$/, '');

/**
 * A function that replaces every occurrence of each secret (in the forms above) with `[REDACTED]`.
 * Secrets shorter than 4 characters are ignored (they would redact ordinary text); secrets are taken
 * as printable ASCII, which is what the client accepts as a key or token.
 */
export function makeRedactor(secrets: readonly string[]): (text: string) => string {
  const usable = [...new Set(secrets)].filter((s) => s.length >= 4);
  if (usable.length === 0) return (text) => text;
  const literals = new Set<string>();
  const patterns: string[] = [];
  for (const secret of usable) {
    patterns.push([...secret].map(charPattern).join(''));
    for (const b of [base64(`${secret}:`), base64(secret)]) if (b.length >= 4) literals.add(b);
  }
  // Longest first, so that the whole of an overlapping match goes.
  const all = [...[...literals].map(escapeRe), ...patterns].sort((a, b) => b.length - a.length);
  const re = new RegExp(all.join('|'), 'g');
  return (text) => text.replace(re, REDACTED);
}

/** Redacts every string (keys included) of a parsed JSON value. */
export function redactDeep(value: unknown, redact: (s: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v, redact)]));
  }
  return value;
}
