/**
 * Redaction of a credential from text that came off the wire (error bodies, headers, status text) and
 * from anything written to disk or logs (the contract recorder's reports, the MCP server's results and
 * log lines). A server may echo the key back in any encoding it likes, so the key is matched character
 * by character, in either letter case, in every form a JSON string, a URL or an HTML page can spell a
 * character: raw, JSON-escaped at any depth (`\u0061`, `\/`, `\\u0061` inside a JSON text held in a JSON
 * string), percent-encoded (`%61`), an HTML character reference
 * (`&#97;`, `&#x61;`, `&amp;`), hex digits in either case, or a mix of them, so that the text is clean
 * both as written and once parsed or decoded. A hex dump of the whole key (`6170695f…`, either case) is
 * matched too. Base64 cannot be matched per character: it is matched as the characters that encode
 * only the key's own bytes, at each of the three byte offsets the key can start at inside a longer
 * encoding (`Basic base64("user:" + key)`), in the standard and the URL-safe alphabet. Not a general
 * secret scanner: it removes the secrets it is given, nothing else.
 */

export const REDACTED = '[REDACTED]';

const hexCase = (hex: string): string =>
  [...hex].map((h) => (/[a-f]/i.test(h) ? `[${h.toLowerCase()}${h.toUpperCase()}]` : h)).join('');
const escapeRe = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const hexOf = (ch: string): string => ch.charCodeAt(0).toString(16).padStart(2, '0');
/** The character in both letter cases (one entry for anything but a letter). */
const cases = (ch: string): string[] => [...new Set([ch.toLowerCase(), ch.toUpperCase()])];
const NAMED: Readonly<Record<string, string>> = { '&': 'amp', '"': 'quot', "'": 'apos', '<': 'lt', '>': 'gt' };

/** One character as a pattern that also matches its JSON, URL and HTML escapes, in either letter case. */
function charPattern(ch: string): string {
  const variants = cases(ch);
  const forms = [variants.length > 1 ? `[${variants.join('')}]` : escapeRe(ch)];
  for (const v of variants) {
    const hex = hexOf(v);
    // `\u0061` once JSON-escaped, `\\u0061` twice (a JSON text inside a JSON string), and so on.
    forms.push(`%${hexCase(hex)}`, `\\\\+u00${hexCase(hex)}`, `&#0*${v.charCodeAt(0)};?`, `&#[xX]0*${hexCase(hex)};?`);
    const named = NAMED[v];
    if (named) forms.push(`&${named};`);
    // JSON may also escape these three with a backslash, and that backslash again at each level.
    if (v === '"' || v === '/') forms.push(`\\\\+${escapeRe(v)}`);
    if (v === '\\') forms.push('\\\\+');
  }
  return `(?:${forms.join('|')})`;
}

/** The key as a hex dump (two digits a byte, either digit case, either letter case of the key). */
const hexPattern = (secret: string): string =>
  [...secret]
    .map(
      (ch) =>
        `(?:${cases(ch)
          .map((v) => hexCase(hexOf(v)))
          .join('|')})`,
    )
    .join('');

const base64 = (bytes: string): string => btoa(bytes);

/**
 * The base64 characters that encode only `text`'s bytes when it starts `offset` bytes (0, 1 or 2)
 * into the encoded data: the characters that mix in the bytes before or after are left out.
 */
function base64Core(text: string, offset: number): string {
  const encoded = base64('\0'.repeat(offset) + text);
  return encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + text.length) * 8) / 6));
}

/** Base64 characters shorter than this are not matched: they would hit ordinary text. */
const MIN_BASE64 = 6;

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
    patterns.push([...secret].map(charPattern).join(''), hexPattern(secret));
    for (const text of new Set([secret, secret.toLowerCase(), secret.toUpperCase()]))
      for (const form of [`${text}:`, text]) {
        // Whole, as `Authorization: Basic` carries `key:` (its last character and padding included)...
        const cores = [base64(form).replace(/=+$/, '')];
        // ...and at each byte offset inside a longer encoding.
        for (const offset of [0, 1, 2]) cores.push(base64Core(form, offset));
        for (const core of cores)
          if (core.length >= MIN_BASE64) literals.add(core).add(core.replace(/\+/g, '-').replace(/\//g, '_'));
      }
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
