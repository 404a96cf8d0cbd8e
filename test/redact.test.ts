// src/redact.ts on its own: every form the redactor promises (raw in any letter case, JSON, URL and HTML
// escapes, hex in either case, base64 at each byte offset in both alphabets), embedded in other text;
// and ordinary text, near misses included, left alone.
import { describe, expect, it } from 'vitest';
import { makeRedactor, REDACTED } from '../src/redact.js';

const KEY = 'api_3xCanaryQ9zLk2.7hWmPq4RsTuVwX8';
const redact = makeRedactor([KEY]);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const perChar = (f: (c: string, code: number) => string) => [...KEY].map((c) => f(c, c.charCodeAt(0))).join('');

const FORMS: Record<string, string> = {
  raw: KEY,
  upper: KEY.toUpperCase(),
  lower: KEY.toLowerCase(),
  json: perChar((_, n) => `\\u${n.toString(16).padStart(4, '0')}`),
  jsonUpper: perChar((_, n) => `\\u${n.toString(16).padStart(4, '0').toUpperCase()}`),
  url: perChar((_, n) => `%${n.toString(16)}`),
  urlUpper: perChar((_, n) => `%${n.toString(16).toUpperCase()}`),
  hex: Buffer.from(KEY).toString('hex'),
  hexUpper: Buffer.from(KEY).toString('hex').toUpperCase(),
  htmlDecimal: perChar((_, n) => `&#${n};`),
  htmlHex: perChar((_, n) => `&#x${n.toString(16)};`),
  htmlHexUpper: perChar((_, n) => `&#X${n.toString(16).toUpperCase()};`),
  mixed: perChar((c, n) => (n % 3 === 0 ? `%${n.toString(16)}` : n % 3 === 1 ? `&#${n};` : c.toUpperCase())),
  basic: `Basic ${b64(`${KEY}:`)}`,
  base64: b64(KEY),
};
for (const before of ['', 'x', 'xy', 'user:'])
  for (const after of ['', ':', ':p', ':pw']) {
    FORMS[`base64 "${before}" key "${after}"`] = b64(`${before}${KEY}${after}`);
    FORMS[`base64url "${before}" key "${after}"`] = Buffer.from(`${before}${KEY}${after}`).toString('base64url');
  }

/** Whether any run of 12 characters of the key survives in `text` once decoded as `form` was encoded. */
function leaks(text: string): boolean {
  const probes = [KEY.slice(0, 12), KEY.slice(11, 23), KEY.slice(-12)];
  const unescaped = text
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
    .replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
    .replace(/&#[xX]([0-9a-fA-F]+);?/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCharCode(Number(d)));
  const decodings = [
    unescaped,
    ...[0, 1, 2, 3].map((i) =>
      Buffer.from(text.slice(i).replace(/[^A-Za-z0-9+/_-]/g, ''), 'base64').toString('latin1'),
    ),
    Buffer.from(text.replace(/[^0-9a-fA-F]/g, ''), 'hex').toString('latin1'),
  ];
  return probes.some((p) => decodings.some((d) => d.toLowerCase().includes(p.toLowerCase())));
}

describe('makeRedactor', () => {
  it.each(Object.entries(FORMS))('redacts the key written as %s, inside other text', (_, form) => {
    const text = `before ${form} after`;
    expect(leaks(text)).toBe(true);
    const out = redact(text);
    expect(out).toContain(REDACTED);
    expect(out.startsWith('before ')).toBe(true);
    expect(leaks(out)).toBe(false);
  });

  it('redacts a key JSON-escaped at any depth (a JSON text inside a JSON string, inside another)', () => {
    const key = 'k"e\\y/Zq~12';
    const r = makeRedactor([key]);
    let text = JSON.stringify({ echoed: key });
    for (let depth = 0; depth < 3; depth++) {
      text = JSON.stringify({ body: text });
      const out = r(text);
      expect(out).toContain(REDACTED);
      let v: unknown = JSON.parse(out);
      for (let i = 0; i <= depth; i++) v = JSON.parse((v as { body: string }).body);
      expect(JSON.stringify(v)).not.toContain('Zq~12');
    }
  });

  it('leaves ordinary text alone, near misses included', () => {
    const text = [
      'Acme Corp, 42 Main St. &amp; &#38; %20 \\u0041 6170695f 0xdeadbeef',
      KEY.slice(0, -1),
      Buffer.from(KEY.slice(0, -2)).toString('hex'),
      b64('Basic auth for someone else:'),
      JSON.stringify({ id: 'lead_abc123', url: 'https://example.com/?a=1&b=2' }),
    ].join('\n');
    expect(redact(text)).toBe(text);
  });

  it('ignores secrets shorter than 4 characters', () => {
    expect(makeRedactor(['abc'])('abc ABC')).toBe('abc ABC');
  });
});
